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

extension SSEGenerations {
    /// The limits of a set of generations. Every one has a default; each is a bound on memory or
    /// time that holds whatever the producers and the clients do.
    ///
    /// ```swift
    /// var configuration = SSEGenerations.Configuration()
    /// configuration.maximumDuration = .seconds(120)
    /// configuration.retention = .seconds(60)
    /// let generations = SSEGenerations(configuration: configuration)
    /// ```
    public struct Configuration: Sendable {
        /// How many generations may run at once; a start past it throws
        /// ``SSEGenerationError/tooManyGenerations``. Defaults to 1,000.
        public var maximumRunningGenerations: Int

        /// How long a generation may run; its producer is then cancelled and it ends with
        /// ``EndReason/timedOut``. Defaults to 10 minutes.
        public var maximumDuration: Duration

        /// How many events a generation may publish; the producer is then cancelled and it ends
        /// with ``EndReason/tooLarge``. Defaults to 100,000.
        public var maximumEvents: Int

        /// How many encoded bytes a generation may publish, as ``maximumEvents``. Defaults to
        /// 16 MiB.
        public var maximumBytes: Int

        /// How long a generation's events stay after it ends, for clients that come back: a
        /// refresh, another tab, a reconnection. Afterwards it is unknown (a server answers
        /// `204`). Defaults to 5 minutes.
        public var retention: Duration

        /// How many ended generations are kept for their retention; past it, the oldest go first.
        /// Defaults to 1,000. An ended generation keeps about 8 KB, and 430 bytes per event
        /// (measured with tokens of 10 bytes): 1,000 answers of 500 tokens hold about 220 MB.
        public var maximumRetainedGenerations: Int

        /// How long a client may be sent nothing before a heartbeat comment; `nil` for none.
        /// Defaults to 15 seconds (a model that thinks for a minute must not lose the connection
        /// to an idle timeout).
        public var heartbeat: Duration?

        /// How many events, and bytes, a client may fall behind a running generation before it is
        /// disconnected (it resumes from its last event ID, losing nothing). Defaults to 1,024 and
        /// 1 MiB.
        public var maximumQueuedEvents: Int

        /// See ``maximumQueuedEvents``.
        public var maximumQueuedBytes: Int

        /// The message of the ``EndReason/failed`` end event for a producer's error: words for
        /// people, never the error's details (log them here if you want them). Defaults to
        /// "The generation failed."
        public var failureMessage: @Sendable (any Error) -> String

        /// Creates a configuration with the defaults.
        public init() {
            maximumRunningGenerations = 1_000
            maximumDuration = .seconds(600)
            maximumEvents = 100_000
            maximumBytes = 16 << 20
            retention = .seconds(300)
            maximumRetainedGenerations = 1_000
            heartbeat = .seconds(15)
            maximumQueuedEvents = 1_024
            maximumQueuedBytes = 1 << 20
            failureMessage = { _ in "The generation failed." }
        }
    }

    /// Why a generation ended; the `reason` of its ``SSEGenerations/endEventType`` event.
    public struct EndReason: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable {
            case completed
            case stopped
            case failed
            case timedOut
            case tooLarge
            case interrupted
        }

        private let kind: Kind

        private init(_ kind: Kind) {
            self.kind = kind
        }

        /// The producer returned.
        public static let completed = Self(.completed)

        /// ``SSEGenerations/stop(_:)`` cancelled it.
        public static let stopped = Self(.stopped)

        /// The producer threw; the end event carries
        /// ``SSEGenerations/Configuration/failureMessage``.
        public static let failed = Self(.failed)

        /// It ran for ``SSEGenerations/Configuration/maximumDuration``.
        public static let timedOut = Self(.timedOut)

        /// It reached ``SSEGenerations/Configuration/maximumEvents`` or
        /// ``SSEGenerations/Configuration/maximumBytes``.
        public static let tooLarge = Self(.tooLarge)

        /// The instance that ran the producer went away without ending it (it was killed, or
        /// lost its database for longer than its lease, or shut down): another instance ended it
        /// for the clients attached there. Only `SSEPostgresGenerations` ends generations so; the
        /// producer is not started again.
        public static let interrupted = Self(.interrupted)

        /// The reason with the given ``description``, as an end event's data carries it.
        package init?(named name: String) {
            let kinds: [Kind] = [.completed, .stopped, .failed, .timedOut, .tooLarge, .interrupted]
            guard let kind = kinds.first(where: { Self($0).description == name }) else {
                return nil
            }
            self.init(kind)
        }

        /// `completed`, `stopped`, `failed`, `timedOut`, `tooLarge` or `interrupted`: the value in
        /// the end event.
        public var description: String {
            switch kind {
            case .completed: "completed"
            case .stopped: "stopped"
            case .failed: "failed"
            case .timedOut: "timedOut"
            case .tooLarge: "tooLarge"
            case .interrupted: "interrupted"
            }
        }
    }

    /// Where a generation is: running, or ended and kept for its retention.
    public struct Status: Sendable, Hashable {
        /// Why it ended; `nil` while it runs.
        public let endReason: EndReason?

        /// How many events it has published (its end event not counted).
        public let eventCount: Int

        /// How many bytes it has counted against ``Configuration/maximumBytes``: each event
        /// encoded, with room for its ID line.
        public let byteCount: Int

        /// Whether it is still going: not ended (a stopped producer that has not returned yet
        /// still counts in ``SSEGenerations/runningCount``).
        public var isRunning: Bool { endReason == nil }
    }
}
