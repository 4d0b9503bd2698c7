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

#if NIOSupport || AsyncHTTPClientSupport
public import HTTPTypes
import SSECodec

/// Why an ``SSEClient`` stopped, or (for ``eventTooLarge`` and ``lineTooLong``) what it had to drop.
///
/// Errors compare equal by kind, so they can be matched against the static members; the status,
/// headers, body excerpt and underlying error are context:
///
/// ```swift
/// do {
///     for try await event in client.events { … }
/// } catch let error as SSEClientError where error == .badStatus {
///     print(error.status ?? 0, error.bodyExcerpt)   // e.g. 401 {"error":"invalid token"}
/// }
/// ```
///
/// A decoding error (an oversized line or event) does not end the stream: the iterator throws it
/// where the dropped event would have been, and a later `next()` carries on with the next event.
/// Every other error ends the stream.
public struct SSEClientError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case badStatus
        case wrongContentType
        case unsupportedContentEncoding
        case tooManyRedirects
        case invalidRedirect
        case connectionFailed
        case idleTimeout
        case retriesExhausted
        case headerProviderFailed
        case lineTooLong
        case eventTooLarge
    }

    private let code: Code

    /// The response head that caused the error, where there was one.
    public let response: HTTPResponse?

    /// The start of the response body, at most ``SSEClient/Configuration/maximumErrorBodyExcerpt``
    /// bytes, decoded as UTF-8 (invalid bytes replaced); empty where there was no response.
    public let bodyExcerpt: String

    /// The error underneath: the transport's, the header provider's, or an `SSEDecodingError`.
    public let underlying: (any Error)?

    private init(code: Code, response: HTTPResponse? = nil, bodyExcerpt: String = "", underlying: (any Error)? = nil) {
        self.code = code
        self.response = response
        self.bodyExcerpt = bodyExcerpt
        self.underlying = underlying
    }

    /// The response's status code, where there was a response.
    public var status: HTTPResponse.Status? { response?.status }

    /// The server answered with a status other than 200 (or 204, or a redirect), and the
    /// reconnection policy does not retry it.
    public static let badStatus = Self(code: .badStatus)

    /// The server answered 200 with a content type other than `text/event-stream`.
    public static let wrongContentType = Self(code: .wrongContentType)

    /// The server compressed the body with something other than gzip.
    public static let unsupportedContentEncoding = Self(code: .unsupportedContentEncoding)

    /// More redirects in a row than ``SSEClient/RedirectPolicy/maximumRedirects``.
    public static let tooManyRedirects = Self(code: .tooManyRedirects)

    /// A redirect without a usable `Location`.
    public static let invalidRedirect = Self(code: .invalidRedirect)

    /// The connection failed or broke, and the request may not be sent again (a POST, say, without
    /// ``SSEClient/ReconnectionPolicy/resendsNonIdempotentRequests``).
    public static let connectionFailed = Self(code: .connectionFailed)

    /// No byte arrived for ``SSEClient/Configuration/idleTimeout``, and the request may not be sent again.
    public static let idleTimeout = Self(code: .idleTimeout)

    /// More than ``SSEClient/ReconnectionPolicy/maximumConsecutiveFailures`` attempts in a row
    /// failed; ``underlying`` is the last one's error, and ``response`` its response, where it had one.
    public static let retriesExhausted = Self(code: .retriesExhausted)

    /// The header provider threw; ``underlying`` is its error.
    public static let headerProviderFailed = Self(code: .headerProviderFailed)

    /// A line longer than the decoder's `maximumLineLength` was dropped (with its event).
    public static let lineTooLong = Self(code: .lineTooLong)

    /// An event larger than the decoder's `maximumEventSize` was dropped.
    public static let eventTooLarge = Self(code: .eventTooLarge)

    static func badStatus(_ response: HTTPResponse, excerpt: String) -> Self {
        Self(code: .badStatus, response: response, bodyExcerpt: excerpt)
    }

    static func wrongContentType(_ response: HTTPResponse, excerpt: String) -> Self {
        Self(code: .wrongContentType, response: response, bodyExcerpt: excerpt)
    }

    static func unsupportedContentEncoding(_ response: HTTPResponse) -> Self {
        Self(code: .unsupportedContentEncoding, response: response)
    }

    static func tooManyRedirects(_ response: HTTPResponse) -> Self {
        Self(code: .tooManyRedirects, response: response)
    }

    static func invalidRedirect(_ response: HTTPResponse) -> Self {
        Self(code: .invalidRedirect, response: response)
    }

    static func connectionFailed(_ error: (any Error)?) -> Self {
        Self(code: .connectionFailed, underlying: error)
    }

    static func retriesExhausted(_ error: (any Error)?, response: HTTPResponse?) -> Self {
        Self(code: .retriesExhausted, response: response, underlying: error)
    }

    static func headerProviderFailed(_ error: any Error) -> Self {
        Self(code: .headerProviderFailed, underlying: error)
    }

    static func decoding(_ error: SSEDecodingError) -> Self {
        Self(code: error == .lineTooLong ? .lineTooLong : .eventTooLarge, underlying: error)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }

    public var description: String {
        let statusText = response.map { " (status \($0.status.code))" } ?? ""
        let excerpt = bodyExcerpt.isEmpty ? "" : ": \(bodyExcerpt)"
        let cause = underlying.map { ": \($0)" } ?? ""
        switch code {
        case .badStatus:
            return "SSEClientError.badStatus: the server answered \(status ?? 0)\(excerpt)"
        case .wrongContentType:
            let type = response?.headerFields[.contentType] ?? "none"
            return "SSEClientError.wrongContentType: expected text/event-stream, got \(type)\(statusText)\(excerpt)"
        case .unsupportedContentEncoding:
            let encoding = response?.headerFields[.contentEncoding] ?? ""
            return
                "SSEClientError.unsupportedContentEncoding: the body is encoded as \(encoding); only gzip is supported"
        case .tooManyRedirects:
            return "SSEClientError.tooManyRedirects: too many redirects in a row\(statusText)"
        case .invalidRedirect:
            return "SSEClientError.invalidRedirect: a redirect without a usable Location\(statusText)"
        case .connectionFailed:
            return "SSEClientError.connectionFailed: the connection failed and the request is not sent again\(cause)"
        case .idleTimeout:
            return
                "SSEClientError.idleTimeout: no byte arrived within the idle timeout and the request is not sent again"
        case .retriesExhausted:
            return "SSEClientError.retriesExhausted: every reconnection attempt failed\(statusText)\(cause)"
        case .headerProviderFailed:
            return "SSEClientError.headerProviderFailed\(cause)"
        case .lineTooLong, .eventTooLarge:
            return "SSEClientError.\(code == .lineTooLong ? "lineTooLong" : "eventTooLarge")\(cause)"
        }
    }
}
#endif
