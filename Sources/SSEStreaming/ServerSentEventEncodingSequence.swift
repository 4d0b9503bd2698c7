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

public import SSECodec
import Synchronization

/// An async sequence of byte chunks, one per event, encoding a sequence of events for a response
/// body, with heartbeat comments while the events are idle.
///
/// ```swift
/// let body = events.encodedServerSentEvents(heartbeat: .seconds(15))
/// for try await chunk in body {
///     try await writer.write(chunk)   // and flush: one chunk is one event
/// }
/// ```
///
/// A heartbeat (a comment line, `:\n`) is sent whenever no event has come for `heartbeat`, so
/// proxies and idle timers keep the connection open; it never delays an event. Events are pulled
/// from the base sequence one at a time, only when the consumer asks for the next chunk.
///
/// An event that cannot be encoded (a line break in its type or ID) throws
/// `SSEEncodingError`.
public struct ServerSentEventEncodingSequence<Base: AsyncSequence & Sendable, C: Clock>: AsyncSequence, Sendable
where Base.Element == ServerSentEvent, C.Duration == Duration {
    public typealias Element = [UInt8]

    @usableFromInline let base: Base
    @usableFromInline let heartbeat: Duration?
    @usableFromInline let clock: C

    @inlinable
    init(base: Base, heartbeat: Duration?, clock: C) {
        precondition(heartbeat.map { $0 > .zero } ?? true, "the heartbeat interval must be positive")
        self.base = base
        self.heartbeat = heartbeat
        self.clock = clock
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base, heartbeat: heartbeat, clock: clock)
    }

    /// The iterator of ``ServerSentEventEncodingSequence``.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private let encoder = SSEEncoder()
        private let heartbeat: Duration?
        private let clock: C
        /// Without a heartbeat: the base iterator, pulled directly.
        private var direct: Base.AsyncIterator?
        /// With a heartbeat: the task that pulls the base iterator on demand.
        private let pump: PumpOwner?

        init(base: Base, heartbeat: Duration?, clock: C) {
            self.heartbeat = heartbeat
            self.clock = clock
            if let heartbeat {
                direct = nil
                pump = PumpOwner(base: base, heartbeat: heartbeat, clock: clock)
            } else {
                direct = base.makeAsyncIterator()
                pump = nil
            }
        }

        public mutating func next() async throws -> [UInt8]? {
            guard let owner = pump, let heartbeat else {
                guard let event = try await direct?.next() else {
                    direct = nil
                    return nil
                }
                return try encoder.encode(event)
            }
            let pump = owner.pump
            while true {
                if let delivery = pump.take() {
                    switch delivery {
                    case .event(let event):
                        pump.postpone(until: clock.now.advanced(by: heartbeat))
                        return try encoder.encode(event)
                    case .finished:
                        return nil
                    case .failed(let error):
                        throw error
                    }
                }
                if Task.isCancelled {
                    owner.cancel()
                    return nil
                }
                pump.request()
                if await pump.waitForDeliveryOrHeartbeat() == .heartbeat {
                    return SSEEncoder.heartbeat
                }
            }
        }
    }
}

extension ServerSentEventEncodingSequence {
    /// Owns the pump task and the heartbeat timer: only the iterator holds it, so dropping the
    /// iterator cancels both (and with them the base sequence's pending `next()`).
    final class PumpOwner: Sendable {
        let pump: Pump
        private let pumpTask: Task<Void, Never>
        private let timerTask: Task<Void, Never>

        init(base: Base, heartbeat: Duration, clock: C) {
            let pump = Pump(deadline: clock.now.advanced(by: heartbeat))
            self.pump = pump
            pumpTask = Task {
                var iterator = base.makeAsyncIterator()
                while await pump.waitForRequest() {
                    let delivery: Pump.Delivery
                    do {
                        delivery = try await iterator.next().map(Pump.Delivery.event) ?? .finished
                    } catch {
                        delivery = .failed(error)
                    }
                    pump.deliver(delivery)
                    guard case .event = delivery else {
                        return
                    }
                }
                pump.deliver(.finished)
            }
            // One timer for the whole sequence, woken at most once per interval: it sleeps until
            // the deadline it saw, and when the deadline has moved on meanwhile (an event went
            // out), it sleeps again until the new one. No timer is set up per event.
            timerTask = Task {
                while true {
                    do {
                        try await clock.sleep(until: pump.deadline, tolerance: nil)
                    } catch {
                        return
                    }
                    let now = clock.now
                    pump.deadlineReached(now: now, next: now.advanced(by: heartbeat))
                }
            }
        }

        func cancel() {
            pumpTask.cancel()
            timerTask.cancel()
        }

        deinit {
            cancel()
        }
    }

    /// The state shared by the iterator, the pump task (which pulls the base sequence one event
    /// per request) and the heartbeat timer, so that waiting for an event can end with a heartbeat
    /// without losing the event.
    final class Pump: Sendable {
        enum Delivery: Sendable {
            case event(ServerSentEvent)
            case finished
            case failed(any Error)
        }

        enum Wake: Sendable {
            case delivery
            case heartbeat
        }

