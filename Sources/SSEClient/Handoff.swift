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

#if NIOSupport || AsyncHTTPClientSupport
import NIOCore
public import SSECodec
import Synchronization

/// Hands a session's input to the iterator that reads it, through a bounded buffer: the session
/// goes on reading while the reader is busy, until `limit` bytes of input wait undecoded; then it
/// waits for the reader (until half of them are decoded), so a slow reader slows the connection down (TCP back pressure) instead of
/// growing a buffer. The two meet under the lock once per body chunk and once per slice the reader
/// decodes, and wake each other only when one of them waits: never once per event.
///
/// What travels is the body's bytes, not events: the reader decodes them, a slice at a time
/// (``slice``), with the connection's decoder, which it borrows from the hand-off while it decodes
/// a slice. Each event is then made, read and freed on one thread: the allocator's per-thread
/// caches serve it, and no event's memory or reference count moves between cores. (When the
/// session decoded and the reader freed, that cost about 100 ns per event.) When a connection
/// ends, it takes its decoder back (``endInput()``), waiting at most for the slice in progress,
/// and decodes itself what input the reader has not decoded yet: it learns the last event ID and
/// the retry time without waiting for the reader to catch up.
@usableFromInline
final class Handoff: Sendable {
    /// What the session hands over, in order.
    enum Item: Sendable {
        /// A state change, a comment, an event decoded by the session, or another update.
        case update(SSEClient.Update)
        /// Bytes of the body (inflated), for the connection's decoder.
        case input(ByteBuffer)
    }

    /// What the reader decoded from a slice: the events in order, and the other updates
    /// (state changes, comments, dropped events, `retry`) where they fell between them. Events
    /// travel apart from the other updates, so that neither side wraps or unwraps an
    /// ``SSEClient/Update`` per event.
    @usableFromInline
    struct Batch {
        /// The events, in order: the reader moves each out from the front without a copy.
        @usableFromInline var events = EventQueue()
        /// The other updates, in order, each after the first `position` events.
        @usableFromInline var others: [(position: Int, update: SSEClient.Update)] = []
        /// The next of `others` to take.
        @usableFromInline var nextOther = 0
        /// How many events were taken by ``popUpdate()``.
        @usableFromInline var eventsTaken = 0

        init() {}

        mutating func append(_ event: consuming ServerSentEvent) {
            events.append(event)
        }

        /// Appends an update: an event joins the events, any other the other updates.
        mutating func append(_ update: consuming SSEClient.Update) {
            if case .event(let event) = update {
                events.append(event)
            } else {
                others.append((events.count, update))
            }
        }

        /// Empties it for the next slice, keeping the storage unless a burst of updates grew it
        /// beyond what a slice needs.
        mutating func removeAll() {
            if events.capacity > Self.largestKept {
                events = EventQueue()
            } else {
                events.removeAll()
            }
            // Rare between events, and what a quiet stream keeps: not kept.
            others.removeAll()
            nextOther = 0
            eventsTaken = 0
        }

        /// The next update, events and others in the order they came; `nil` once all are taken.
        @inlinable
        mutating func popUpdate() -> SSEClient.Update? {
            if nextOther < others.count && others[nextOther].position == eventsTaken {
                nextOther &+= 1
                return others[nextOther &- 1].update
            }
            guard let event = events.popFirst() else {
                return nil
            }
            eventsTaken &+= 1
            return .event(event)
        }

        /// Its updates in order, events and others, as items.
        mutating func takeItems() -> [Item] {
            var items: [Item] = []
            items.reserveCapacity(events.count + others.count)
            while let update = popUpdate() {
                items.append(.update(update))
            }
            removeAll()
            return items
        }

        /// The most events (and other updates) whose storage is kept for the next slice: twice a
        /// slice. A larger burst's storage, such as the events a connection decoded at its end,
        /// is freed.
        static let largestKept = 2 * Handoff.slice
    }

