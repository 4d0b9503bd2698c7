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
            return .unavailable(throughID: nil)
        }
        let audiences = StoredEvent.audiences(topics: topics, subscriberIDs: subscriberID.map { [$0] } ?? [])
        do {
            let cursor = Int64(lastEventID) ?? -1
            let found = try await table.replay(
                after: max(cursor, 0),
                audiences: audiences,
                limit: configuration.maximumReplayCount
            )
            // Never published here (another database's, or from before it was reset), deleted by
            // retention, or more than a replay may send: the client must reload.
            let unavailable: SSEBroadcaster.ReplayUnavailableReason? =
                cursor < 0 || cursor > found.last
                ? .unknown
                : cursor < found.prunedThrough || found.events.count > configuration.maximumReplayCount
                    ? .tooOld : nil
            // Live events up to the snapshot's last ID are covered (or skipped over, with the
            // notice): they are skipped once this instance has delivered them, which it has
            // within moments of the commit.
            if !(await progress.wait(until: found.last, timeout: configuration.catchUpTimeout)) {
                logger?.warning(
                    "SSE resumed a subscriber before this instance caught up with the table",
                    metadata: ["sse.lastEventID": "\(lastEventID)"]
                )
            }
            let through = found.last > 0 ? String(found.last) : nil
            if let unavailable {
                return .unavailable(throughID: through, reason: unavailable)
            }
            return .events(found.events.map(\.event), throughID: through)
        } catch {
            logger?.warning(
                "SSE could not read the events table for a resuming subscriber",
                metadata: ["sse.error": "\(String(reflecting: error))", "sse.lastEventID": "\(lastEventID)"]
            )
            return .unavailable(throughID: nil)
        }
    }
}
#endif
