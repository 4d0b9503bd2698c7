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

import Synchronization

/// The broadcaster's bookkeeping, without concurrency: topics and subscribers, ID assignment, the
/// replay log and the live window of each audience, from which each subscriber reads at its own
/// position. ``SSEBroadcaster`` holds it under a lock and carries out what its methods return
/// (resuming waiting subscribers, outside the lock).
///
/// Publishing appends an event once per audience and wakes only the subscribers that are waiting;
/// it never touches the others, so its cost does not grow with the number of subscribers that are
/// busy or behind. A subscriber's queue is the part of its audiences' windows it has not read yet,
/// bounded by the window: falling out of it is an overflow, handled by the subscriber's policy
/// when it next reads.
struct BroadcasterStateMachine {
    /// A consumer parked until there is something to take: a task (an iterator), or a callback (a
    /// poller, such as a server's event loop). Unsafe (unchecked) continuations have a fixed
    /// layout, which keeps `Subscriber` one the compiler can lay out and copy inline; each waiter
    /// is resumed exactly once, by whoever removes it from the state under the lock, outside it.
    enum Waiter {
        case task(UnsafeContinuation<Void, Never>)
        case callback(@Sendable () -> Void)

        func resume() {
            switch self {
            case .task(let continuation): continuation.resume()
            case .callback(let callback): callback()
            }
        }
    }

    /// Identifies a subscriber; the generation tells a reused slot from the one it replaced.
    struct Token: Hashable, Sendable {
        let slot: Int
        let generation: UInt32
    }

    /// What a subscriber's consumer finds when it asks for more.
    enum Take {
        /// Events were moved into the consumer's batch, after `gap` events dropped since the last
        /// take; `facts` tells what else the hand-over found (skipped events, publish times and
        /// trace contexts).
        case events(gap: Int, facts: DeliveryFacts)
        /// Nothing yet: wait.
        case empty
        /// The subscription has ended normally (shutdown, after its last event).
        case finished
        /// The subscription has ended with an error (too slow).
        case failed(SSEBroadcasterError)
    }

    struct Subscriber {
        enum Status {
            /// Also a freed slot's, whose generation no token has.
            case active
            /// Shut down: its consumer drains what is left, then the final event, then ends.
            case finishing(final: QueuedEvent?)
        }

        var generation: UInt32 = 0
        var status = Status.active
        var audiences: [Audience] = []
        /// The position to read next in each audience's stream.
        var positions: [Int] = []
        /// Whether the subscriber is in each audience's `parked` list.
        var listed: [Bool] = []
        var overflowPolicy = SSEBroadcaster.OverflowPolicy.disconnect
        /// What a resuming subscriber missed, delivered before the live events.
        var replay = Ring<QueuedEvent>()
        /// The replay log did not have the subscriber's last event ID, and the replay store is
        /// looking for what it missed: nothing is delivered until it answers (live events queue).
        var replayPending = false
        /// The replay store could not look: the subscription fails before any event.
        var replayFailed = false
        /// Events dropped since the consumer last took (dropOldest, coalesce).
        var dropped = 0
        /// Nothing was taken since the last heartbeat tick.
        var idle = false
        var heartbeatDue = false
        var waiter: Waiter?
    }

    let configuration: SSEBroadcaster.Configuration
    var subscribers: [Subscriber] = []
    private var freeSlots: [Int] = []
    var streams: [Audience: AudienceStream] = [:]
    private var log: ReplayLog
    private var sequence: UInt64 = 0
    /// The ID of the newest published event: where a subscriber whose ID is unavailable goes on from.
    private var newestID: String?
    private(set) var subscriberCount = 0
    private(set) var isShutDown = false
    /// Sealed (``seal()``): nothing more will be published; every subscriber ends after what it
    /// has not read, and one that comes later after its replay.
    private(set) var isSealed = false
    /// The final event of the shutdown, for subscribers that arrive after it.
    private var shutdownFinalEvent: QueuedEvent?
    /// The window each subscriber's `retry:` is drawn from after a shutdown, if any.
    private var shutdownReconnectionWindow: ClosedRange<Duration>?

