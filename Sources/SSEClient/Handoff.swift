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
public import SSECodec
import Synchronization

/// Hands what a session decodes to the iterator that reads it, through a bounded buffer: the
/// session goes on reading while the reader is busy, until `limit` bytes of input wait unread; then
/// it waits for the reader, so a slow reader slows the connection down (TCP back pressure) instead
/// of growing a buffer. The reader takes everything waiting at once, so the two meet (and wake
/// each other) once per batch, not once per event.
@usableFromInline
final class Handoff: Sendable {
    /// What the session hands over at once: the events in order, and the other updates (state
    /// changes, comments, dropped events, `retry`) where they fell between them. Events travel
    /// apart from the other updates, so that neither side wraps or unwraps an ``SSEClient/Update``
    /// per event.
    @usableFromInline
    struct Batch: Sendable {
        /// The events, in order: the reader moves each out from the front without a copy, and
        /// their storage goes back to the session for the next batch (``recycle(_:)``).
        @usableFromInline var events: EventQueue
        /// The other updates, in order, each after the first `position` events.
        @usableFromInline var others: [(position: Int, update: SSEClient.Update)] = []

        init(events: EventQueue = EventQueue()) {
            self.events = events
        }

        /// A batch of one update that is not an event.
        init(_ update: SSEClient.Update) {
            self.init()
            others = [(0, update)]
        }

        var isEmpty: Bool { events.isEmpty && others.isEmpty }

        mutating func append(_ event: ServerSentEvent) {
            events.append(event)
        }

        /// Appends an update that is not an event.
        mutating func append(_ update: SSEClient.Update) {
            others.append((events.count, update))
        }

        /// Appends `batch`, moving its events over; returns their emptied storage.
        mutating func append(contentsOf batch: consuming Batch) -> EventQueue {
            let offset = events.count
            others.append(contentsOf: batch.others.lazy.map { ($0.position + offset, $0.update) })
            events.append(movingFrom: &batch.events)
            return batch.events
        }
    }

    /// A batch's events, taken from the front. Each is moved out of its slot (`Optional.take()`
    /// in place), never copied and retained; the storage is kept for the next batch.
    @usableFromInline
    struct EventQueue: Sendable {
        @usableFromInline var slots: ContiguousArray<ServerSentEvent?> = []
        /// The next slot to take.
        @usableFromInline var head = 0

        init(capacity: Int = 0) {
            slots.reserveCapacity(capacity)
        }

        var count: Int { slots.count - head }
        var isEmpty: Bool { head == slots.count }
        var capacity: Int { slots.capacity }

        mutating func append(_ event: ServerSentEvent) {
            slots.append(event)
        }

        /// Moves every event of `other` to the end.
        mutating func append(movingFrom other: inout EventQueue) {
            while let event = other.popFirst() {
                slots.append(event)
            }
        }

        @inlinable
        mutating func popFirst() -> ServerSentEvent? {
            guard head < slots.count else {
                return nil
            }
            head &+= 1
            return slots[head &- 1].take()
        }

        /// Empties it, keeping the storage.
        mutating func removeAll() {
            slots.removeAll(keepingCapacity: true)
            head = 0
        }
    }

    private struct State {
        var items = Batch()
        /// The input bytes the waiting items were decoded from.
        var bytes = 0
        var reader: CheckedContinuation<Result<Batch?, SSEClientError>, Never>?
        var session: CheckedContinuation<Bool, Never>?
        var end: End?
        /// The session's task, cancelled with the hand-off.
        var task: Task<Void, Never>?
        /// Storage for the next batch's events, which the reader gave back empty.
        var spare: EventQueue?
        /// Counts the session's tasks, so that a late cut-off cannot cancel a successor.
        var generation = 0
        /// ``SSEClient/reconnect()`` asked for a reconnection the session has not acted on yet.
        var reconnectRequested = false
        /// The session is connected or waiting to reconnect: a request cancels its task.
        var interruptible = false
    }

    private enum End {
        case finished(SSEClientError?)
        case cancelled
    }