        private struct State {
            var requested = false
            var delivery: Delivery?
            var requestWaiter: CheckedContinuation<Void, Never>?
            /// The consumer, waiting for a delivery or a heartbeat.
            var consumer: CheckedContinuation<Wake, Never>?
            /// When a heartbeat is due if nothing goes out before.
            var deadline: C.Instant
        }

        private let state: Mutex<State>

        init(deadline: C.Instant) {
            state = Mutex(State(deadline: deadline))
        }

        var deadline: C.Instant { state.withLock { $0.deadline } }

        /// Takes what the base sequence delivered, if anything. The end stays, so that later calls
        /// end too; an error is reported once, then the sequence has ended.
        func take() -> Delivery? {
            state.withLock { state in
                guard let delivery = state.delivery else {
                    return nil
                }
                switch delivery {
                case .event:
                    state.delivery = nil
                case .failed:
                    state.delivery = .finished
                case .finished:
                    break
                }
                return delivery
            }
        }

        /// Moves the heartbeat deadline: something just went out.
        func postpone(until deadline: C.Instant) {
            state.withLock { $0.deadline = deadline }
        }

        /// Asks for the next event, unless one is already asked for or delivered.
        func request() {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard !state.requested && state.delivery == nil else {
                    return nil
                }
                state.requested = true
                defer { state.requestWaiter = nil }
                return state.requestWaiter
            }
            waiter?.resume()
        }

        /// The pump side: waits until the consumer asks for an event; `false` once cancelled.
        func waitForRequest() async -> Bool {
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    // Checked under the lock: a cancellation that came before the waiter was
                    // registered found nothing to resume.
                    let ready = state.withLock { state -> Bool in
                        if state.requested || Task.isCancelled {
                            return true
                        }
                        state.requestWaiter = continuation
                        return false
                    }
                    if ready {
                        continuation.resume()
                    }
                }
                return !Task.isCancelled
            } onCancel: {
                let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    defer { state.requestWaiter = nil }
                    return state.requestWaiter
                }
                waiter?.resume()
            }
        }

        /// The pump side: hands over an event, the end, or an error. Once the end or an error is
        /// there, later deliveries (the end after cancellation) change nothing.
        func deliver(_ delivery: Delivery) {
            let consumer = state.withLock { state in
                state.requested = false
                switch state.delivery {
                case .finished?, .failed?:
                    break
                case .event?, nil:
                    state.delivery = delivery
                }
                defer { state.consumer = nil }
                return state.consumer
            }
            consumer?.resume(returning: .delivery)
        }

        /// The timer side: the deadline it slept until has passed. If it has not moved meanwhile,
        /// a waiting consumer is sent a heartbeat (a busy one needs none); either way the next
        /// deadline is `next`.
        func deadlineReached(now: C.Instant, next: C.Instant) {
            let consumer = state.withLock { state -> CheckedContinuation<Wake, Never>? in
                guard state.deadline <= now else {
                    return nil
                }
                state.deadline = next
                guard state.delivery == nil else {
                    return nil
                }
                defer { state.consumer = nil }
                return state.consumer
            }
            consumer?.resume(returning: .heartbeat)
        }

        /// The consumer side: returns when something is delivered or a heartbeat is due, or at once
        /// (as a delivery, to be looked at) when cancelled.
        func waitForDeliveryOrHeartbeat() async -> Wake {
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let ready = state.withLock { state -> Bool in
                        if state.delivery != nil || Task.isCancelled {
                            return true
                        }
                        state.consumer = continuation
                        return false
                    }
                    if ready {
                        continuation.resume(returning: .delivery)
                    }
                }
            } onCancel: {
                let consumer = state.withLock { state -> CheckedContinuation<Wake, Never>? in
                    defer { state.consumer = nil }
                    return state.consumer
                }
                consumer?.resume(returning: .delivery)
            }
        }
    }
}

@available(*, unavailable)
extension ServerSentEventEncodingSequence.AsyncIterator: Sendable {}

extension AsyncSequence where Self: Sendable, Element == ServerSentEvent {
    /// Encodes these events as a `text/event-stream` body: one chunk per event, so that a server
    /// can flush after each, and a heartbeat comment whenever no event has come for `heartbeat`.
    ///
    /// - Parameters:
    ///   - heartbeat: How long the stream may stay silent before a heartbeat comment is sent; `nil`
    ///     for none. Defaults to 15 seconds.
    ///   - clock: The clock that measures the silence.
    /// - Returns: The encoded stream.
    @inlinable
    public func encodedServerSentEvents<C: Clock>(
        heartbeat: Duration? = .seconds(15),
        clock: C
    ) -> ServerSentEventEncodingSequence<Self, C> where C.Duration == Duration {
        ServerSentEventEncodingSequence(base: self, heartbeat: heartbeat, clock: clock)
    }

    /// Encodes these events as a `text/event-stream` body, with heartbeats measured by the
    /// continuous clock. See ``encodedServerSentEvents(heartbeat:clock:)``.
    @inlinable
    public func encodedServerSentEvents(
        heartbeat: Duration? = .seconds(15)
    ) -> ServerSentEventEncodingSequence<Self, ContinuousClock> {
        ServerSentEventEncodingSequence(base: self, heartbeat: heartbeat, clock: ContinuousClock())
    }
}