    init(configuration: SSEBroadcaster.Configuration) {
        self.configuration = configuration
        self.log = ReplayLog(
            maximumCount: configuration.maximumReplayCount,
            maximumBytes: configuration.maximumReplayBytes,
            maximumAge: configuration.maximumReplayAge,
            originID: configuration.replayOriginID
        )
    }

    // MARK: Subscribing

    /// Registers a subscriber and, when it resumes, queues what it missed; both at once, so that no
    /// event published meanwhile is missed or sent twice. `nil` once shut down.
    mutating func subscribe(
        to audiences: [Audience],
        lastEventID: String?,
        overflowPolicy: SSEBroadcaster.OverflowPolicy,
        now: Duration
    ) -> (
        token: Token, replayUnavailable: SSEBroadcaster.ReplayUnavailableReason?, replayPending: Bool,
        newestID: String?
    )? {
        // After a shutdown, a subscriber gets its final event alone (a page that reconnects while
        // its server is still stopping is told so too), or nothing.
        if isShutDown && shutdownFinalEvent == nil && shutdownReconnectionWindow == nil {
            return nil
        }
        var unique: Set<Audience> = []
        var subscriber = Subscriber()
        subscriber.audiences = audiences.filter { unique.insert($0).inserted }
        subscriber.status =
            isShutDown
            ? .finishing(final: Self.final(shutdownFinalEvent, window: shutdownReconnectionWindow))
            : isSealed ? .finishing(final: nil) : .active
        subscriber.overflowPolicy = overflowPolicy
        var replayUnavailable: SSEBroadcaster.ReplayUnavailableReason?
        if let lastEventID, !lastEventID.isEmpty, !isShutDown {
            (subscriber.replay, replayUnavailable) = replay(after: lastEventID, for: subscriber.audiences, now: now)
            if replayUnavailable != nil, configuration.replayStore != nil {
                // The store answers later (``completeReplay``); until then the subscriber waits.
                subscriber.replay = Ring()
                subscriber.replayPending = true
                replayUnavailable = nil
            }
        }
        let newStream = AudienceStream(
            maximumEvents: configuration.maximumQueuedEvents,
            maximumBytes: configuration.maximumQueuedBytes,
            keepsContexts: configuration.tracing != nil
        )
        subscriber.positions = subscriber.audiences.map { audience in
            streams[audience, default: newStream].subscriberCount += 1
            return streams[audience]!.endPosition
        }
        subscriber.listed = Array(repeating: false, count: subscriber.audiences.count)
        let slot = freeSlots.popLast() ?? appendSlot()
        subscriber.generation = subscribers[slot].generation
        subscribers[slot] = subscriber
        subscriberCount += 1
        return (
            Token(slot: slot, generation: subscriber.generation), replayUnavailable, subscriber.replayPending,
            isShutDown ? nil : newestID
        )
    }

    /// Hands a subscriber waiting for the replay store what the store found: `events` go before
    /// its live ones; `nil` events: the store has no events for its ID either, and it is told so
    /// in-band with `reason`, resuming from `throughID` (or `resumeID`, the newest ID when it
    /// subscribed). The live events published up to the event `throughID` (which the store
    /// covers) are skipped. A `nil` reason: the store could not look, and the subscriber fails
    /// (``SSEBroadcasterError/replayStoreUnavailable``). Returns its waiter, if parked.
    mutating func completeReplay(
        _ token: Token,
        events: Ring<QueuedEvent>?,
        reason: SSEBroadcaster.ReplayUnavailableReason?,
        throughID: String?,
        lastEventID: String,
        resumeID: String?
    ) -> Waiter? {
        guard isCurrent(token), subscribers[token.slot].replayPending else {
            return nil
        }
        let slot = token.slot
        subscribers[slot].replayPending = false
        guard let reason else {
            subscribers[slot].replayFailed = true
            defer { subscribers[slot].waiter = nil }
            return subscribers[slot].waiter
        }
        if let events {
            subscribers[slot].replay = events
        } else {
            var replay = Ring<QueuedEvent>()
            replay.append(
                SSEBroadcaster.replayUnavailableEvent(
                    lastEventID: lastEventID,
                    reason: reason,
                    resumeID: throughID ?? resumeID ?? ""
                )
            )
            subscribers[slot].replay = replay
        }
        if let throughID, let through = log.sequence(of: throughID) {
            for index in subscribers[slot].audiences.indices {
                let stream = streams[subscribers[slot].audiences[index]]!
                var position = max(subscribers[slot].positions[index], stream.startPosition)
                while position < stream.endPosition, stream[position].sequence <= through {
                    position += 1
                }
                subscribers[slot].positions[index] = position
            }
        }
        let waiter = subscribers[slot].waiter
        subscribers[slot].waiter = nil
        return waiter
    }

