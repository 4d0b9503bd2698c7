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
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTPTypes

/// The reconnection logic of an ``SSEClient`` session, free of I/O: it is told how each attempt
/// ended and answers with what to do next. The driver (``SSEClient/Session``) only carries out
/// its actions.
struct SSEClientStateMachine: Sendable {
    /// Where a request goes, and what it carries besides headers.
    struct Target: Sendable, Hashable {
        var url: String
        var method: HTTPRequest.Method
        var body: [UInt8]?
    }

    enum Action {
        case connect(Target)
        case reconnect(after: Duration, reason: SSEClient.ReconnectReason, Target)
        case close(SSEClient.CloseReason)
        case fail(SSEClientError)
    }

    /// How a response head is to be treated, decided as soon as it arrives.
    enum HeadDecision: Equatable {
        /// Stream the body, gunzipping it or not.
        case open(gzip: Bool)
        case noContent
        case redirect
        /// Refused: read the start of the body for the error, then report ``Outcome/refused``.
        case refused
        case unsupportedContentEncoding
    }

    /// How an attempt ended.
    enum Outcome {
        /// The response head was not 200 with an event stream (see ``HeadDecision``).
        case notOpened(HTTPResponse, HeadDecision, excerpt: String)
        /// The connection ended, before or after a response opened the stream.
        case interrupted(Interruption, healthy: Bool)
        /// The stream carried what ends the session (an oversized event, by policy).
        case failed(SSEClientError)
        /// ``SSEClient/reconnect()`` cut the connection off.
        case reconnectRequested(healthy: Bool)
    }

    enum Interruption {
        case endOfStream
        case error(any Error)
        case idleTimeout
    }

    private let policy: SSEClient.ReconnectionPolicy
    private let redirectPolicy: SSEClient.RedirectPolicy
    /// Whether the configured request may be sent again: decided by the configured method, so
    /// that a POST turned into a GET by a redirect still ends with its response.
    private let resends: Bool
    private let random: @Sendable () -> Double
    private let now: @Sendable () -> Double
    /// Where reconnections go: the configured target, or where a permanent redirect moved it.
    private var target: Target
    /// Where this attempt went: `target`, or a temporary redirect of it.
    private var current: Target
    /// Reconnections since the last healthy connection: the attempt number of the delay table.
    private var attempt = 0
    /// Attempts in a row that failed (did not deliver an event).
    private var failures = 0
    /// Redirects in a row.
    private var redirects = 0

    /// The server's last `retry` value, or the policy's initial reconnection time.
    private(set) var reconnectionTime: Duration
    /// The last event ID, as sent with the next request.
    var lastEventID: String?

    init(
        target: Target,
        configuration: SSEClient.Configuration,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.target = target
        self.current = target
        self.policy = configuration.reconnection
        self.redirectPolicy = configuration.redirects
        self.resends = configuration.method.isIdempotent || configuration.reconnection.resendsNonIdempotentRequests
        self.random = random
        self.now = now
        self.reconnectionTime = configuration.reconnection.initialReconnectionTime
        self.lastEventID = configuration.lastEventID
    }

    func start() -> Action {
        .connect(current)
    }

    /// A `retry` field set the reconnection time, up to the policy's maximum delay: a hostile
    /// `retry: 99999999999` does not park the client for years.
    mutating func retry(milliseconds: Int) {
        reconnectionTime = min(.milliseconds(milliseconds), policy.maximumDelay)
    }

    /// ``SSEClient/reconnect()`` was called while the session waited to reconnect: go now.
    func reconnectRequested() -> Action {
        .reconnect(after: .zero, reason: .requested, current)
    }

    /// Decides what a response head means. [WHATWG HTML §9.2.3](https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model):
    /// a 200 with `text/event-stream` (parameters allowed) announces the connection; anything
    /// else fails it.
    static func decide(_ head: HTTPResponse, acceptsGzip: Bool) -> HeadDecision {
        switch head.status.code {
        case 200:
            guard let contentType = head.headerFields[.contentType], isEventStream(contentType) else {
                return .refused
            }
            let encoding = head.headerFields[.contentEncoding]?.trimmed.lowercased() ?? "identity"
            switch encoding {
            case "identity", "": return .open(gzip: false)
            case "gzip" where acceptsGzip, "x-gzip" where acceptsGzip: return .open(gzip: true)
            default: return .unsupportedContentEncoding
            }
        case 204:
            return .noContent
        case 301, 302, 303, 307, 308:
            return .redirect
        default:
            return .refused
        }
    }

    private static func isEventStream(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return mediaType.trimmed.lowercased() == "text/event-stream"
    }