    /// A batch's events, taken from the front. Each is moved out of its slot (`Optional.take()`
    /// in place), never copied and retained. The slots stay when it is emptied, and the next
    /// batch's events are moved into them: nothing is destroyed slot by slot, and nothing is
    /// allocated while the batches are no larger.
    @usableFromInline
    struct EventQueue {
        @usableFromInline var slots: ContiguousArray<ServerSentEvent?> = []
        /// The next slot to take.
        @usableFromInline var head = 0
        /// The slot after the last event.
        @usableFromInline var tail = 0

        init() {}

        var count: Int { tail - head }
        var isEmpty: Bool { head == tail }
        var capacity: Int { slots.capacity }

        mutating func append(_ event: consuming ServerSentEvent) {
            if tail < slots.count {
                slots[tail] = consume event
            } else {
                slots.append(consume event)
            }
            tail &+= 1
        }

        @inlinable
        mutating func popFirst() -> ServerSentEvent? {
            guard head < tail else {
                return nil
            }
            head &+= 1
            return slots[head &- 1].take()
        }

        /// Empties it, keeping the slots: only the events not taken are destroyed.
        mutating func removeAll() {
            while head < tail {
                slots[head] = nil
                head &+= 1
            }
            head = 0
            tail = 0
        }
    }

    /// How ``send(input:)`` went.
    enum Sent: Equatable {
        /// The reader has it, or will.
        case taken
        /// The decoder met an oversized event that ends the session: stop reading the body, and
        /// end the input.
        case rejected
        /// The reader is gone: the session should stop.
        case gone
    }

    /// A connection's decoder, lent to the reader and taken back by reference: the decoder's
    /// state is large, and is not copied on every slice.
    private final class DecoderBox: @unchecked Sendable {
        // Used by one side at a time: the one that took it out of the state, under the lock.
        var stream: SSEClient.StreamDecoder

        init(_ stream: SSEClient.StreamDecoder) {
            self.stream = stream
        }
    }

    private struct State {
        /// What waits for the reader, in order. The reader decodes input from the front a slice
        /// at a time, and removes each input once decoded.
        var items: [Item] = []
        /// The input bytes that wait undecoded.
        var bytes = 0
        /// The reader waits for items.
        var reader: CheckedContinuation<Void, Never>?
        var session: CheckedContinuation<Bool, Never>?
        /// The streaming connection's decoder, while the reader does not hold it.
        var decoder: DecoderBox?
        /// The reader holds the decoder, decoding a slice of the first input.
        var decoderLent = false
        /// The connection waits for the decoder, with the items the reader has not taken yet.
        var endOfInput: CheckedContinuation<(DecoderBox, [Item])?, Never>?
        /// The decoder failed under ``SSEClient/OversizedEventPolicy/fail``: input is refused.
        var inputRejected = false
        var end: End?
        /// The session's task, cancelled with the hand-off.
        var task: Task<Void, Never>?
        /// Counts the session's tasks, so that a late cut-off cannot cancel a successor.
        var generation = 0
        /// ``SSEClient/reconnect()`` asked for a reconnection the session has not acted on yet.
        var reconnectRequested = false
        /// The session is connected or waiting to reconnect: a request cancels its task.
        var interruptible = false

        /// Takes every waiting item, for the connection's end of input.
        mutating func takeItems() -> [Item] {
            defer {
                items = []
                bytes = 0
            }
            return items
        }
    }

    private enum End {
        case finished(SSEClientError?)
        case cancelled
    }

    /// What a refill found.
    private enum Refill {
        /// The batch has what came next (possibly nothing, when a slice of input held only part
        /// of an event): read it, then refill again.
        case filled
        /// Nothing waits yet.
        case empty
        /// Nothing waits, and nothing will: the end, with its error if any.
        case ended(SSEClientError?)
    }

