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

/// The recent events, kept so that a subscriber resuming from a last event ID gets exactly what it
/// missed. Bounded by count, bytes and age; the oldest events leave first.
struct ReplayLog {
    /// Where a resume ID falls in the log.
    enum Position: Equatable {
        /// Replay the entries from this offset on.
        case from(Int)
        /// The ID is not in the log: older than the log, or never published here.
        case unavailable
    }

    let maximumCount: Int
    let maximumBytes: Int
    let maximumAge: Duration

    private var entries = Ring<BroadcastEntry>()
    private var bytes = 0
    /// The sequence number of every ID in the log. An ID published twice maps to its latest event.
    private var sequences: [String: UInt64] = [:]
    /// The ID of the last event to leave the log: resuming from it misses nothing.
    private var evictedThroughID: String?

    /// - Parameter originID: An ID that stands for "before the first event": resuming from it
    ///   replays the whole log, while nothing has left it.
    init(maximumCount: Int, maximumBytes: Int, maximumAge: Duration, originID: String? = nil) {
        self.maximumCount = maximumCount
        self.maximumBytes = maximumBytes
        self.maximumAge = maximumAge
        self.evictedThroughID = originID
    }

    var count: Int { entries.count }

    subscript(offset: Int) -> BroadcastEntry { entries[offset] }

    mutating func append(_ entry: BroadcastEntry, now: Duration) {
        entries.append(entry)
        bytes += entry.bytes.count
        if let id = entry.id, !id.isEmpty {
            sequences[id] = entry.sequence
        }
        evict(now: now)
    }

    /// Removes what is over the count or byte limit, or older than the age limit.
    mutating func evict(now: Duration) {
        while let oldest = entries.first,
            entries.count > maximumCount || bytes > maximumBytes || now - oldest.time > maximumAge
        {
            _ = entries.popFirst()
            bytes -= oldest.bytes.count
            if let id = oldest.id, sequences[id] == oldest.sequence {
                sequences[id] = nil
            }
            evictedThroughID = oldest.id
        }
    }

    /// The sequence number of the event `id`, while the log has it.
    func sequence(of id: String) -> UInt64? {
        sequences[id]
    }

    /// Where replay after `id` starts. Entries are consecutive in sequence, so the offset of a
    /// sequence number is its distance from the first entry's.
    func position(after id: String) -> Position {
        if let sequence = sequences[id], let first = entries.first {
            return .from(Int(sequence - first.sequence) + 1)
        }
        if id == evictedThroughID {
            return .from(0)
        }
        return .unavailable
    }
}
