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
    /// What the hand-over tells the metrics and traces besides the events.
    var facts: DeliveryFacts { get set }
}

/// What a hand-over tells the metrics, besides the events: skipped events, and the publish time
/// of the oldest live event (replayed events do not count: their age is not a delay).
struct DeliveryFacts {
    var coalesced = 0
    var oldest: Duration?
    /// Whether to collect ``contexts``.
    var collectsContexts = false
    /// The trace contexts of the live events handed over, at most ``maximumContexts``.
    var contexts: [any Sendable] = []

    static let maximumContexts = 32

    mutating func published(at time: Duration) {
        oldest = min(oldest ?? time, time)
    }

    /// A live event handed over one at a time (from several audiences) was published at `time`,
    /// with `context`.
    mutating func published(at time: Duration, context: (any Sendable)?) {
        published(at: time)
        if collectsContexts, let context, contexts.count < Self.maximumContexts {
            contexts.append(context)
        }
    }

    /// What `other` (a collection for coalescing) found, added to these.
    mutating func add(_ other: Self) {
        coalesced += other.coalesced
        if let time = other.oldest {
            published(at: time)
        }
        for context in other.contexts where contexts.count < Self.maximumContexts {
            contexts.append(context)
        }
    }

    /// Collects the contexts of the events at `positions` of `stream`, when asked to.
    mutating func collectContexts(_ positions: Range<Int>, of stream: AudienceStream) {
        guard collectsContexts else {
            return
        }
        for position in positions where contexts.count < Self.maximumContexts {
            if let context = stream.context(at: position) {
                contexts.append(context)
            }
        }
    }
}

/// Events for an iterator: moved into its batch, by reference.
struct BatchSink: DeliverySink {
    var batch = Ring<QueuedEvent>()
    var dropped = 0
    var facts = DeliveryFacts()

    mutating func gap(dropped: Int) {
        self.dropped = dropped
    }

    mutating func event(_ event: QueuedEvent) {
        batch.append(event)
    }

    mutating func events(at positions: Range<Int>, of stream: AudienceStream) {
        if !positions.isEmpty {
            facts.published(at: stream.time(at: positions.lowerBound))
            facts.collectContexts(positions, of: stream)
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
    var facts = DeliveryFacts()

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
            facts.collectContexts(positions, of: stream)
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
