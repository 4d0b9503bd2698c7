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
/// | `sse_streams` | meter | event streams open now |
/// | `sse_events_written_total` | counter | chunks written to streams: events, heartbeat comments, signals |
/// | `sse_bytes_written_total` | counter | bytes written to streams, as sent (compressed when gzip) |
/// | `sse_subscribers_cut_total` | counter | streams closed because their subscriber was too slow |
/// | `sse_streams_closed_total` | counter | streams closed, by `reason` (below) |
/// | `sse_replay_misses_total` | counter | reconnections whose `Last-Event-ID` could not be resumed from the replay log, by `reason` (`epoch-changed`, `too-old`, `unknown`) |
/// | `sse_connections` | meter | connections open now (embedded server) |
/// | `sse_requests_refused_total` | counter | requests refused by a limit, by `reason` (embedded server) |
///
/// Reasons a stream closed: `ended` (its source ended: a finite sequence, a broadcaster shut down
/// or a subscription finished), `client_gone` (the client closed the connection),
/// `too_slow` (cut by the overflow policy), `server_stopping` (ended by the embedded server as it
/// stops), `max_age` (the embedded server's `maximumStreamAge`), `replay_store_unavailable`
/// (the replay store could not look, after the head was sent), `failed` (the source threw, or
/// gzip failed). Behind Hummingbird and Vapor, a stream a stopping server ends counts as `ended`.
///
/// Reasons of refusal: `body_too_large` (413), `request_timeout` (no complete request in time),
/// `too_many_pipelined` (more waiting requests than allowed), `malformed` (not HTTP/1.1),
/// `stream_rate` (a stream over `maximumStreamsPerSecond`, answered `503`).
public struct SSEMetrics: Sendable {
    /// Why a request was refused.
    /// Why a stream closed.
    package enum CloseReason: String, CaseIterable, Sendable {
        case ended = "ended"
        case clientGone = "client_gone"
        case tooSlow = "too_slow"
        case serverStopping = "server_stopping"
        case maximumAge = "max_age"
        case replayStoreUnavailable = "replay_store_unavailable"
        case failed = "failed"

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

    package enum Refusal: String, CaseIterable, Sendable {
        case bodyTooLarge = "body_too_large"
        case requestTimeout = "request_timeout"
        case tooManyPipelined = "too_many_pipelined"
        case malformed = "malformed"
        case streamRate = "stream_rate"
    }

    package let streams: Meter
    package let events: Counter
    package let bytes: Counter
    package let subscribersCut: Counter
    private let replayMisses: [Counter]
    package let connections: Meter
    private let refusals: [Counter]
    private let closes: [Counter]

    /// Creates the metrics.
    ///
    /// - Parameters:
    ///   - factory: Where they are reported; `MetricsSystem.factory` unless given (tests give a
    ///     `TestMetrics`).
    ///   - dimensions: Dimensions on every metric, such as `[("server", "chat")]`.
    public init(factory: any MetricsFactory = MetricsSystem.factory, dimensions: [(String, String)] = []) {
        streams = Meter(label: "sse_streams", dimensions: dimensions, factory: factory)
        events = Counter(label: "sse_events_written_total", dimensions: dimensions, factory: factory)
        bytes = Counter(label: "sse_bytes_written_total", dimensions: dimensions, factory: factory)
        subscribersCut = Counter(label: "sse_subscribers_cut_total", dimensions: dimensions, factory: factory)
        replayMisses = Self.missReasons.map { reason in
            Counter(
                label: "sse_replay_misses_total",
                dimensions: dimensions + [("reason", reason.rawValue)],
                factory: factory
            )
        }
        connections = Meter(label: "sse_connections", dimensions: dimensions, factory: factory)
        closes = CloseReason.allCases.map { reason in
            Counter(
                label: "sse_streams_closed_total",
                dimensions: dimensions + [("reason", reason.rawValue)],
                factory: factory
            )
        }
        refusals = Refusal.allCases.map { reason in
            Counter(
                label: "sse_requests_refused_total",
                dimensions: dimensions + [("reason", reason.rawValue)],
                factory: factory
            )
        }
    }

    /// Counts a request refused by a limit.
    package func refused(_ reason: Refusal) {
        refusals[Refusal.allCases.firstIndex(of: reason)!].increment()
    }

    private static let missReasons: [SSEBroadcaster.ReplayUnavailableReason] = [.epochChanged, .tooOld, .unknown]

    /// Counts a stream that begins; a subscription that asked for events the replay log cannot
    /// replay is a replay miss, counted with its reason.
    package func streamOpened(replayUnavailable reason: SSEBroadcaster.ReplayUnavailableReason?) {
        streams.increment()
        if let reason, let index = Self.missReasons.firstIndex(of: reason) {
            replayMisses[index].increment()
        }
    }

    /// Counts a stream that has ended, and why.
    package func streamClosed(_ reason: CloseReason) {
        streams.decrement()
        closes[CloseReason.allCases.firstIndex(of: reason)!].increment()
    }

    /// Counts a stream closed because its subscriber was too slow.
    package func subscriberCut() {
        subscribersCut.increment()
    }

    /// Counts a connection opened (`true`) or closed.
    package func connection(opened: Bool) {
        if opened {
            connections.increment()
        } else {
            connections.decrement()
        }
    }

    /// Counts what one write of a stream carried.
    package func wrote(chunks: Int, bytes count: Int) {
        events.increment(by: chunks)
        bytes.increment(by: count)
    }
}
#endif
