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

/// A request to the embedded server, as a route handler sees it.
///
/// ```swift
/// router.post("/rooms/:room/messages") { request in
///     let room = request.parameters["room"]!          // from the route's pattern
///     let text = request.bodyText                       // at most maximumBodySize bytes
///     let user = request.headers[.authorization]
///     ...
/// }
/// ```
public struct SSERequest: Sendable {
    /// The method, such as `GET`.
    public let method: HTTPRequest.Method

    /// The path, without the query, percent-decoded.
    public let path: String

    /// The query parameters, percent-decoded (`+` is a space); the first of repeated names.
    public let query: [String: String]

    /// The header fields, in order, as sent.
    public let headers: HTTPFields

    /// The values the route's pattern captured, percent-decoded: `request.parameters["room"]`
    /// for a route `/rooms/:room/events`, and under `"**"` the rest of the path a trailing `**`
    /// matched (without its leading `/`). Empty for a route without captures.
    public var parameters: [String: String]

    /// The pattern of the route that answers the request, such as `/rooms/:room/events`; `nil`
    /// until the router has matched one. The metrics' `route` dimension (see `SSEMetrics`).
    public internal(set) var route: String?

    /// The server's metrics, for what a route counts itself (a long poll waits inside its route).
    package internal(set) var metrics: SSEMetrics?

    /// The body, as sent (chunked or with a `Content-Length`), at most the server's
    /// ``SSEServer/Configuration/maximumBodySize``; empty when there is none.
    public let body: [UInt8]

    /// The body as UTF-8 text, invalid bytes replaced with U+FFFD.
    public var bodyText: String {
        String(decoding: body, as: UTF8.self)
    }

    /// The last event ID the client has, from the `Last-Event-ID` header or else the configured
    /// query parameter (for polyfills that cannot set headers); `nil` when neither is given or it
    /// is empty.
    public internal(set) var lastEventID: String?

    /// The path as sent (not decoded), for matching routes by segment: a `%2F` inside a segment
    /// stays inside it.
    let rawPath: Substring

    /// The path's segments as sent; split only when a route with captures is tried.
    var rawSegments: [Substring] {
        rawPath.split(separator: "/", omittingEmptySubsequences: true)
    }

    /// Creates a request, as the server does for each it receives: for testing route handlers
    /// without a server.
    ///
    /// - Parameters:
    ///   - method: The method.
    ///   - uri: The request target: path and query, percent-encoded, such as `/rooms/42?x=1`.
    ///   - headers: The header fields.
    ///   - body: The body.
    ///   - parameters: The route's captures (the server sets them from the route's pattern).
    public init(
        method: HTTPRequest.Method,
        uri: String,
        headers: HTTPFields = [:],
        body: [UInt8] = [],
        parameters: [String: String] = [:]
    ) {
        self.method = method
        self.headers = headers
        self.body = body
        self.parameters = parameters
        // No arrays for the split: a request allocates as little as it can (many arrive at once).
        let queryStart = uri.firstIndex(of: "?")
        rawPath = uri.isEmpty ? "/" : uri[..<(queryStart ?? uri.endIndex)]
        path = Self.percentDecoded(String(rawPath), plusIsSpace: false)
        var query: [String: String] = [:]
        if let queryStart {
            for pair in uri[uri.index(after: queryStart)...].split(separator: "&") {
                let nameAndValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = Self.percentDecoded(String(nameAndValue[0]), plusIsSpace: true)
                let value =
                    nameAndValue.count > 1 ? Self.percentDecoded(String(nameAndValue[1]), plusIsSpace: true) : ""
                if query[name] == nil {
                    query[name] = value
                }
            }
        }
        self.query = query
    }

    /// Decodes `%XX` escapes (and `+` in queries); an invalid escape is kept as it is.
    /// The request as a route handler sees it: `request`'s method, target and fields, and its
    /// body.
    init(_ request: HTTPRequest, body: [UInt8]) {
        self.init(method: request.method, uri: request.path ?? "/", headers: request.headerFields, body: body)
    }

    static func percentDecoded(_ text: String, plusIsSpace: Bool) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }) else {
            return text
        }
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
                let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
#endif
