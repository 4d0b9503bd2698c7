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

#if PostgresSupport
public import SSEStreaming

extension SSEPostgresBroadcaster {
    /// The table, limits and timings of an SSEPostgresBroadcaster.
    public struct Configuration: Sendable {
        /// The table the events are kept in; its state table is named after it with `_state`,
        /// and the notification channel is the same name. Lowercase letters, digits and
        /// underscores, starting with a letter; at most 50 characters. Defaults to `sse_events`.
        /// Instances that share the name (and the database) are one broadcaster.
        public var tableName: String

        /// The local broadcaster's configuration (queues, overflow policy, heartbeats, its
        /// in-memory replay log). Its `idPrefix` and `replayStore` are set by the
        /// broadcaster: IDs are the database's numbers, and the table is the replay store.
        /// Its replay log defaults to 10,000 events here.
        public var broadcaster: SSEBroadcaster.Configuration

        /// How long events stay in the table, for resuming clients. Defaults to 24 hours.
        public var retentionAge: Duration

        /// How many of the newest events the table keeps at most. Defaults to 1,000,000.
        public var retentionCount: Int

        /// How often old events are deleted. Defaults to 60 seconds.
        public var retentionInterval: Duration

        /// How many missed events a resuming client is sent from the table at most; a client that
        /// missed more is told in-band that the replay is unavailable (and should reload its
        /// state), as with the in-memory log. Defaults to 10,000.
        public var maximumReplayCount: Int

        /// How long a publish waits for the database to confirm the write before it fails with
        /// SSEPostgresError/Code/timedOut. Defaults to 5 seconds.
        public var publishTimeout: Duration

        /// How many events may wait to be written; more fail at once with
        /// SSEPostgresError/Code/overloaded. Defaults to 10,000.
        public var maximumPendingEvents: Int

        /// How many events go into one write (one statement, one transaction, one notification).
        /// Publishes that come while a write is on its way go together in the next. Defaults to 256.
        public var maximumBatchCount: Int

        /// The first delay before the listening connection is made again after it was lost;
        /// it doubles, with jitter, up to maximumReconnectDelay. Defaults to 100 ms.
        public var initialReconnectDelay: Duration

        /// The longest delay between attempts to listen again. Defaults to 5 seconds.
        public var maximumReconnectDelay: Duration

        /// How long a resume waits for the table to answer, and for this instance to have
        /// received the events the table already has (an instance lags the database by the time a
        /// notification takes). A table that does not answer in time is a store that cannot look:
        /// the client is answered `503` (see `SSEReplay.storeUnavailable`). Defaults to 5 seconds.
        public var catchUpTimeout: Duration

        /// Creates a configuration with the defaults.
        public init() {
            tableName = "sse_events"
            broadcaster = SSEBroadcaster.Configuration()
            broadcaster.maximumReplayCount = 10_000
            retentionAge = .seconds(24 * 3600)
            retentionCount = 1_000_000
            retentionInterval = .seconds(60)
            maximumReplayCount = 10_000
            publishTimeout = .seconds(5)
            maximumPendingEvents = 10_000
            maximumBatchCount = 256
            initialReconnectDelay = .milliseconds(100)
            maximumReconnectDelay = .seconds(5)
            catchUpTimeout = .seconds(5)
        }

        /// Whether `tableName` is a plain identifier that needs no quoting.
        var hasValidTableName: Bool {
            let bytes = Array(tableName.utf8)
            guard let first = bytes.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first), bytes.count <= 50
            else {
                return false
            }
            return bytes.allSatisfy {
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || $0 == UInt8(ascii: "_")
            }
        }
    }
}
#endif
