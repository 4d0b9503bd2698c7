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

#if NIOSupport
public import SSEStreaming

extension SSEResponse {
    /// A generation's stream for a client, or `204 No Content` when there is nothing for it (an
    /// unknown generation, one past its retention, or a client that has its end already): an
    /// `EventSource` stops reconnecting on `204`.
    ///
    /// ```swift
    /// router.get("/answers/:id") { request in
    ///     .generation(request.parameters["id"] ?? "", of: generations, lastEventID: request.lastEventID)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - id: The generation's ID.
    ///   - generations: Its generations.
    ///   - lastEventID: The request's `Last-Event-ID`.
    public static func generation(_ id: String, of generations: SSEGenerations, lastEventID: String?) -> Self {
        .generation(generations.subscribe(to: id, lastEventID: lastEventID))
    }

    /// A generation's stream from a subscription, or `204 No Content` for `nil`: for generations
    /// across instances, whose subscription is made asynchronously.
    ///
    /// ```swift
    /// router.get("/answers/:id") { request in
    ///     .generation(try await generations.subscribe(to: request.parameters["id"] ?? "", lastEventID: request.lastEventID))
    /// }
    /// ```
    ///
    /// - Parameter subscription: The generation's subscription (`SSEPostgresGenerations.subscribe(to:lastEventID:)`).
    public static func generation(_ subscription: SSEBroadcaster.Subscription?) -> Self {
        subscription.map { .stream($0) } ?? .empty(.noContent)
    }
}
#endif
