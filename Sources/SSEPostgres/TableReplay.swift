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
import Logging
import SSEStreaming

/// The events table as the local broadcaster's replay store: a resuming subscriber whose ID the
/// local log does not have is sent what the table has after it.
struct TableReplay: SSEReplayStore {
    let table: Table
    let progress: Progress
    let configuration: SSEPostgresBroadcaster.Configuration
    let logger: Logger?

    func replay(after lastEventID: String, topics: [String], subscriberID: String?) async -> SSEReplay {
        // Before the first start, the table may not exist yet.
        guard await progress.waitUntilStarted(timeout: configuration.catchUpTimeout) else {
            return .storeUnavailable
        }
        let audiences = StoredEvent.audiences(topics: topics, subscriberIDs: subscriberID.map { [$0] } ?? [])
        do {
            let parsed = StoredID.parse(lastEventID)
            let cursor = parsed?.number ?? -1
            // Bounded: a database that does not answer is a store that cannot look.
            let found = try await racing(configuration.catchUpTimeout) { [table, configuration] in
                try await table.replay(
                    after: max(cursor, 0),
                    audiences: audiences,
                    limit: configuration.maximumReplayCount
                )
            }
            .get()
            // Never published here (another database's, or from before it was reset), deleted by
            // retention, or more than a replay may send: the client must reload.
            // An ID of another epoch belongs to a history the table no longer has; a plain number
            // (from before epochs) is taken to be of this one.
            let unavailable: SSEBroadcaster.ReplayUnavailableReason? =
                if let epoch = parsed?.epoch, epoch != found.epoch {
                    .epochChanged
                } else if cursor < 0 || cursor > found.last {
                    .unknown
                } else if cursor < found.prunedThrough || found.events.count > configuration.maximumReplayCount {
                    .tooOld
                } else {
                    nil
                }
            // Live events up to the snapshot's last ID are covered (or skipped over, with the
            // notice): they are skipped once this instance has delivered them, which it has
            // within moments of the commit.
            if !(await progress.wait(until: found.last, timeout: configuration.catchUpTimeout)) {
                logger?.warning(
                    "SSE resumed a subscriber before this instance caught up with the table",
                    metadata: ["sse.lastEventID": "\(lastEventID)"]
                )
            }
            let through = found.last > 0 ? StoredID(epoch: found.epoch, number: found.last).description : nil
            if let unavailable {
                return .unavailable(throughID: through, reason: unavailable)
            }
            return .events(found.events.map(\.event), throughID: through)
        } catch {
            logger?.warning(
                "SSE could not read the events table for a resuming subscriber",
                metadata: ["sse.error": "\(String(reflecting: error))", "sse.lastEventID": "\(lastEventID)"]
            )
            // Whether the client missed anything is not known: it is asked to try again (a
            // server's `503`), not told that its history is lost.
            return .storeUnavailable
        }
    }
}
#endif
