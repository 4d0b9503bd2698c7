/// The broadcaster's bookkeeping, without concurrency: topics and subscribers, ID assignment, the
/// replay log and the bounded queue of every subscriber. ``SSEBroadcaster`` holds it under a lock and
/// carries out what its methods return (resuming waiting subscribers, outside the lock).
struct BroadcasterStateMachine {
    typealias Waiter = CheckedContinuation<Void, Never>

    /// Identifies a subscriber; the generation tells a reused slot from the one it replaced.
    struct Token: Hashable, Sendable {
        let slot: Int
        let generation: UInt32
    }

    /// What a subscriber's consumer finds when it asks for more.
    enum Take {
        /// Entries were moved into the consumer's batch, after `gap` events dropped since the last take.
        case entries(gap: Int)
        /// Nothing yet: wait.
        case empty
        /// The subscription has ended normally (shutdown, after its last event).
        case finished
        /// The subscription has ended with an error (too slow).
        case failed(SSEBroadcasterError)
    }

    fileprivate struct Subscriber {
        enum Status {
            case free
            case active
            /// Shut down: its consumer drains what is queued, then ends.
            case finishing
            /// Disconnected with an error, reported once the consumer asks.
            case failed(SSEBroadcasterError)
        }

        var generation: UInt32 = 0
        var status = Status.free
        var audiences: [Audience] = []
        /// The subscriber's index in the member list of each of its audiences.
        var memberIndices: [Int] = []
        var overflowPolicy = SSEBroadcaster.OverflowPolicy.disconnect
        var replay = EntryRing()
        var queue = EntryRing()
        var queuedBytes = 0
        /// Events dropped (oldest first) since the consumer last took its queue.
        var dropped = 0
        /// The last publish delivered, so that an event for several topics arrives once.
        var lastSequence: UInt64 = 0
        /// Nothing was queued since the last heartbeat tick.
        var idle = false
        var waiter: Waiter?

        var isLive: Bool {
            switch status {
            case .active, .finishing: true
            case .free, .failed: false
            }
        }

        var hasSomethingToTake: Bool {
            switch status {
            case .active: !replay.isEmpty || !queue.isEmpty || dropped > 0
            case .finishing, .failed: true
            case .free: false
            }
        }
    }

    let configuration: SSEBroadcaster.Configuration
    private var subscribers: [Subscriber] = []
    private var freeSlots: [Int] = []
    private var members: [Audience: [Int]] = [:]
    private var log: ReplayLog
    private var sequence: UInt64 = 0
    /// The ID of the newest published event: where a subscriber whose ID is unavailable goes on from.
    private var newestID: String?
    private(set) var subscriberCount = 0
    private(set) var isShutDown = false