    private mutating func appendSlot() -> Int {
        subscribers.append(Subscriber())
        return subscribers.count - 1
    }

    private mutating func replay(
        after lastEventID: String,
        for audiences: [Audience],
        now: Duration
    ) -> (events: Ring<QueuedEvent>, unavailable: SSEBroadcaster.ReplayUnavailableReason?) {
        log.evict(now: now)
        var replay = Ring<QueuedEvent>()
        switch log.position(after: lastEventID) {
        case .from(let start):
            for offset in start..<log.count where log[offset].isFor(audiences) {
                replay.append(log[offset].queued)
            }
        case .unavailable:
            let reason = EpochEventID.reason(for: lastEventID, prefix: configuration.idPrefix, newest: sequence)
            replay.append(
                SSEBroadcaster.replayUnavailableEvent(
                    lastEventID: lastEventID,
                    reason: reason,
                    resumeID: newestID ?? ""
                )
            )
            return (replay, reason)
        }
        return (replay, nil)
    }

    func isCurrent(_ token: Token) -> Bool {
        token.slot < subscribers.count && subscribers[token.slot].generation == token.generation
    }

    /// Removes a subscriber at once: it receives nothing more. Returns its waiter, if parked.
    mutating func unsubscribe(_ token: Token) -> Waiter? {
        isCurrent(token) ? free(token.slot) : nil
    }

    /// Frees a subscriber's slot and its share of its audiences' streams; a stream nobody reads any
    /// more goes. Returns its waiter, if parked.
    mutating func free(_ slot: Int) -> Waiter? {
        let subscriber = subscribers[slot]
        for audience in subscriber.audiences {
            streams[audience]!.subscriberCount -= 1
            if streams[audience]!.subscriberCount == 0 {
                streams[audience] = nil
            } else if streams[audience]!.parked.count > 2 * streams[audience]!.subscriberCount + 16 {
                // Keep a stream that is rarely published to from piling up stale parked entries.
                let parked = streams[audience]!.parked.filter { isCurrent($0) && $0.slot != slot }
                streams[audience]!.parked = parked
            }
        }
        subscribers[slot] = Subscriber(generation: subscriber.generation &+ 1)
        freeSlots.append(slot)
        subscriberCount -= 1
        return subscriber.waiter
    }

    // MARK: Publishing

    /// Assigns the event its sequence number (and its ID, when `bytes` has none: the ID line and
    /// the blank line that ends the event are appended), logs it, appends it to its audiences'
    /// streams and wakes their waiting subscribers.
    ///
    /// - Parameters:
    ///   - bytes: The encoded event; without its final blank line when `id` is `nil`.
    ///   - id: The event's own ID, or `nil` to assign one.
    ///   - now: The time on the broadcaster's clock (the replay log's age counts from it).
    ///   - publishedAt: When it was published where it came from, for the delivery latency;
    ///     `nil`: `now`.
    ///   - context: The publish's trace context, kept when the broadcaster keeps them.
    /// - Returns: The event's ID and the consumers to wake.
    mutating func publish(
        _ bytes: inout [UInt8],
        id: String?,
        to audiences: [Audience],
        coalescingKey: String?,
        now: Duration,
        publishedAt: Duration? = nil,
        context: (any Sendable)? = nil
    ) -> (id: String, wake: [Waiter]) {
        sequence += 1
        let id = id ?? Self.appendID(configuration.idPrefix, sequence, to: &bytes)
        // After shutdown, subscribers are draining towards their final event: nothing more.
        guard !isShutDown else {
            return (id, [])
        }
        let entry = BroadcastEntry(
            sequence: sequence,
            id: id,
            bytes: bytes,
            audiences: audiences,
            coalescingKey: coalescingKey,
            time: now
        )
        newestID = id
        log.append(entry, now: now)
        let event = entry.queued
        var wake: [Waiter] = []
        for audience in audiences where streams[audience] != nil {
            streams[audience]!.append(event, sequence: sequence, time: publishedAt ?? now, context: context)
            var parked: [Token] = []
            swap(&parked, &streams[audience]!.parked)
            for token in parked where isCurrent(token) {
                let slot = token.slot
                if let index = subscribers[slot].audiences.firstIndex(of: audience) {
                    subscribers[slot].listed[index] = false
                }
                if let waiter = subscribers[slot].waiter {
                    subscribers[slot].waiter = nil
                    wake.append(waiter)
                }
            }
            parked.removeAll(keepingCapacity: true)
            swap(&parked, &streams[audience]!.parked)
        }
        return (id, wake)
    }

