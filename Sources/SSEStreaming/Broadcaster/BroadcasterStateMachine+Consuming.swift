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

extension BroadcasterStateMachine {
    // MARK: Consuming

    /// Moves what the subscriber has into `batch`, which must be empty: its replay first, then the
    /// unread events of its streams, merged in publish order (an event for several of its audiences
    /// once), with the overflow policy applied where it fell behind a window.
    mutating func take(_ token: Token, into batch: inout Ring<QueuedEvent>, collectsContexts: Bool = false) -> Take {
        guard isCurrent(token) else {
            return .finished
        }
        var sink = BatchSink()
        sink.facts.collectsContexts = collectsContexts
        swap(&sink.batch, &batch)
        defer { swap(&sink.batch, &batch) }
        var budget = Int.max
        switch deliver(token.slot, budget: &budget, into: &sink) {
        case .delivered: return .events(gap: sink.dropped, facts: sink.facts)
        case .nothing: return .empty
        case .finished: return .finished
        case .failed(let error): return .failed(error)
        }
    }

    /// What a polling consumer found.
    enum Poll {
        /// Pieces were handed over.
        case delivered
        /// Nothing yet: the waiter is parked, and resumed when there is.
        case parked
        /// The subscription has ended normally (shutdown, after its last event).
        case finished
        /// The subscription has ended with an error (too slow).
        case failed(SSEBroadcasterError)
    }

    /// Hands `sink` what the subscriber has, in order, as ``take(_:into:)`` would, until about
    /// `maximumBytes` were handed over (the rest stays for the next call); parks `waiter` when
    /// there is nothing, replacing any waiter parked before.
    mutating func poll(_ token: Token, maximumBytes: Int, waiter: Waiter, into sink: inout some DeliverySink) -> Poll {
        guard isCurrent(token) else {
            return .finished
        }
        var budget = maximumBytes
        switch deliver(token.slot, budget: &budget, into: &sink) {
        case .delivered: return .delivered
        case .finished: return .finished
        case .failed(let error): return .failed(error)
        case .nothing:
            park(token, waiter)
            return .parked
        }
    }

    private enum Delivery {
        case delivered
        case nothing
        case finished
        case failed(SSEBroadcasterError)
    }

    /// The subscriber's replay first, then the gap (events dropped since it last took, if any),
    /// then its unread events, then a heartbeat when due and nothing else went, then, when it is
    /// finishing, its final event; each handed over until `budget` bytes are used up.
    private mutating func deliver(_ slot: Int, budget: inout Int, into sink: inout some DeliverySink) -> Delivery {
        if subscribers[slot].replayFailed {
            _ = free(slot)
            return .failed(.replayStoreUnavailable)
        }
        if subscribers[slot].replayPending, case .active = subscribers[slot].status {
            // Waiting for the replay store: a heartbeat may go, nothing else.
            guard subscribers[slot].heartbeatDue else {
                return .nothing
            }
            subscribers[slot].heartbeatDue = false
            sink.event(SSEBroadcaster.heartbeat)
            return .delivered
        }
        if !subscribers[slot].replay.isEmpty {
            Self.drain(&subscribers[slot].replay, budget: &budget, into: &sink)
            return .delivered
        }
        let missed = catchUp(slot)
        if missed > 0 {
            if subscribers[slot].overflowPolicy == .disconnect {
                _ = free(slot)
                return .failed(.subscriberTooSlow)
            }
            subscribers[slot].dropped += missed
        }
        var delivered = false
        if subscribers[slot].dropped > 0 {
            sink.gap(dropped: subscribers[slot].dropped)
            subscribers[slot].dropped = 0
            delivered = true
        }
        if subscribers[slot].overflowPolicy == .coalesce {
            var all = BatchSink()
            all.facts.collectsContexts = sink.facts.collectsContexts
            var unlimited = Int.max
            _ = collect(slot, budget: &unlimited, into: &all)
            if all.batch.count > 1 {
                let before = all.batch.count
                Self.coalesce(&all.batch)
                all.facts.coalesced += before - all.batch.count
            }
            sink.facts.add(all.facts)
            delivered = delivered || !all.batch.isEmpty
            Self.drain(&all.batch, budget: &budget, into: &sink)
            // What did not fit goes out first next time (the replay is empty here).
            subscribers[slot].replay = all.batch
        } else if collect(slot, budget: &budget, into: &sink) {
            delivered = true
        }
        if delivered {
            subscribers[slot].idle = false
        } else if subscribers[slot].heartbeatDue {
            sink.event(SSEBroadcaster.heartbeat)
            delivered = true
        }
        subscribers[slot].heartbeatDue = false
        if delivered {
            return .delivered
        }
        if case .finishing(let final) = subscribers[slot].status {
            if let final {
                subscribers[slot].status = .finishing(final: nil)
                sink.event(final)
                return .delivered
            }
            _ = free(slot)
            return .finished
        }
        return .nothing
    }