    /// How many input bytes may wait unread before the session waits for the reader.
    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int = 128 * 1024) {
        self.limit = limit
    }

    /// Passes items to the reader; waits only while `limit` bytes are already waiting.
    ///
    /// - Parameters:
    ///   - batch: What was decoded, in order.
    ///   - bytes: How many input bytes it was decoded from.
    /// - Returns: `false` if the reader is gone: the session should stop.
    func send(_ batch: consuming Batch, bytes: Int) async -> Bool {
        enum Next {
            case done(Bool)
            case wait
        }
        // Moved through, never copied: the reader takes the events out of their slots in place,
        // which would copy (and retain) every event of storage that is still shared.
        var pending = Optional(batch)
        let next: Next = state.withLock { state in
            let items = pending.take()!
            if state.end != nil {
                return .done(false)
            }
            if let reader = state.reader {
                state.reader = nil
                reader.resume(returning: .success(items))
                return .done(true)
            }
            if state.items.isEmpty {
                state.items = items
            } else {
                // The reader is busy: the batch joins the waiting one, and its storage is kept
                // for the next.
                var emptied = state.items.append(contentsOf: items)
                Self.keep(&emptied, in: &state)
            }
            state.bytes += bytes
            return state.bytes < limit ? .done(true) : .wait
        }
        guard case .wait = next else {
            if case .done(let open) = next {
                return open
            }
            return false
        }
        // The items are in the buffer already: whatever happens, the reader gets them.
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let resumeNow: Bool? = state.withLock { state in
                    if state.end != nil {
                        return false
                    }
                    if state.bytes < limit {
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
            state.withLock { state in
                state.session?.resume(returning: false)
                state.session = nil
            }
        }
    }

    /// The reader is done with the events of a batch: their storage (empty now) goes back to the
    /// session, unless it grew beyond what a usual batch needs.
    @usableFromInline
    func recycle(_ events: consuming EventQueue) {
        var events = consume events
        state.withLock { state in
            Self.keep(&events, in: &state)
        }
    }

    /// Keeps `events`' storage, emptied, for the next batch: unless some is kept already, the
    /// hand-off ended, or it grew beyond what a usual batch needs.
    private static func keep(_ events: inout EventQueue, in state: inout State) {
        guard state.spare == nil && state.end == nil && events.capacity <= largestSpare else {
            return
        }
        // Emptied while it is the only reference to its storage, which is then kept, not copied.
        events.removeAll()
        state.spare = events
    }

    /// Storage for the next batch's events, if the reader gave some back.
    func spareEvents() -> EventQueue? {
        state.withLock { state in
            defer { state.spare = nil }
            return state.spare
        }
    }

    /// The largest storage kept for the next batch: 1,024 events (48 KiB), enough for a 64 KiB
    /// read of 64-byte events; a burst's larger storage is freed. A quiet stream keeps at most
    /// this much, and a stream that never had events nothing.
    private static let largestSpare = 1024

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
        state.withLock { state in
            if state.generation == generation {
                state.task?.cancel()
            }
        }
    }

    /// Asks the session to reconnect now: its task is cancelled if it is connected or waiting to
    /// reconnect, else the request waits for the session to get there.
    func requestReconnect() {
        state.withLock { state in
            guard state.end == nil else {
                return
            }
            state.reconnectRequested = true
            if state.interruptible {
                state.task?.cancel()
            }
        }
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
        state.withLock { state in
            guard state.end == nil else {
                return
            }
            if let reader = state.reader {
                state.reader = nil
                state.end = .finished(nil)
                reader.resume(returning: error.map { .failure($0) } ?? .success(nil))
            } else {
                state.end = .finished(error)
            }
        }
    }

    /// Everything waiting, or the next items once there are some; `nil` at the end, or once the
    /// reading task is cancelled. Waits on the reader's actor (the continuation and the
    /// cancellation handler inherit `actor`).
    @usableFromInline
    func receive(isolation actor: isolated (any Actor)?) async throws(SSEClientError) -> Batch? {
        let result: Result<Batch?, SSEClientError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now: Result<Batch?, SSEClientError>? = state.withLock { state in
                    if !state.items.isEmpty {
                        let items = state.items
                        state.items = Batch()
                        state.bytes = 0
                        state.session?.resume(returning: true)
                        state.session = nil
                        return .success(items)
                    }
                    switch state.end {
                    case .finished(let error):
                        state.end = .finished(nil)
                        return error.map { .failure($0) } ?? .success(nil)
                    case .cancelled:
                        return .success(nil)
                    case nil:
                        precondition(state.reader == nil, "one reader at a time")
                        state.reader = continuation
                        return nil
                    }
                }
                if let now {
                    continuation.resume(returning: now)
                }
            }
        } onCancel: {
            cancel()
        }
        return try result.get()
    }

    /// The reader is gone: stop the session and wake both sides for good.
    func cancel() {
        state.withLock { state in
            state.task?.cancel()
            state.task = nil
            state.session?.resume(returning: false)
            state.reader?.resume(returning: .success(nil))
            state.session = nil
            state.reader = nil
            state.items = Batch()
            state.spare = nil
            state.end = .cancelled
        }
    }
}
#endif
