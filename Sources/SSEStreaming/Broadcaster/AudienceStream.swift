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

/// The live window of one audience (a topic, or a subscriber ID): its recent events, shared by all
/// of its subscribers, each reading at its own position. Publishing appends once, whatever the
/// number of subscribers; a subscriber that falls behind the window has overflowed.
///
/// The events' bytes are also laid end to end in segments, so that a poller takes any run of
/// events as one range per segment, and copies it after the broadcaster's lock is released.
struct AudienceStream {
    struct Event {
        let sequence: UInt64
        let event: QueuedEvent
        /// Where the event's bytes are in ``segment``.
        let segment: ByteSegment
        let offset: Int
        /// Bytes appended to the stream up to the end of this event, over its lifetime.
        let byteEnd: Int

        var size: Int { event.bytes.count }
    }

    /// Segments double from the first capacity up to the largest (a larger event gets one of its
    /// size), so a quiet audience holds little and a busy one few segments.
    private static let firstSegmentCapacity = 512
    private static let largestSegmentCapacity = 64 * 1024

    let maximumEvents: Int
    let maximumBytes: Int
    private var events = Ring<Event>()
    /// When each event in the window was published, on the broadcaster's clock, in nanoseconds;
    /// beside ``events``, not in them: a larger `Event` made fan-out to 10,000 subscribers 20–30 %
    /// slower.
    private var times = Ring<Int64>()
    /// The trace context of each event in the window, when the broadcaster keeps them (see
    /// `SSEBroadcaster.Configuration.tracing`); `nil` when it does not.
    private var contexts: Ring<(any Sendable)?>?
    private var appendedBytes = 0
    /// The segment being filled.
    private var segment: ByteSegment?
    /// The position of the first event in the window; positions count every event ever appended.
    private(set) var startPosition = 0
    var subscriberCount = 0
    /// Subscribers parked on this stream, to wake on its next event. An entry is stale once its
    /// subscriber was woken by another stream, or left; whoever reads the list checks.
    var parked: [BroadcasterStateMachine.Token] = []

    init(maximumEvents: Int, maximumBytes: Int, keepsContexts: Bool = false) {
        self.maximumEvents = maximumEvents
        self.maximumBytes = maximumBytes
        contexts = keepsContexts ? Ring() : nil
    }

    var endPosition: Int { startPosition + events.count }

    /// The bytes of the events in the window.
    private var windowBytes: Int {
        events.isEmpty ? 0 : appendedBytes - (events[0].byteEnd - events[0].size)
    }

    subscript(position: Int) -> Event {
        _read { yield events[position - startPosition] }
    }

    /// When the event at `position` was published, on the broadcaster's clock.
    func time(at position: Int) -> Duration {
        .nanoseconds(times[position - startPosition])
    }

    /// The trace context the event at `position` was published with, if kept.
    func context(at position: Int) -> (any Sendable)? {
        contexts?[position - startPosition] ?? nil
    }

    /// The position after the events from `start` on that fit in `budget` bytes (at least one,
    /// if there is one), which is reduced by their size.
    func end(from start: Int, budget: inout Int) -> Int {
        let end = endPosition
        guard start < end else {
            return start
        }
        let base = self[start].byteEnd - self[start].size
        if self[end - 1].byteEnd - base <= budget {
            budget -= self[end - 1].byteEnd - base
            return end
        }
        // The first event whose end reaches the budget is the last one taken.
        var low = start
        var high = end - 1
        while low < high {
            let middle = (low + high) / 2
            if self[middle].byteEnd - base >= budget {
                high = middle
            } else {
                low = middle + 1
            }
        }
        budget -= self[low].byteEnd - base
        return low + 1
    }

    /// Calls `body` with each segment that holds events at `positions`, and the range of their
    /// bytes in it, in order.
    func forEachSegment(in positions: Range<Int>, _ body: (ByteSegment, Range<Int>) -> Void) {
        var position = positions.lowerBound
        while position < positions.upperBound {
            let segment = self[position].segment
            let last = min(positions.upperBound, segment.endPosition) - 1
            body(segment, self[position].offset..<(self[last].offset + self[last].size))
            position = last + 1
        }
    }

    /// Appends an event, dropping the oldest beyond the limits (the newest always stays).
    mutating func append(_ event: QueuedEvent, sequence: UInt64, time: Duration, context: (any Sendable)? = nil) {
        let size = event.bytes.count
        if segment.map({ $0.capacity - $0.count < size }) ?? true {
            let capacity =
                segment.map { min(Self.largestSegmentCapacity, $0.capacity * 2) } ?? Self.firstSegmentCapacity
            segment = ByteSegment(capacity: max(size, capacity))
        }
        let offset = segment!.append(event.bytes, position: endPosition)
        appendedBytes += size
        events.append(
            Event(sequence: sequence, event: event, segment: segment!, offset: offset, byteEnd: appendedBytes)
        )
        times.append(time.components.seconds * 1_000_000_000 + time.components.attoseconds / 1_000_000_000)
        contexts?.append(context)
        while events.count > maximumEvents || (windowBytes > maximumBytes && events.count > 1) {
            _ = events.popFirst()
            _ = times.popFirst()
            _ = contexts?.popFirst()
            startPosition += 1
        }
    }
}

/// Consecutive events' bytes of one stream, end to end. Only appended to, under the broadcaster's
/// lock; bytes once written never change, so a poller copies a range it was given under the lock
/// after releasing it, while later events are appended after that range. It is freed when no
/// event in a window and no poller refers to it.
final class ByteSegment: @unchecked Sendable {
    let capacity: Int
    private let base: UnsafeMutableRawPointer
    /// Bytes written (changed under the lock only).
    private(set) var count = 0
    /// The stream position after its last event (changed under the lock only).
    private(set) var endPosition = 0

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 1)
    }

    deinit {
        base.deallocate()
    }

    /// Appends the bytes of the event at `position`, which must fit; returns their offset.
    func append(_ bytes: [UInt8], position: Int) -> Int {
        precondition(capacity - count >= bytes.count, "the event does not fit in the segment")
        let offset = count
        bytes.withUnsafeBytes { source in
            if let start = source.baseAddress {
                (base + offset).copyMemory(from: start, byteCount: source.count)
            }
        }
        count += bytes.count
        endPosition = position + 1
        return offset
    }

    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }
}
