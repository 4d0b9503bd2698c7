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
extension SSEClient {
    /// When an ``SSEClient`` reconnects, and how long it waits first.
    ///
    /// The wait before reconnection attempt *n* (counted since the last healthy connection, that is
    /// one that delivered an event) is
    ///
    ///     min(max(maximumDelay, r), r × multiplier^(n−1)) × (1 + jitter × random[0, 1))
    ///
    /// and never less than ``minimumDelay``, where *r* is the reconnection time: the server's last
    /// `retry` value, up to ``maximumDelay``, or ``initialReconnectionTime`` until it sends one.
    /// With the defaults (r = 3 s, multiplier 2, cap 30 s, jitter 0.2):
    ///
    /// | attempt | delay before it |
    /// | --- | --- |
    /// | 1 | 3 s – 3.6 s |
    /// | 2 | 6 s – 7.2 s |
    /// | 3 | 12 s – 14.4 s |
    /// | 4 | 24 s – 28.8 s |
    /// | 5 and later | 30 s – 36 s |
    ///
    /// So after a healthy connection ends, the first reconnection comes after the server's `retry`
    /// time (never sooner: the jitter only adds), as in a browser; a server that keeps failing is
    /// asked less and less often; and many clients cut off at once do not all come back in the same
    /// instant. A server's `retry` longer than ``maximumDelay`` is shortened to it, so a hostile
    /// `retry: 99999999999` cannot park the client for years; raise ``maximumDelay`` to honour
    /// longer ones. ``SSEClient/reconnect()`` skips the wait: the next attempt goes out at once.
    ///
    /// A `Retry-After` header (seconds or an HTTP date) on a retried status replaces the computed
    /// delay, up to ``maximumRetryAfter`` and at least ``minimumDelay``.
    ///
    /// The browser script of `SSELongPolling` follows the same policy, with the same names and
    /// defaults in milliseconds; `Tests/Shared/reconnection-policy.json` holds the cases both pass.
    public struct ReconnectionPolicy: Sendable, Hashable {
        /// The reconnection time until the server sends `retry`. 3 seconds by default (what
        /// browsers use).
        public var initialReconnectionTime: Duration

        /// The factor by which the delay grows with each failed attempt in a row. 2 by default.
        public var multiplier: Double

        /// The longest delay, before jitter, and the longest `retry` value honoured. 30 seconds by default.
        public var maximumDelay: Duration

        /// The shortest delay, whatever the server's `retry` (even `retry: 0`): no reconnection
        /// loop runs hot. 100 milliseconds by default.
        public var minimumDelay: Duration

        /// The fraction of the delay that is added at random, from 0 (none) to 1. 0.2 by default.
        public var jitter: Double

        /// How many attempts in a row (the first request or reconnections) may fail; when one more
        /// fails, the session ends with ``SSEClientError/retriesExhausted``. A connection that
        /// delivers an event resets the count, and a stream that ends after delivering events is not
        /// a failure. `nil` (the default) tries for ever, as a browser does; 0 gives up at the first
        /// failure.
        public var maximumConsecutiveFailures: Int?

        /// Statuses answered instead of a stream that are retried like a network error rather than
        /// ending the session, honouring `Retry-After`. ``transientStatuses`` by default (429, 500,
        /// 502, 503, 504): a server that is restarting, overloaded or behind a failing gateway is
        /// asked again, and any other status (401, 404) ends the session. Empty, as in a native
        /// `EventSource`, every status ends it.
        public var retriedStatuses: Set<HTTPResponse.Status>

        /// The longest `Retry-After` honoured; a longer one is shortened to this. 5 minutes by default.
        public var maximumRetryAfter: Duration

        /// Whether a request with a non-idempotent method (`POST`, `PATCH`) is sent again after its
        /// response ended or its connection failed. Off by default: a POST to an LLM API is a new
        /// (and billed) request each time, so its stream ends when its response ends.
        public var resendsNonIdempotentRequests: Bool

        /// 429 Too Many Requests, 500, 502, 503 and 504.
        public static let transientStatuses: Set<HTTPResponse.Status> = [
            .tooManyRequests, .internalServerError, .badGateway, .serviceUnavailable, .gatewayTimeout,
        ]

        /// Creates a policy with the defaults described on each property.
        public init(
            initialReconnectionTime: Duration = .seconds(3),
            multiplier: Double = 2,
            maximumDelay: Duration = .seconds(30),
            minimumDelay: Duration = .milliseconds(100),
            jitter: Double = 0.2,
            maximumConsecutiveFailures: Int? = nil,
            retriedStatuses: Set<HTTPResponse.Status> = transientStatuses,
            maximumRetryAfter: Duration = .seconds(300),
            resendsNonIdempotentRequests: Bool = false
        ) {
            precondition(multiplier >= 1, "multiplier must be at least 1")
            precondition((0...1).contains(jitter), "jitter must be between 0 and 1")
            precondition(
                maximumConsecutiveFailures.map { $0 >= 0 } ?? true,
                "maximumConsecutiveFailures must not be negative"
            )
            self.initialReconnectionTime = initialReconnectionTime
            self.multiplier = multiplier
            self.maximumDelay = maximumDelay
            self.minimumDelay = minimumDelay
            self.jitter = jitter
            self.maximumConsecutiveFailures = maximumConsecutiveFailures
            self.retriedStatuses = retriedStatuses
            self.maximumRetryAfter = maximumRetryAfter
            self.resendsNonIdempotentRequests = resendsNonIdempotentRequests
        }

        /// The delay before reconnection attempt `attempt` (1 for the first after a healthy
        /// connection), as the table above gives it.
        ///
        /// - Parameters:
        ///   - attempt: The attempt, from 1.
        ///   - reconnectionTime: The server's last `retry` value, or ``initialReconnectionTime``.
        ///   - random: A number in `0..<1`; the jitter adds this fraction of ``jitter``.
        public func delay(beforeAttempt attempt: Int, reconnectionTime: Duration, random: Double) -> Duration {
            precondition(attempt >= 1, "attempts count from 1")
            let base = reconnectionTime.seconds
            let cap = max(maximumDelay.seconds, base)
            var seconds = base
            for _ in 1..<min(attempt, 64) where seconds < cap {
                seconds *= multiplier
            }
            seconds = min(seconds, cap) * (1 + jitter * random)
            return max(.saturating(seconds: seconds), minimumDelay)
        }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// The duration in nanoseconds, saturating at `Int64`'s bounds instead of trapping.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else {
            return seconds < 0 ? .min : .max
        }
        let (sum, sumOverflow) = product.addingReportingOverflow(attoseconds / 1_000_000_000)
        return sumOverflow ? (product < 0 ? .min : .max) : sum
    }

    /// The longest wait the client makes (about 35,000 years): longer durations saturate here,
    /// since `Task.sleep` traps on durations near `Int64.max` seconds.
    static let longestWait = Duration.seconds(Int64(1) << 40)

    /// `seconds` as a duration, saturating at ``longestWait`` (and 0 for what is not a positive
    /// number) instead of trapping.
    static func saturating(seconds: Double) -> Duration {
        guard seconds > 0 else {
            return .zero
        }
        guard seconds < Double(Int64(1) << 40) else {
            return longestWait
        }
        return .seconds(seconds)
    }
}
#endif
