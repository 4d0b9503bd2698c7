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

extension SSEBroadcaster {
    /// The limits and policies of a broadcaster.
    ///
    /// ```swift
    /// var configuration = SSEBroadcaster.Configuration()
    /// configuration.maximumReplayAge = .seconds(60)
    /// configuration.overflowPolicy = .dropOldest
    /// let broadcaster = SSEBroadcaster(configuration: configuration)
    /// ```
    public struct Configuration: Sendable {
        /// How many events the replay log keeps. Defaults to 1,000; 0 keeps none.
        public var maximumReplayCount: Int

        /// How many encoded bytes the replay log keeps. Defaults to 4 MiB.
        public var maximumReplayBytes: Int

        /// How long the replay log keeps an event. Defaults to 5 minutes.
        public var maximumReplayAge: Duration

        /// How many events a subscriber may fall behind in one topic (or subscriber ID): the size
        /// of the live window that all of that topic's subscribers read from. Defaults to 1,024.
        public var maximumQueuedEvents: Int

        /// How many encoded bytes a subscriber may fall behind in one topic (or subscriber ID).
        /// Defaults to 1 MiB. The newest event always stays in the window, however large.
        public var maximumQueuedBytes: Int

        /// What happens when a subscriber's queue is full. Defaults to
        /// ``SSEBroadcaster/OverflowPolicy/disconnect``.
        public var overflowPolicy: OverflowPolicy

        /// How long a subscriber may be sent nothing before it is sent a heartbeat comment; `nil`
        /// for none. Defaults to 15 seconds. Heartbeats come from one timer for all subscribers,
        /// so a quiet subscriber gets one between one and two intervals after its last event.
        public var heartbeat: Duration?

        /// What the IDs the broadcaster assigns start with; the publish number follows.
        ///
        /// Defaults to a random prefix made for each configuration, such as `"k3x9q-"`, so that an
        /// ID from before a restart is reported as unavailable instead of being taken for a
        /// different event of the same number. Set it to `""` for plain numbers, or to a value
        /// that outlives the process if something else keeps the events. It must not contain CR,
        /// LF or NULL.
        public var idPrefix: String

        /// Where to look for what a resuming subscriber missed when the replay log does not have
        /// its last event ID; `nil` (the default): it is told in-band that the replay is
        /// unavailable. See ``SSEReplayStore``.
        public var replayStore: (any SSEReplayStore)?

        /// An ID that resumes from before the first event (``SSEGenerations`` attaches from the
        /// start with it); `nil`: none.
        var replayOriginID: String?

        /// How the broadcaster takes part in tracing (set by `SSETracing.trace(_:)` in
        /// SSENIOCore); `nil` (the default): no context is kept, and nothing is called.
        package var tracing: TracingHooks?

        /// Creates a configuration with the defaults.
        public init() {
            maximumReplayCount = 1_000
            maximumReplayBytes = 4 << 20
            maximumReplayAge = .seconds(300)
            maximumQueuedEvents = 1_024
            maximumQueuedBytes = 1 << 20
            overflowPolicy = .disconnect
            heartbeat = .seconds(15)
            idPrefix = Self.randomPrefix()
            replayStore = nil
            replayOriginID = nil
            tracing = nil
        }

        private static func randomPrefix() -> String {
            var generator = SystemRandomNumberGenerator()
            let value = generator.next(upperBound: UInt64(36 * 36 * 36 * 36 * 36))
            let digits = String(value, radix: 36)
            return String(repeating: "0", count: 5 - digits.count) + digits + "-"
        }
    }

    /// A tracer's part in a broadcaster, kept free of the tracing library (SSEStreaming does not
    /// depend on it): contexts are `any Sendable` here, `ServiceContext` in `SSETracing`.
    package struct TracingHooks: Sendable {
        /// Called at each publish, outside the lock, for the publish's trace context, which the
        /// event carries to the spans of its deliveries.
        package var publishContext: @Sendable () -> (any Sendable)?
        /// A context written down, to travel with the event to other instances (SSEPostgres
        /// keeps it in the event's row); `nil` when there is nothing to carry.
        package var inject: @Sendable (any Sendable) -> String?
        /// A context written down by `inject`, read back where the event arrives.
        package var extract: @Sendable (String) -> (any Sendable)?
        /// Runs a replay store's look-up (its last event ID, the look-up) inside a span.
        package var replay: @Sendable (String, @Sendable () async -> SSEReplay) async -> SSEReplay

        package init(
            publishContext: @escaping @Sendable () -> (any Sendable)?,
            inject: @escaping @Sendable (any Sendable) -> String?,
            extract: @escaping @Sendable (String) -> (any Sendable)?,
            replay: @escaping @Sendable (String, @Sendable () async -> SSEReplay) async -> SSEReplay
        ) {
            self.publishContext = publishContext
            self.inject = inject
            self.extract = extract
            self.replay = replay
        }
    }

    /// What a broadcaster does when a subscriber's queue is full: the subscriber is not keeping
    /// up, and must neither hold memory without bound nor slow anyone else down.
    ///
    /// See <doc:OverflowPolicies>.
    public struct OverflowPolicy: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable {
            case disconnect
            case dropOldest
            case coalesce
        }

        private let kind: Kind

        /// Ends the subscription with ``SSEBroadcasterError/subscriberTooSlow`` and releases its
        /// queue. A client reconnects with its last event ID and the replay log fills the gap.
        /// The default: nothing is lost while the log still has the events.
        public static let disconnect = Self(kind: .disconnect)

        /// Drops the oldest queued events to make room, and tells the subscriber with an event of
        /// type ``SSEBroadcaster/gapEventType`` where they were, data `{"dropped":N}`.
        public static let dropOldest = Self(kind: .dropOldest)

        /// Keeps only the newest queued event of each coalescing key (given when publishing):
        /// a slow subscriber skips to the latest value, as a dashboard wants. When that is not
        /// enough room, drops the oldest as ``dropOldest`` does.
        public static let coalesce = Self(kind: .coalesce)

        public var description: String {
            switch kind {
            case .disconnect: "disconnect"
            case .dropOldest: "dropOldest"
            case .coalesce: "coalesce"
            }
        }
    }
}
