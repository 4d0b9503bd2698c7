//===----------------------------------------------------------------------===//
//
// This source file is part of the swift-sse open source project
//
// Copyright (c) 2026 the swift-sse project authors
// Licensed under Apache License v2.0
//
// See LICENSE.txt for license information
// See CONTRIBUTORS.txt for the list of swift-sse project authors
//
// SPDX-License-Identifier: Apache-2.0
//
//===----------------------------------------------------------------------===//

#if VaporSupport
public import SSENIOCore
public import Vapor

extension Request {
    /// The last event ID the client has: the `Last-Event-ID` header, or else the configured query
    /// parameter (for polyfills that cannot set headers); `nil` when neither is given or it is empty.
    ///
    /// - Parameter configuration: The query parameter's name and the longest ID accepted.
    /// - Throws: `Abort(.badRequest)` saying what is wrong when the ID is too long or contains
    ///   NULL, CR or LF.
    public func sseLastEventID(
        configuration: SSEStreamConfiguration = SSEStreamConfiguration()
    ) throws(Abort) -> String? {
        do {
            return try configuration.lastEventID(header: headers.first(name: "Last-Event-ID")) { name in
                query[String.self, at: name]
            }
        } catch {
            throw Abort(.badRequest, reason: error.description)
        }
    }

    /// The last event ID the client has.
    @available(*, deprecated, renamed: "sseLastEventID(configuration:)")
    public func lastEventID(configuration: SSEStreamConfiguration = SSEStreamConfiguration()) throws(Abort) -> String? {
        try sseLastEventID(configuration: configuration)
    }
}
#endif
