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
public import CoreMetrics
package import SSEStreaming
import Synchronization

/// Where an event-stream server's figures go, as swift-metrics counters and meters: give one to
/// ``SSEStreamConfiguration/metrics`` (every adapter) or the embedded server's configuration.
///
/// ```swift
/// MetricsSystem.bootstrap(PrometheusMetricsFactory(...))
/// configuration.stream.metrics = SSEMetrics()          // MetricsSystem.factory
/// ```
///
/// The labels, the same from every server:
///
/// | Label | Kind | What |
/// |---|---|---|
/// | `sse_streams` | meter | event streams open now, by `route` |
/// | `sse_events_written_total` | counter | chunks written to streams: events, heartbeat comments, signals; by `route` |
/// | `sse_bytes_written_total` | counter | bytes written to streams, as sent (compressed when gzip); by `route` |
/// | `sse_subscribers_cut_total` | counter | streams closed because their subscriber was too slow, by `route` |
/// | `sse_streams_closed_total` | counter | streams closed, by `route` and `reason` (below) |
/// | `sse_replay_misses_total` | counter | reconnections whose `Last-Event-ID` could not be resumed from the replay log, by `route` and `reason` (`epoch-changed`, `too-old`, `unknown`) |
/// | `sse_events_dropped_total` | counter | events a subscriber never received, by `route` and `reason`: `overflow` (it fell behind its window under `dropOldest` or `coalesce`; its stream got a gap event), `coalesced` (skipped for a newer event of the same coalescing key) |
/// | `sse_delivery_latency_seconds` | timer (histogram) | for each write of a stream, how long its oldest live event waited since it was published (replayed events not counted); by `route` |
/// | `sse_long_polls` | meter | long polls waiting for events now, by `route` |
/// | `sse_long_polls_total` | counter | long polls answered, by `route` and `outcome`: `events`, `empty` (the wait ended without any), `unavailable` (`503`: the replay store could not look), `refused` (any other status) |
/// | `sse_connections` | meter | connections open now (embedded server) |
/// | `sse_requests_refused_total` | counter | requests refused by a limit, by `reason` (embedded server) |
///
/// `route` is the route's pattern (`/rooms/:room/events`), never the path a client sent, so that
/// the number of series stays bounded: the embedded server's `SSERouter` pattern, Hummingbird's
/// endpoint path, Vapor's route path; `unknown` for a stream written without one.
///
/// Reasons a stream closed: `ended` (its source ended: a finite sequence, a broadcaster shut down
/// or a subscription finished), `client_gone` (the client closed the connection),
/// `too_slow` (cut by the overflow policy), `server_stopping` (ended by the embedded server as it
/// stops), `max_age` (the embedded server's `maximumStreamAge`), `replay_store_unavailable`
/// (the replay store could not look, after the head was sent), `auth_expired` and `auth_revoked`
/// (a subscription guarded by `SSEAccessControl` ended as its credentials expired or were revoked),
/// `failed` (the source threw, or gzip failed). Behind Hummingbird and Vapor, a stream a stopping server ends counts as `ended`.
///
/// Reasons of refusal: `body_too_large` (413), `request_timeout` (no complete request in time),
/// `too_many_pipelined` (more waiting requests than allowed), `malformed` (not HTTP/1.1),
/// `stream_rate` (a stream over `maximumStreamsPerSecond`, answered `503`), `connection_limit` (a
/// connection over `maximumConnections`, closed as it was accepted).
public struct SSEMetrics: Sendable {
    /// Why a stream closed.
    package enum CloseReason: String, CaseIterable, Sendable {
        case ended = "ended"
        case clientGone = "client_gone"
        case tooSlow = "too_slow"
        case serverStopping = "server_stopping"
        case maximumAge = "max_age"
        case replayStoreUnavailable = "replay_store_unavailable"
        case authExpired = "auth_expired"
        case authRevoked = "auth_revoked"
        case failed = "failed"

        /// The reason for a subscription that ended without an error.
        package init(endOf subscription: SSEBroadcaster.Subscription) {
            if subscription.wasCancelled {
                self = .clientGone
                return
            }
            switch subscription.finishCause {
            case .credentialsExpired: self = .authExpired
            case .credentialsRevoked: self = .authRevoked
            case nil: self = .ended
            }
        }

        /// The reason for a stream that ended with `error` (`nil`: its source ended).
        package init(_ error: (any Error)?) {
            guard let error else {
                self = .ended
                return
            }
            if let error = error as? SSEBroadcasterError, error == .subscriberTooSlow {
                self = .tooSlow
            } else if let error = error as? SSEBroadcasterError, error == .replayStoreUnavailable {
                self = .replayStoreUnavailable
            } else if error is CancellationError {
                self = .clientGone
            } else {
                self = .failed
            }
        }
    }