    /// Hands over the first events of `ring` until `budget` is used up (at least one).
    private static func drain(_ ring: inout Ring<QueuedEvent>, budget: inout Int, into sink: inout some DeliverySink) {
        while budget > 0, let event = ring.popFirst() {
            budget -= event.bytes.count
            sink.event(event)
        }
    }

    /// Moves the subscriber's positions that fell behind their window up to its start; returns how
    /// many events it missed. For a subscriber of several audiences, an event published to more
    /// than one of them that left more than one window counts once for each: the count may be
    /// high, never low.
    private mutating func catchUp(_ slot: Int) -> Int {
        var missed = 0
        for index in subscribers[slot].audiences.indices {
            let start = streams[subscribers[slot].audiences[index]]!.startPosition
            if subscribers[slot].positions[index] < start {
                missed += start - subscribers[slot].positions[index]
                subscribers[slot].positions[index] = start
            }
        }
        return missed
    }

    /// Hands `sink` the subscriber's unread events, in publish order, until `budget` bytes are used
    /// up, and advances its positions past them; `false` when there were none.
    private mutating func collect(_ slot: Int, budget: inout Int, into sink: inout some DeliverySink) -> Bool {
        let audiences = subscribers[slot].audiences
        if audiences.count == 1 {
            let stream = streams[audiences[0]]!
            let start = subscribers[slot].positions[0]
            let end = stream.end(from: start, budget: &budget)
            guard end > start else {
                return false
            }
            sink.events(at: start..<end, of: stream)
            subscribers[slot].positions[0] = end
            return true
        }
        // Several audiences: merge by sequence; an event published to more than one comes once.
        var positions = subscribers[slot].positions
        let audienceStreams = audiences.map { streams[$0]! }
        var collected = false
        while budget > 0 {
            var next: UInt64 = .max
            for index in audienceStreams.indices where positions[index] < audienceStreams[index].endPosition {
                next = min(next, audienceStreams[index][positions[index]].sequence)
            }
            guard next != .max else {
                break
            }
            var taken = false
            for index in audienceStreams.indices
            where positions[index] < audienceStreams[index].endPosition
                && audienceStreams[index][positions[index]].sequence == next
            {
                if !taken {
                    let event = audienceStreams[index][positions[index]].event
                    budget -= event.bytes.count
                    sink.event(event)
                    sink.facts.published(
                        at: audienceStreams[index].time(at: positions[index]),
                        context: audienceStreams[index].context(at: positions[index])
                    )
                    taken = true
                }
                positions[index] += 1
            }
            collected = true
        }
        subscribers[slot].positions = positions
        return collected
    }

    /// Keeps only the newest event of each coalescing key (events without a key all stay), in order.
    private static func coalesce(_ batch: inout Ring<QueuedEvent>) {
        var seen: Set<String> = []
        var kept: [QueuedEvent] = []
        while let event = batch.popLast() {
            if let key = event.coalescingKey, !seen.insert(key).inserted {
                continue
            }
            kept.append(event)
        }
        for event in kept.reversed() {
            batch.append(event)
        }
    }

    /// Parks the consumer when `taken` found nothing. `false` when there was something, or the task
    /// is cancelled (checked under the lock, so that a cancellation that came first is not missed):
    /// the caller resumes it at once.
    mutating func parkIfEmpty(_ token: Token, _ taken: Take, _ waiter: Waiter) -> Bool {
        guard case .empty = taken, !Task.isCancelled else {
            return false
        }
        precondition(subscribers[token.slot].waiter == nil, "a subscription is iterated by one task at a time")
        park(token, waiter)
        return true
    }

    private mutating func park(_ token: Token, _ waiter: Waiter) {
        let slot = token.slot
        subscribers[slot].waiter = waiter
        for index in subscribers[slot].audiences.indices where !subscribers[slot].listed[index] {
            streams[subscribers[slot].audiences[index]]!.parked.append(token)
            subscribers[slot].listed[index] = true
        }
    }

    mutating func unpark(_ token: Token) -> Waiter? {
        guard isCurrent(token) else {
            return nil
        }
        defer { subscribers[token.slot].waiter = nil }
        return subscribers[token.slot].waiter
    }
}
