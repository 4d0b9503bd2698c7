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

/// Who a published event is for: the subscribers of a topic, or those with a subscriber ID.
package enum Audience: Hashable, Sendable {
    case topic(String)
    case subscriber(String)
}

/// An encoded event as it waits in a subscriber's queue. The bytes are those of the published event,
/// shared by every queue: queueing one costs a reference count, not a copy.
struct QueuedEvent: Sendable {
    let bytes: [UInt8]
    /// Under the coalesce policy, a subscriber that is behind skips this event when it has a newer
    /// one with the same key to read.
    let coalescingKey: String?

    init(bytes: [UInt8], coalescingKey: String? = nil) {
        self.bytes = bytes
        self.coalescingKey = coalescingKey
    }
}

/// One published event in the replay log.
final class BroadcastEntry: Sendable {
    /// The publish order, from 1.
    let sequence: UInt64
    /// The event's ID, as sent.
    let id: String?
    /// The encoded event, ended by its blank line.
    let bytes: [UInt8]
    let audiences: [Audience]
    let coalescingKey: String?
    /// When it was published, on the broadcaster's clock.
    let time: Duration

    init(
        sequence: UInt64,
        id: String?,
        bytes: [UInt8],
        audiences: [Audience],
        coalescingKey: String?,
        time: Duration
    ) {
        self.sequence = sequence
        self.id = id
        self.bytes = bytes
        self.audiences = audiences
        self.coalescingKey = coalescingKey
        self.time = time
    }

    var queued: QueuedEvent {
        QueuedEvent(bytes: bytes, coalescingKey: coalescingKey)
    }

    /// Whether a subscriber to `audiences` receives this entry.
    func isFor(_ subscriberAudiences: [Audience]) -> Bool {
        audiences.contains { subscriberAudiences.contains($0) }
    }
}