    /// Why a request was refused.
    package enum Refusal: String, CaseIterable, Sendable {
        case bodyTooLarge = "body_too_large"
        case requestTimeout = "request_timeout"
        case tooManyPipelined = "too_many_pipelined"
        case malformed = "malformed"
        case streamRate = "stream_rate"
        case connectionLimit = "connection_limit"
    }

    /// Why events never reached a subscriber.
    package enum DropReason: String, CaseIterable, Sendable {
        case overflow = "overflow"
        case coalesced = "coalesced"
    }

    package let connections: Meter
    private let refusals: ReasonCounters
    private let routes: Routes

    /// Creates the metrics.
    ///
    /// - Parameters:
    ///   - factory: Where they are reported; `MetricsSystem.factory` unless given (tests give a
    ///     `TestMetrics`).
    ///   - dimensions: Dimensions on every metric, such as `[("server", "chat")]`.
    public init(factory: any MetricsFactory = MetricsSystem.factory, dimensions: [(String, String)] = []) {
        connections = Meter(label: "sse_connections", dimensions: dimensions, factory: factory)
        refusals = ReasonCounters(
            "sse_requests_refused_total",
            dimensions: dimensions,
            factory: factory,
            of: Refusal.self
        )
        routes = Routes(factory: factory, dimensions: dimensions)
    }

    /// Counts a request refused by a limit.
    package func refused(_ reason: Refusal) {
        refusals.increment(reason.rawValue)
    }

    /// Counts a connection opened (`true`) or closed.
    package func connection(opened: Bool) {
        if opened {
            connections.increment()
        } else {
            connections.decrement()
        }
    }

    /// The metrics of the streams of `route` (a route pattern; `nil`: `unknown`), made once per
    /// route.
    package func streams(route: String?) -> Streams {
        routes.streams(route ?? "unknown")
    }

