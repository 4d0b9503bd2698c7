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
public import HTTPTypes

/// An error a route handler throws to answer with a status and a message, such as
/// `SSEHTTPError(.badRequest, "no room named 42")`: the server answers it as plain text, and
/// logs it (at `info`) with the request's method and path. Any other error is a `500`.
public struct SSEHTTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The status to answer.
    public let status: HTTPResponse.Status

    /// Said in the body, for whoever sent the request.
    public let message: String

    /// Extra header fields for the answer, such as `Retry-After`.
    public var headers: HTTPFields

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - status: The status to answer.
    ///   - message: What is wrong; the status's reason phrase when empty.
    ///   - headers: Extra header fields.
    public init(_ status: HTTPResponse.Status, _ message: String = "", headers: HTTPFields = [:]) {
        self.status = status
        self.message = message.isEmpty ? status.reasonPhrase : message
        self.headers = headers
    }

    public var description: String {
        "SSEHTTPError(\(status.code)): \(message)"
    }

    /// The answer.
    var response: SSEResponse {
        var response = SSEResponse.text(message + "\n", status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}
#endif
