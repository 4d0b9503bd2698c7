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

/// Which web pages on other origins may open the server's event streams.
///
/// ```swift
/// configuration.cors = try SSECORS(allowedOrigins: ["https://app.example.com"], allowsCredentials: true)
/// ```
///
/// With credentials (cookies), the response names the requesting origin, never `*`, as browsers
/// require; the wildcard is used only for ``anyOrigin`` without credentials. Any origin *with*
/// credentials is refused (``SSECORSError/credentialsForAnyOrigin``): it would let every site read
/// a signed-in user's stream.
public struct SSECORS: Sendable, Hashable {
    /// The origins allowed, such as `https://app.example.com`; `nil` for any (then without
    /// credentials).
    public let allowedOrigins: Set<String>?

    /// Whether cross-origin requests may carry credentials (`EventSource(url, { withCredentials: true })`);
    /// only with named ``allowedOrigins``.
    public let allowsCredentials: Bool

    /// How long a browser may cache a preflight answer, in seconds.
    public var maximumAge: Int

    /// Request header fields a page may send beyond `Last-Event-ID`, `Cache-Control` and
    /// `Content-Type`, such as `Authorization` for the browser script's `headers` option.
    public var allowedHeaders: [String] = []

    /// Creates a CORS policy.
    ///
    /// - Parameters:
    ///   - allowedOrigins: The origins allowed; `nil` for any.
    ///   - allowsCredentials: Whether requests may carry credentials.
    ///   - maximumAge: How long a preflight answer may be cached, in seconds.
    /// - Throws: ``SSECORSError/credentialsForAnyOrigin`` for credentials with any origin.
    public init(
        allowedOrigins: Set<String>?,
        allowsCredentials: Bool = false,
        maximumAge: Int = 600
    ) throws(SSECORSError) {
        guard allowedOrigins != nil || !allowsCredentials else {
            throw .credentialsForAnyOrigin
        }
        self.init(checkedOrigins: allowedOrigins, allowsCredentials: allowsCredentials, maximumAge: maximumAge)
    }

    private init(checkedOrigins allowedOrigins: Set<String>?, allowsCredentials: Bool, maximumAge: Int) {
        self.allowedOrigins = allowedOrigins
        self.allowsCredentials = allowsCredentials
        self.maximumAge = maximumAge
    }

    /// Any origin, without credentials.
    public static let anyOrigin = SSECORS(checkedOrigins: nil, allowsCredentials: false, maximumAge: 600)

    private static let exposed = "Retry-After, SSE-Newest-Event-ID, SSE-Replay-Unavailable"

    /// The CORS header fields for a response to a request from `origin` (its `Origin` header),
    /// or none if that origin is not allowed.
    public func headers(origin: String?) -> HTTPFields {
        guard let origin, allowedOrigins?.contains(origin) ?? true else {
            return [:]
        }
        // `Retry-After` is exposed so that a page's script can wait as long as a `503` asks, and
        // the stream's resume fields so that it can tell what it missed (``SSEStreamBody/headerFields``).
        if allowedOrigins == nil && !allowsCredentials {
            return [.accessControlAllowOrigin: "*", .accessControlExposeHeaders: Self.exposed]
        }
        var headers: HTTPFields = [
            .accessControlAllowOrigin: origin, .vary: "Origin", .accessControlExposeHeaders: Self.exposed,
        ]
        if allowsCredentials {
            headers[.accessControlAllowCredentials] = "true"
        }
        return headers
    }

    /// The header fields of the answer to a preflight (`OPTIONS`) request from `origin`, or none
    /// if that origin is not allowed.
    public func preflightHeaders(origin: String?) -> HTTPFields {
        var allowed = headers(origin: origin)
        guard !allowed.isEmpty else {
            return [:]
        }
        allowed[.accessControlAllowMethods] = "GET, POST, OPTIONS"
        allowed[.accessControlAllowHeaders] =
            (["Last-Event-ID", "Cache-Control", "Content-Type"] + allowedHeaders).joined(separator: ", ")
        allowed[.accessControlMaxAge] = String(maximumAge)
        return allowed
    }
}

/// Why an ``SSECORS`` policy was refused.
public struct SSECORSError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case credentialsForAnyOrigin
    }

    private let code: Code

    /// Credentials were allowed for any origin: every site could read a signed-in user's streams.
    /// Name the origins instead.
    public static let credentialsForAnyOrigin = Self(code: .credentialsForAnyOrigin)

    public var description: String {
        switch code {
        case .credentialsForAnyOrigin:
            "SSECORSError.credentialsForAnyOrigin: credentials may be allowed only for named origins, "
                + "or any site could read a signed-in user's streams"
        }
    }
}
#endif