    /// An attempt ended; what now?
    mutating func attemptEnded(_ outcome: Outcome) -> Action {
        switch outcome {
        case .notOpened(_, .noContent, _):
            return .close(.noContent)
        case .notOpened(let head, .redirect, _):
            return redirect(head)
        case .notOpened(let head, .unsupportedContentEncoding, _):
            return .fail(.unsupportedContentEncoding(head))
        case .notOpened(let head, _, let excerpt):
            redirects = 0
            current = target
            let status = head.status
            guard status != .ok, policy.retriedStatuses.contains(status) else {
                return .fail(
                    status == .ok ? .wrongContentType(head, excerpt: excerpt) : .badStatus(head, excerpt: excerpt)
                )
            }
            let retryAfter = head.headerFields[.retryAfter].flatMap { Self.retryAfter($0, now: now()) }
            return retry(
                reason: .retriedStatus(status),
                error: SSEClientError.badStatus(head, excerpt: excerpt),
                response: head,
                healthy: false,
                delay: retryAfter.map { max(policy.minimumDelay, min($0, policy.maximumRetryAfter)) }
            )
        case .failed(let error):
            return .fail(error)
        case .reconnectRequested(let healthy):
            // Asked for: at once, even for a request that is not re-sent on its own; not a failure
            // of the server's, so the failure count and the backoff carry on as they were.
            redirects = 0
            current = target
            if healthy {
                attempt = 0
                failures = 0
            }
            return .reconnect(after: .zero, reason: .requested, current)
        case .interrupted(let interruption, let healthy):
            redirects = 0
            current = target
            let reason: SSEClient.ReconnectReason
            let error: SSEClientError?
            switch interruption {
            case .endOfStream:
                reason = .endOfStream
                error = nil
            case .error(let underlying):
                reason = .connectionFailed(underlying)
                error = .connectionFailed(underlying)
            case .idleTimeout:
                reason = .idleTimeout
                error = .idleTimeout
            }
            return retry(reason: reason, error: error, response: nil, healthy: healthy, delay: nil)
        }
    }

    private mutating func retry(
        reason: SSEClient.ReconnectReason,
        error: SSEClientError?,
        response: HTTPResponse?,
        healthy: Bool,
        delay: Duration?
    ) -> Action {
        guard resends else {
            return error.map(Action.fail) ?? .close(.endOfStream)
        }
        if healthy {
            attempt = 0
            failures = 0
        } else {
            failures += 1
            if let maximum = policy.maximumConsecutiveFailures, failures > maximum {
                return .fail(.retriesExhausted(error, response: response))
            }
        }
        attempt += 1
        let delay =
            delay ?? policy.delay(beforeAttempt: attempt, reconnectionTime: reconnectionTime, random: random())
        return .reconnect(after: delay, reason: reason, current)
    }

    private mutating func redirect(_ head: HTTPResponse) -> Action {
        redirects += 1
        guard redirects <= redirectPolicy.maximumRedirects else {
            return .fail(.tooManyRedirects(head))
        }
        guard let location = head.headerFields[.location],
            let base = URL(string: current.url),
            let resolved = URL(string: location, relativeTo: base)?.absoluteURL,
            let scheme = resolved.scheme?.lowercased(), scheme == "http" || scheme == "https",
            resolved.host != nil
        else {
            return .fail(.invalidRedirect(head))
        }
        var next = current
        next.url = resolved.absoluteString
        let status = head.status.code
        // Fetch's rules (https://fetch.spec.whatwg.org/#http-redirect-fetch, step 12).
        if (status == 301 || status == 302) && next.method == .post || status == 303 && next.method != .head {
            next.method = .get
            next.body = nil
        }
        if status == 301 || status == 308 {
            target = next
        }
        current = next
        return .connect(next)
    }

    /// The delay a `Retry-After` value asks for: delay-seconds or an HTTP date
    /// ([RFC 9110 §10.2.3](https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3)).
    static func retryAfter(_ value: String, now: Double) -> Duration? {
        let value = value.trimmed
        if let seconds = Int(value) {
            return seconds >= 0 ? .seconds(seconds) : nil
        }
        guard let date = imfFixdate(String(value)) else {
            return nil
        }
        return .saturating(seconds: date - now)
    }

    /// Seconds since 1970 of an IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`, the form RFC 9110
    /// requires senders to use.
    static func imfFixdate(_ value: String) -> Double? {
        let parts = value.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]),
            let monthIndex = months.firstIndex(of: String(parts[2]))
        else {
            return nil
        }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3, (1...31).contains(day), (0..<24).contains(time[0]), (0..<60).contains(time[1]),
            (0...60).contains(time[2])
        else {
            return nil
        }
        // Days from civil (Howard Hinnant's algorithm).
        let month = monthIndex + 1
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Double(days * 86_400 + time[0] * 3_600 + time[1] * 60 + time[2])
    }
}

extension HTTPRequest.Method {
    /// [RFC 9110 §9.2.2](https://www.rfc-editor.org/rfc/rfc9110#section-9.2.2).
    var isIdempotent: Bool {
        switch self {
        case .get, .head, .options, .trace, .put, .delete: true
        default: false
        }
    }
}

extension StringProtocol where SubSequence == Substring {
    var trimmed: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return self[start...end]
    }
}

extension HTTPField.Name {
    static let lastEventID = Self("Last-Event-ID")!
}
#endif