    private static func appendID(_ prefix: String, _ sequence: UInt64, to bytes: inout [UInt8]) -> String {
        let id = prefix + String(sequence)
        bytes.append(contentsOf: "id: ".utf8)
        bytes.append(contentsOf: id.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.append(UInt8(ascii: "\n"))
        return id
    }

    // MARK: Time

    /// Marks a heartbeat due for every subscriber that took nothing since the previous tick, waking
    /// it, and drops what has grown too old from the replay log.
    mutating func tick(now: Duration) -> [Waiter] {
        log.evict(now: now)
        var wake: [Waiter] = []
        for slot in subscribers.indices {
            guard case .active = subscribers[slot].status else {
                continue
            }
            if subscribers[slot].idle {
                subscribers[slot].heartbeatDue = true
                if let waiter = subscribers[slot].waiter {
                    subscribers[slot].waiter = nil
                    wake.append(waiter)
                }
            }
            subscribers[slot].idle = true
        }
        return wake
    }

    /// Has one subscriber end after what it has not read yet and `finalEvent`, as a shutdown
    /// would. Returns its waiter, if parked; nothing if it has ended or is ending already.
    mutating func finish(_ token: Token, finalEvent: QueuedEvent?) -> Waiter? {
        isCurrent(token) ? finish(slot: token.slot, finalEvent: finalEvent) : nil
    }

    /// ``finish(_:finalEvent:)`` by slot: an active subscriber starts finishing, and its parked
    /// consumer, if any, is handed back to be woken.
    private mutating func finish(slot: Int, finalEvent: QueuedEvent?) -> Waiter? {
        guard case .active = subscribers[slot].status else {
            return nil
        }
        subscribers[slot].status = .finishing(final: finalEvent)
        defer { subscribers[slot].waiter = nil }
        return subscribers[slot].waiter
    }

    // MARK: Shutting down

    /// Has every subscriber end after what it has not read; later subscribers get their replay,
    /// then end. What a finished generation does: its log stays for resuming clients.
    mutating func seal() -> [Waiter] {
        guard !isSealed, !isShutDown else {
            return []
        }
        isSealed = true
        return subscribers.indices.compactMap { finish(slot: $0, finalEvent: nil) }
    }

    /// Has every subscriber end after what it has not read yet and `finalEvent`, preceded by a
    /// `retry:` field drawn from `reconnectionWindow` for each; a subscriber that comes later gets
    /// them alone (none without either).
    mutating func shutDown(finalEvent: QueuedEvent?, reconnectionWindow: ClosedRange<Duration>?) -> [Waiter] {
        guard !isShutDown else {
            return []
        }
        isShutDown = true
        shutdownFinalEvent = finalEvent
        shutdownReconnectionWindow = reconnectionWindow
        return subscribers.indices.compactMap { slot in
            guard case .active = subscribers[slot].status else {
                return nil
            }
            return finish(slot: slot, finalEvent: Self.final(finalEvent, window: reconnectionWindow))
        }
    }

    /// A subscriber's last bytes at a shutdown: a `retry:` field of its own, then `finalEvent`.
    private static func final(_ finalEvent: QueuedEvent?, window: ClosedRange<Duration>?) -> QueuedEvent? {
        guard let window else {
            return finalEvent
        }
        return QueuedEvent(bytes: SSEReconnectionJitter.retryField(in: window) + (finalEvent?.bytes ?? []))
    }
}
