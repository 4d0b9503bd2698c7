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

/// Where ``BroadcasterStateMachine`` hands a subscriber's events.
protocol DeliverySink {
    /// `dropped` events were dropped since the subscriber last took (the gap event's place).
    mutating func gap(dropped: Int)
    mutating func event(_ event: QueuedEvent)
    /// The events at `positions` of a subscriber's only stream, in order.
    mutating func events(at positions: Range<Int>, of stream: AudienceStream)
    /// A live event of the window, handed over by ``event(_:)``, was published at `time`.
    mutating func published(at time: Duration)
    /// `count` events were skipped for newer ones of their coalescing key.
    mutating func coalesced(_ count: Int)
}

/// What a hand-over tells the metrics, besides the events: skipped events, and the publish time
/// of the oldest live event (replayed events do not count: their age is not a delay).
struct DeliveryFacts {
    var coalesced = 0
    var oldest: Duration?

    mutating func published(at time: Duration) {
        oldest = min(oldest ?? time, time)
    }
}

/// Events for an iterator: moved into its batch, by reference.
struct BatchSink: DeliverySink {
    var batch = Ring<QueuedEvent>()
    var dropped = 0
    var facts = DeliveryFacts()
    var coalesced: Int { facts.coalesced }
    var oldest: Duration? { facts.oldest }

    mutating func published(at time: Duration) {
        facts.published(at: time)
    }

    mutating func coalesced(_ count: Int) {
        facts.coalesced += count
    }

    mutating func gap(dropped: Int) {
        self.dropped = dropped
    }

    mutating func event(_ event: QueuedEvent) {
        batch.append(event)
    }

    mutating func events(at positions: Range<Int>, of stream: AudienceStream) {
        if !positions.isEmpty {
            facts.published(at: stream.time(at: positions.lowerBound))
        }
        for position in positions {
            batch.append(stream[position].event)
        }
    }
}

/// Bytes for a poller, to copy once the lock is released: a stream's events as ranges of its
/// segments (one piece per segment, however many events), anything else as the event's bytes.
struct PollSink: DeliverySink {
    enum Piece {
        case bytes([UInt8])
        case segment(ByteSegment, Range<Int>)
    }

    private(set) var pieces: [Piece] = []
    /// How many chunks (events, comments, signals) the pieces hold.
    private(set) var chunkCount = 0
    private(set) var dropped = 0
    private(set) var facts = DeliveryFacts()

    mutating func published(at time: Duration) {
        facts.published(at: time)
    }

    mutating func coalesced(_ count: Int) {
        facts.coalesced += count
    }

    mutating func gap(dropped: Int) {
        pieces.append(.bytes(SSEBroadcaster.gapBytes(dropped: dropped)))
        chunkCount += 1
        self.dropped += dropped
    }

    mutating func event(_ event: QueuedEvent) {
        pieces.append(.bytes(event.bytes))
        chunkCount += 1
    }

    mutating func events(at positions: Range<Int>, of stream: AudienceStream) {
        if !positions.isEmpty {
            facts.published(at: stream.time(at: positions.lowerBound))
        }
        chunkCount += positions.count
        stream.forEachSegment(in: positions) { segment, range in
            pieces.append(.segment(segment, range))
        }
    }

    /// Hands `body` every piece's bytes, in order.
    func write(to body: (UnsafeRawBufferPointer) -> Void) {
        for piece in pieces {
            switch piece {
            case .bytes(let bytes): bytes.withUnsafeBytes(body)
            case .segment(let segment, let range): body(segment.bytes(range))
            }
        }
    }
}