    /// How many input bytes may wait undecoded before the session waits for the reader; it reads
    /// on once half of them are decoded. With 128 KiB, resuming as soon as the bytes were under
    /// it, the session waited (and was woken) after nearly every 64 KiB read of a fast stream,
    /// 4,700 times per 3.7 M events, and the reader waited for it 1,500 times: 6.4–8.4 M events/s.
    /// With 256 KiB and half of it, those waits were about 1,100 and 100: 9.2–9.5 M. (512 KiB read
    /// 9.6–10.1 M, for twice the memory a slow reader holds up.)
    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int = 256 * 1024) {
        self.limit = limit
    }

    /// The most outputs (events and other updates) the reader decodes at once. A slice bounds
    /// how many decoded events wait in the reader's batch and how long the connection's end of
    /// input may wait for the decoder; each costs two turns of the lock. On 64-byte events,
    /// slices of 64 to 1,024 read the same within the machine's noise (8.2–9.9 M events/s in one
    /// run); 16 per slice read about a tenth less.
    static let slice = 256

    /// Passes an update to the reader; waits only if `limit` bytes of input are waiting. Returns
    /// `false` if the reader is gone: the session should stop.
    func send(_ update: SSEClient.Update) async -> Bool {
        await send(.update(update), bytes: 0) == .taken
    }

    /// Passes bytes of the body to the reader, which decodes them with the decoder of
    /// ``begin(_:)``; waits only if `limit` bytes of input are waiting, until half are decoded.
    func send(input: ByteBuffer) async -> Sent {
        await send(.input(input), bytes: input.readableBytes)
    }

    private func send(_ item: Item, bytes: Int) async -> Sent {
        let (sent, reader, wait): (Sent, CheckedContinuation<Void, Never>?, Bool) = state.withLock { state in
            if state.end != nil {
                return (.gone, nil, false)
            }
            if state.inputRejected && item.isInput {
                return (.rejected, nil, false)
            }
            state.items.append(item)
            state.bytes += bytes
            return (.taken, state.reader.take(), state.bytes >= limit)
        }
        // Resumed outside the lock: waking the reader's thread takes a while.
        reader?.resume()
        guard wait else {
            return sent
        }
        // The item is in the buffer already: whatever happens, the reader gets it.
        let open = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let resumeNow: Bool? = state.withLock { state in
                    // Cancelled before this wait began, its cancellation handler found nothing to end.
                    if state.end != nil || Task.isCancelled {
                        return false
                    }
                    if state.bytes <= limit / 2 {
                        return true
                    }
                    state.session = continuation
                    return nil
                }
                if let resumeNow {
                    continuation.resume(returning: resumeNow)
                }
            }
        } onCancel: {
            // Only this wait ends: the connection's task may be cancelled by the idle watchdog,
            // and the session goes on.
            let session = state.withLock { $0.session.take() }
            session?.resume(returning: false)
        }
        return open ? .taken : .gone
    }

    /// A connection opened: `decoder` decodes its input, until ``endInput()``.
    func begin(_ decoder: SSEClient.StreamDecoder) {
        state.withLock { state in
            guard state.end == nil else {
                return
            }
            precondition(state.decoder == nil && !state.decoderLent, "one connection at a time")
            state.decoder = DecoderBox(decoder)
            state.inputRejected = false
        }
    }

    /// The connection's input is over: takes its decoder back, once the reader is not decoding
    /// with it, and decodes the input the reader has not decoded yet, whose updates go to the
    /// reader in its place. `nil` if the reader is gone, or no connection began.
    func endInput() async -> SSEClient.StreamDecoder? {
        // Not cancellable: the reader gives the decoder back as soon as it has decoded the slice
        // it took, whatever the reading task does next.
        let taken = await withCheckedContinuation {
            (continuation: CheckedContinuation<(DecoderBox, [Item])?, Never>) in
            let now: (DecoderBox, [Item])?? = state.withLock { state in
                if state.end != nil {
                    return .some(nil)
                }
                if state.decoderLent {
                    state.endOfInput = continuation
                    return nil
                }
                guard let decoder = state.decoder.take() else {
                    return .some(nil)
                }
                return (decoder, state.takeItems())
            }
            if let now {
                continuation.resume(returning: now)
            }
        }
        guard let (box, items) = taken else {
            return nil
        }
        var decoder = box.stream
        guard items.contains(where: \.isInput) else {
            deposit(items)
            return decoder
        }
        var batch = Batch()
        for item in items {
            switch item {
            case .update(let update):
                batch.append(update)
            case .input(var bytes):
                decoder.decode(&bytes, into: &batch)
            }
        }
        deposit(batch.takeItems())
        return decoder
    }

    /// Puts `items`, taken out by ``endInput()``, back in front of any that came since.
    private func deposit(_ items: [Item]) {
        guard !items.isEmpty else {
            return
        }
        let reader: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard state.end == nil else {
                return nil
            }
            state.items.insert(contentsOf: items, at: 0)
            return state.reader.take()
        }
        reader?.resume()
    }

    /// Starts the session's task (or, after the idle watchdog cancelled it, its successor),
    /// which ``cancel()`` cancels.
    func start(_ session: @escaping @Sendable () async -> Void) {
        state.withLock { state in
            guard state.end == nil else {
                return
            }
            state.generation += 1
            state.task = Task { await session() }
        }
    }

    /// Which of the session's tasks is running: call from that task.
    var generation: Int {
        state.withLock { $0.generation }
    }

    /// Cancels the session's task `generation`, for the idle watchdog (the session goes on in a
    /// new one); nothing if a successor runs already.
    func cancelTask(generation: Int) {
        let task = state.withLock { state in
            state.generation == generation ? state.task : nil
        }
        // Cancelled outside the lock: cancelling runs the task's cancellation handlers at once,
        // on this thread, and theirs take the lock.
        task?.cancel()
    }

    /// Asks the session to reconnect now: its task is cancelled if it is connected or waiting to
    /// reconnect, else the request waits for the session to get there.
    func requestReconnect() {
        let task: Task<Void, Never>? = state.withLock { state in
            guard state.end == nil else {
                return nil
            }
            state.reconnectRequested = true
            return state.interruptible ? state.task : nil
        }
        // Outside the lock, as in ``cancelTask(generation:)``.
        task?.cancel()
    }

    /// The session is about to send a request or to wait before reconnecting, which a
    /// reconnection request cuts short. Returns `true`, without starting, if a request is pending
    /// already (it is taken): make the request again, or reconnect without the wait.
    func beginInterruptible() -> Bool {
        state.withLock { state in
            if state.reconnectRequested {
                state.reconnectRequested = false
                return true
            }
            state.interruptible = true
            return false
        }
    }

    /// The attempt or the wait is over. Returns whether a reconnection was requested during it
    /// (it is taken): the session's task was then cancelled, and the session goes on in a new one.
    func leaveInterruptible() -> Bool {
        state.withLock { state in
            state.interruptible = false
            defer { state.reconnectRequested = false }
            return state.reconnectRequested
        }
    }

    /// Ends the session: the reader gets `nil`, or `error`, once it has taken every item.
    func finish(_ error: SSEClientError?) {
        let reader: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard state.end == nil else {
                return nil
            }
            state.end = .finished(error)
            return state.reader.take()
        }
        reader?.resume()
    }

    /// Replaces `batch` with what comes next: updates, and events decoded from a slice of input,
    /// once there are some; `false` at the end, or once the reading task is cancelled. Waits on
    /// the reader's actor (the continuation and the cancellation handler inherit `actor`), and
    /// decodes there.
    @usableFromInline
    func receive(into batch: inout Batch, isolation actor: isolated (any Actor)?) async throws(SSEClientError) -> Bool {
        batch.removeAll()
        while true {
            switch refill(into: &batch) {
            case .filled:
                return true
            case .ended(let error):
                if let error {
                    throw error
                }
                return false
            case .empty:
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let waits = state.withLock { state in
                            guard state.items.isEmpty && state.end == nil else {
                                return false
                            }
                            precondition(state.reader == nil, "one reader at a time")
                            state.reader = continuation
                            return true
                        }
                        if !waits {
                            continuation.resume()
                        }
                    }
                } onCancel: {
                    cancel()
                }
            }
        }
    }

    /// Moves the updates at the front into `batch`, then decodes a slice of the input after
    /// them, if any, with the connection's decoder: under the lock only to take the input and
    /// the decoder, and to give them back.
    private func refill(into batch: inout Batch) -> Refill {
        enum Found {
            case input(ByteBuffer, DecoderBox)
            case done(Refill)
        }
        let found: Found = state.withLock { state in
            var updates = 0
            while updates < state.items.count, case .update(let update) = state.items[updates] {
                batch.append(update)
                updates += 1
            }
            if updates > 0 {
                if updates == state.items.count {
                    // Freed rather than kept: a quiet stream holds no storage for them.
                    state.items = []
                } else {
                    state.items.removeFirst(updates)
                }
                return .done(.filled)
            }
            guard let first = state.items.first else {
                switch state.end {
                case .finished(let error):
                    state.end = .finished(nil)
                    return .done(.ended(error))
                case .cancelled:
                    return .done(.ended(nil))
                case nil:
                    return .done(.empty)
                }
            }
            guard case .input(let input) = first, let decoder = state.decoder.take() else {
                preconditionFailure("input comes between begin(_:) and endInput()")
            }
            state.decoderLent = true
            return .input(input, decoder)
        }
        guard case .input(var input, let decoder) = found else {
            if case .done(let refill) = found {
                return refill
            }
            return .empty
        }
        let before = input.readableBytes
        decoder.stream.decode(&input, into: &batch, maximumOutputs: Self.slice)
        let consumed = before - input.readableBytes
        let failed = decoder.stream.failure != nil
        typealias Handover = (CheckedContinuation<(DecoderBox, [Item])?, Never>, [Item])
        let (session, handover): (CheckedContinuation<Bool, Never>?, Handover?) = state.withLock { state in
            guard state.end == nil else {
                return (nil, nil)
            }
            state.decoderLent = false
            state.bytes -= consumed
            if input.readableBytes == 0 {
                if state.items.count == 1 {
                    state.items = []
                } else {
                    state.items.removeFirst()
                }
            } else {
                state.items[0] = .input(input)
            }
            if failed {
                // The rest of the connection's input is ignored.
                state.inputRejected = true
                state.items.removeAll { $0.isInput }
                state.bytes = 0
            }
            // Woken once half the limit is left, not as soon as a slice is decoded: the session
            // then reads a few chunks before it waits again, not one.
            let session = state.bytes <= limit / 2 ? state.session.take() : nil
            guard let endOfInput = state.endOfInput.take() else {
                state.decoder = decoder
                return (session, nil)
            }
            return (session, (endOfInput, state.takeItems()))
        }
        session?.resume(returning: true)
        if let (endOfInput, items) = handover {
            endOfInput.resume(returning: (decoder, items))
        }
        return .filled
    }

    /// Whether the session waits for the reader to decode (for the tests).
    var sessionWaits: Bool {
        state.withLock { $0.session != nil }
    }

    /// The reader is gone: stop the session and wake both sides for good.
    func cancel() {
        let (task, session, reader, endOfInput) = state.withLock { state in
            state.items = []
            state.decoder = nil
            state.end = .cancelled
            return (state.task.take(), state.session.take(), state.reader.take(), state.endOfInput.take())
        }
        // Outside the lock, as in ``cancelTask(generation:)``.
        task?.cancel()
        session?.resume(returning: false)
        reader?.resume()
        endOfInput?.resume(returning: nil)
    }
}

extension Handoff.Item {
    var isInput: Bool {
        if case .input = self {
            return true
        }
        return false
    }
}
#endif