    /// The metrics of one route's streams.
    package struct Streams: Sendable {
        package let open: Meter
        package let events: Counter
        package let bytes: Counter
        package let subscribersCut: Counter
        private let replayMisses: ReasonCounters
        private let closes: ReasonCounters
        private let drops: ReasonCounters
        package let latency: Timer
        private let longPolls: Meter
        private let longPollAnswers: ReasonCounters

        init(factory: any MetricsFactory, dimensions: [(String, String)]) {
            open = Meter(label: "sse_streams", dimensions: dimensions, factory: factory)
            events = Counter(label: "sse_events_written_total", dimensions: dimensions, factory: factory)
            bytes = Counter(label: "sse_bytes_written_total", dimensions: dimensions, factory: factory)
            subscribersCut = Counter(label: "sse_subscribers_cut_total", dimensions: dimensions, factory: factory)
            replayMisses = ReasonCounters(
                "sse_replay_misses_total",
                dimensions: dimensions,
                factory: factory,
                reasons: [SSEBroadcaster.ReplayUnavailableReason.epochChanged, .tooOld, .unknown].map(\.rawValue)
            )
            closes = ReasonCounters(
                "sse_streams_closed_total",
                dimensions: dimensions,
                factory: factory,
                of: CloseReason.self
            )
            drops = ReasonCounters(
                "sse_events_dropped_total",
                dimensions: dimensions,
                factory: factory,
                of: DropReason.self
            )
            latency = Timer(label: "sse_delivery_latency_seconds", dimensions: dimensions, factory: factory)
            longPolls = Meter(label: "sse_long_polls", dimensions: dimensions, factory: factory)
            longPollAnswers = ReasonCounters(
                "sse_long_polls_total",
                dimension: "outcome",
                dimensions: dimensions,
                factory: factory,
                reasons: ["events", "empty", "unavailable", "refused"]
            )
        }

        /// Counts a long poll while `wait` runs; its answer's status and event count (see
        /// `SSELongPoll.Response`) tell how it ended.
        package func longPoll<Answer>(
            _ wait: () async throws -> Answer,
            outcome: (Answer) -> (status: Int, events: Int)
        ) async rethrows -> Answer {
            longPolls.increment()
            defer { longPolls.decrement() }
            let answer = try await wait()
            let (status, events) = outcome(answer)
            let name =
                switch status {
                case 200: events > 0 ? "events" : "empty"
                case 503: "unavailable"
                default: "refused"
                }
            longPollAnswers.increment(name)
            return answer
        }

        /// Counts a stream that begins; a subscription that asked for events the replay log cannot
        /// replay is a replay miss, counted with its reason.
        package func streamOpened(replayUnavailable reason: SSEBroadcaster.ReplayUnavailableReason?) {
            open.increment()
            if let reason {
                replayMisses.increment(reason.rawValue)
            }
        }

        /// Counts a stream that has ended, and why.
        package func streamClosed(_ reason: CloseReason) {
            open.decrement()
            closes.increment(reason.rawValue)
        }

        /// Counts a stream closed because its subscriber was too slow.
        package func subscriberCut() {
            subscribersCut.increment()
        }

        /// Counts what one write of a stream carried.
        package func wrote(chunks: Int, bytes count: Int) {
            events.increment(by: chunks)
            bytes.increment(by: count)
        }

        /// Counts what a subscription's hand-overs dropped, skipped and waited.
        package func delivered(_ report: SSEBroadcaster.Subscription.DeliveryReport) {
            if report.dropped > 0 {
                drops.increment(DropReason.overflow.rawValue, by: report.dropped)
            }
            if report.coalesced > 0 {
                drops.increment(DropReason.coalesced.rawValue, by: report.coalesced)
            }
            if let latency = report.latency {
                let (seconds, attoseconds) = latency.components
                self.latency.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
            }
        }
    }

    /// Each route's ``Streams``, made when a route's first stream begins.
    private final class Routes: Sendable {
        private let factory: any MetricsFactory
        private let dimensions: [(String, String)]
        private let made = Mutex<[String: Streams]>([:])

        init(factory: any MetricsFactory, dimensions: [(String, String)]) {
            self.factory = factory
            self.dimensions = dimensions
        }

        func streams(_ route: String) -> Streams {
            made.withLock { made in
                if let streams = made[route] {
                    return streams
                }
                let streams = Streams(factory: factory, dimensions: dimensions + [("route", route)])
                made[route] = streams
                return streams
            }
        }
    }
}

/// One counter per reason, under one label with a `reason` dimension (or another name).
private struct ReasonCounters: Sendable {
    private let counters: [String: Counter]

    init(
        _ label: String,
        dimension: String = "reason",
        dimensions: [(String, String)],
        factory: any MetricsFactory,
        reasons: [String]
    ) {
        var counters: [String: Counter] = [:]
        for reason in reasons {
            counters[reason] = Counter(
                label: label,
                dimensions: dimensions + [(dimension, reason)],
                factory: factory
            )
        }
        self.counters = counters
    }

    init<Reason: RawRepresentable & CaseIterable>(
        _ label: String,
        dimensions: [(String, String)],
        factory: any MetricsFactory,
        of _: Reason.Type
    ) where Reason.RawValue == String {
        self.init(label, dimensions: dimensions, factory: factory, reasons: Reason.allCases.map(\.rawValue))
    }

    /// Counts `count` for `reason` (one of those it was made with).
    func increment(_ reason: String, by count: Int = 1) {
        counters[reason]?.increment(by: count)
    }
}
#endif