    init(configuration: SSEBroadcaster.Configuration) {
        self.configuration = configuration
        self.log = ReplayLog(
            maximumCount: configuration.maximumReplayCount,
            maximumBytes: configuration.maximumReplayBytes,
            maximumAge: configuration.maximumReplayAge
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
    ) -> Token? {
        guard !isShutDown else {
            return nil
        }
        var unique: Set<Audience> = []
        let audiences = audiences.filter { unique.insert($0).inserted }
        let slot = freeSlots.popLast() ?? appendSlot()
        var subscriber = Subscriber()
        subscriber.generation = subscribers[slot].generation
        subscriber.status = .active
        subscriber.audiences = audiences
        subscriber.overflowPolicy = overflowPolicy
        subscriber.lastSequence = sequence
        if let lastEventID, !lastEventID.isEmpty {
            subscriber.replay = replay(after: lastEventID, for: audiences, now: now)
        }
        subscriber.memberIndices = audiences.map { audience in
            members[audience, default: []].append(slot)
            return members[audience]!.count - 1
        }
        subscribers[slot] = subscriber
        subscriberCount += 1
        return Token(slot: slot, generation: subscriber.generation)
    }

    private mutating func appendSlot() -> Int {
        subscribers.append(Subscriber())
        return subscribers.count - 1
    }

    private mutating func replay(after lastEventID: String, for audiences: [Audience], now: Duration) -> EntryRing {
        log.evict(now: now)
        var replay = EntryRing()
        switch log.position(after: lastEventID) {
        case .from(let start):
            for offset in start..<log.count where log[offset].isFor(audiences) {
                replay.append(log[offset])
            }
        case .unavailable:
            replay.append(SSEBroadcaster.replayUnavailableEntry(lastEventID: lastEventID, resumeID: newestID ?? ""))
        }
        return replay
    }

    /// Removes a subscriber at once: it receives nothing more and its queue is released.
    mutating func unsubscribe(_ token: Token) -> Waiter? {
        guard isCurrent(token) else {
            return nil
        }
        let waiter = subscribers[token.slot].waiter
        if subscribers[token.slot].isLive {
            removeFromAudiences(token.slot)
        }
        free(token.slot)
        return waiter
    }

    private func isCurrent(_ token: Token) -> Bool {
        token.slot < subscribers.count && subscribers[token.slot].generation == token.generation
    }

    private mutating func free(_ slot: Int) {
        let generation = subscribers[slot].generation
        subscribers[slot] = Subscriber()
        subscribers[slot].generation = generation &+ 1
        freeSlots.append(slot)
    }

    /// Takes the subscriber out of its audiences' member lists (swapping the last member into its
    /// place) and out of the count.
    private mutating func removeFromAudiences(_ slot: Int) {
        let subscriber = subscribers[slot]
        for (audience, index) in zip(subscriber.audiences, subscriber.memberIndices) {
            var list = members.removeValue(forKey: audience)!
            let moved = list.removeLast()
            if index < list.count {
                list[index] = moved
                let position = subscribers[moved].audiences.firstIndex(of: audience)!
                subscribers[moved].memberIndices[position] = index
            }
            if !list.isEmpty {
                members[audience] = list
            }
        }
        subscribers[slot].memberIndices = []
        subscriberCount -= 1
    }

    // MARK: Consuming

    /// Moves what the subscriber has (its replay first, then its queue) into `batch`, which must be
    /// empty; swapping keeps both buffers' storage, so a steady stream allocates nothing.
    mutating func take(_ token: Token, into batch: inout EntryRing) -> Take {
        guard isCurrent(token) else {
            return .finished
        }
        if !subscribers[token.slot].replay.isEmpty {
            swap(&subscribers[token.slot].replay, &batch)
            return .entries(gap: 0)
        }
        if !subscribers[token.slot].queue.isEmpty || subscribers[token.slot].dropped > 0 {
            swap(&subscribers[token.slot].queue, &batch)
            subscribers[token.slot].queuedBytes = 0
            defer { subscribers[token.slot].dropped = 0 }
            return .entries(gap: subscribers[token.slot].dropped)
        }
        switch subscribers[token.slot].status {
        case .active:
            return .empty
        case .finishing:
            free(token.slot)
            subscriberCount -= 1
            return .finished
        case .failed(let error):
            free(token.slot)
            return .failed(error)
        case .free:
            return .finished
        }
    }

    /// Parks the consumer until there is something to take. `false` when there is already (or the
    /// task is cancelled): the caller resumes it at once.
    mutating func park(_ token: Token, _ waiter: Waiter) -> Bool {
        guard isCurrent(token), !subscribers[token.slot].hasSomethingToTake, !Task.isCancelled else {
            return false
        }
        subscribers[token.slot].waiter = waiter
        return true
    }

    mutating func unpark(_ token: Token) -> Waiter? {
        guard isCurrent(token) else {
            return nil
        }
        defer { subscribers[token.slot].waiter = nil }
        return subscribers[token.slot].waiter
    }

    // MARK: Publishing

    /// Assigns the event its sequence number (and its ID, when `bytes` has none: the ID line and
    /// the blank line that ends the event are appended), logs it and queues it for its audiences.
    ///
    /// - Parameters:
    ///   - bytes: The encoded event; without its final blank line when `id` is `nil`.
    ///   - id: The event's own ID, or `nil` to assign one.
    /// - Returns: The event's ID and the consumers to wake.
    mutating func publish(
        _ bytes: inout [UInt8],
        id: String?,
        to audiences: [Audience],
        coalescingKey: String?,
        now: Duration
    ) -> (id: String, wake: [Waiter]) {
        sequence += 1
        let id = id ?? Self.appendID(configuration.idPrefix, sequence, to: &bytes)
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
        var wake: [Waiter] = []
        var overflowed: [Int] = []
        for audience in audiences {
            guard let list = members[audience] else {
                continue
            }
            for slot in list {
                deliver(entry, to: slot, wake: &wake, overflowed: &overflowed)
            }
        }
        for slot in overflowed {
            disconnect(slot, wake: &wake)
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

    private mutating func deliver(
        _ entry: BroadcastEntry,
        to slot: Int,
        wake: inout [Waiter],
        overflowed: inout [Int]
    ) {
        let limits = (events: configuration.maximumQueuedEvents, bytes: configuration.maximumQueuedBytes)
        let outcome = subscribers[slot].receive(entry, limits: limits)
        switch outcome {
        case .queued(let waiter?):
            wake.append(waiter)
        case .queued(nil), .duplicate:
            break
        case .overflowed:
            overflowed.append(slot)
        }
    }

    /// Ends a subscriber that fell too far behind: its queue is released now, the error is reported
    /// when its consumer asks next.
    private mutating func disconnect(_ slot: Int, wake: inout [Waiter]) {
        removeFromAudiences(slot)
        let generation = subscribers[slot].generation
        if let waiter = subscribers[slot].waiter {
            wake.append(waiter)
        }
        subscribers[slot] = Subscriber()
        subscribers[slot].generation = generation
        subscribers[slot].status = .failed(.subscriberTooSlow)
    }

    // MARK: Time

    /// Sends a heartbeat to every subscriber that was sent nothing since the previous tick, and
    /// drops what has grown too old from the replay log.
    mutating func tick(now: Duration) -> [Waiter] {
        log.evict(now: now)
        var wake: [Waiter] = []
        for slot in subscribers.indices where subscribers[slot].isLive {
            if subscribers[slot].idle && !subscribers[slot].hasSomethingToTake {
                subscribers[slot].queue.append(SSEBroadcaster.heartbeatEntry)
                if let waiter = subscribers[slot].waiter {
                    subscribers[slot].waiter = nil
                    wake.append(waiter)
                }
            }
            subscribers[slot].idle = true
        }
        return wake
    }

    // MARK: Shutting down

    /// Queues `finalEntry` for every subscriber, ends each once it has drained, and refuses new
    /// subscribers.
    mutating func shutDown(finalEntry: BroadcastEntry?) -> [Waiter] {
        guard !isShutDown else {
            return []
        }
        isShutDown = true
        members = [:]
        var wake: [Waiter] = []
        for slot in subscribers.indices {
            guard case .active = subscribers[slot].status else {
                continue
            }
            subscribers[slot].status = .finishing
            subscribers[slot].memberIndices = []
            if let finalEntry {
                subscribers[slot].queue.append(finalEntry)
            }
            if let waiter = subscribers[slot].waiter {
                subscribers[slot].waiter = nil
                wake.append(waiter)
            }
        }
        return wake
    }
}

extension BroadcasterStateMachine.Subscriber {
    enum Receipt {
        case queued(BroadcasterStateMachine.Waiter?)
        case duplicate
        case overflowed
    }

    /// Queues a published entry, applying the overflow policy when the queue is full.
    mutating func receive(_ entry: BroadcastEntry, limits: (events: Int, bytes: Int)) -> Receipt {
        guard lastSequence != entry.sequence else {
            return .duplicate
        }
        lastSequence = entry.sequence
        if !queue.isEmpty && (queue.count >= limits.events || queuedBytes + entry.bytes.count > limits.bytes) {
            guard makeRoom(for: entry, limits: limits) else {
                return .overflowed
            }
        }
        queue.append(entry)
        queuedBytes += entry.bytes.count
        idle = false
        defer { waiter = nil }
        return .queued(waiter)
    }

    /// Frees queue space as the overflow policy says; `false` when the subscriber must go.
    private mutating func makeRoom(for entry: BroadcastEntry, limits: (events: Int, bytes: Int)) -> Bool {
        func fits() -> Bool {
            queue.isEmpty || (queue.count < limits.events && queuedBytes + entry.bytes.count <= limits.bytes)
        }
        if overflowPolicy == .disconnect {
            return false
        }
        if overflowPolicy == .coalesce {
            // Latest wins: keep only the newest queued entry of each key, the incoming one included.
            var newer: Set<String> = entry.coalescingKey.map { [$0] } ?? []
            var kept: [BroadcastEntry] = []
            while let queued = queue.popLast() {
                guard let key = queued.coalescingKey else {
                    kept.append(queued)
                    continue
                }
                if newer.insert(key).inserted {
                    kept.append(queued)
                } else {
                    queuedBytes -= queued.bytes.count
                }
            }
            for queued in kept.reversed() {
                queue.append(queued)
            }
        }
        while !fits() {
            queuedBytes -= queue.popFirst()!.bytes.count
            dropped += 1
        }
        return true
    }
}
