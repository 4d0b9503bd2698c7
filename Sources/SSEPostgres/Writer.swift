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

#if PostgresSupport
import NIOCore
import Synchronization

/// Writes published events, in batches: while one write is on its way to the database, the
/// publishes that come meanwhile wait, and go together in the next one (one statement, one
/// commit, one notification). A publish waits at most the publish timeout, and at most
/// `maximumPendingEvents` wait. One timer serves every waiting publish (their deadlines come in
/// the order they came): a publish costs no task and no timer of its own. It runs whenever a
/// publish waits, whether or not the broadcaster runs.
final class Writer: Sendable {
    /// An event to write, as the table keeps it.
    struct Pending: Sendable {
        var audiences: String
        var type: String
        var data: String
        var key: String
        /// The publish's trace context, written down (see `SSEBroadcaster.TracingHooks`); empty:
        /// none (the broadcaster is not traced).
        var trace: String = ""
        /// A publish with an idempotency key is written alone, in a transaction of its own that
        /// looks the key up first.
        var idempotencyKey: String? = nil
    }

    private typealias Continuation = CheckedContinuation<Result<StoredID, SSEPostgresError>, Never>

    private struct State {
        var queue: [(number: UInt64, pending: Pending)] = []
        /// The publishers waiting, by number: whoever removes one resumes it.
        var waiting: [UInt64: Continuation] = [:]
        /// When each publish times out, in the order they came (so, of their deadlines); the
        /// ones before `expired` are done with.
        var deadlines: [(number: UInt64, deadline: ContinuousClock.Instant)] = []
        var expired = 0
        /// A task times out what waits (see `expire()`).
        var sweeping = false
        var next: UInt64 = 0
        var wake: CheckedContinuation<Void, Never>?
        var closed = false

        /// The first deadline of a publish still waiting, forgetting the ones before it.
        mutating func firstDeadline() -> (number: UInt64, deadline: ContinuousClock.Instant)? {
            while expired < deadlines.count, waiting[deadlines[expired].number] == nil {
                expired += 1
            }
            if expired > 1024 && expired * 2 > deadlines.count {
                deadlines.removeFirst(expired)
                expired = 0
            }
            return expired < deadlines.count ? deadlines[expired] : nil
        }
    }

    private let table: Table
    private let progress: Progress
    private let timeout: Duration
    private let maximumPending: Int
    private let maximumBatch: Int
    private let state = Mutex(State())

    init(table: Table, progress: Progress, configuration: SSEPostgresBroadcaster.Configuration) {
        self.table = table
        self.progress = progress
        timeout = configuration.publishTimeout
        maximumPending = configuration.maximumPendingEvents
        maximumBatch = configuration.maximumBatchCount
    }

    /// Writes `pending`; returns its ID once committed.
    func write(_ pending: Pending) async throws(SSEPostgresError) -> StoredID {
        let result = await withCheckedContinuation { (continuation: Continuation) in
            let outcome: (refused: SSEPostgresError?, wake: CheckedContinuation<Void, Never>?, sweep: Bool) =
                state.withLock { state in
                    if state.closed {
                        return (SSEPostgresError(.notRunning), nil, false)
                    }
                    if state.queue.count >= maximumPending {
                        return (SSEPostgresError(.overloaded), nil, false)
                    }
                    state.next += 1
                    state.queue.append((state.next, pending))
                    state.waiting[state.next] = continuation
                    // Forgets the deadlines of the publishes done before it (the oldest finish
                    // first), so that the list stays about as long as the waiting ones.
                    _ = state.firstDeadline()
                    state.deadlines.append((state.next, .now + timeout))
                    let wake = state.wake
                    state.wake = nil
                    defer { state.sweeping = true }
                    return (nil, wake, !state.sweeping)
                }
            if let refused = outcome.refused {
                continuation.resume(returning: .failure(refused))
            }
            outcome.wake?.resume()
            if outcome.sweep {
                Task { await self.expire() }
            }
        }
        return try result.get()
    }

    /// Answers `timedOut` to every publish whose deadline passed, queued or being written; sleeps
    /// until the next deadline, and ends once no publish waits (the next one starts it again).
    private func expire() async {
        while true {
            let now = ContinuousClock.now
            let due = state.withLock { state -> (expired: [Continuation], next: ContinuousClock.Instant?) in
                var expired: [Continuation] = []
                while let first = state.firstDeadline(), first.deadline <= now {
                    if let index = state.queue.firstIndex(where: { $0.number == first.number }) {
                        state.queue.remove(at: index)
                    }
                    if let continuation = state.waiting.removeValue(forKey: first.number) {
                        expired.append(continuation)
                    }
                }
                let next = state.firstDeadline()?.deadline
                if next == nil {
                    state.sweeping = false
                }
                return (expired, next)
            }
            for continuation in due.expired {
                continuation.resume(returning: .failure(SSEPostgresError(.timedOut)))
            }
            guard let next = due.next else {
                return
            }
            try? await Task.sleep(until: next)
        }
    }

    /// Resumes publisher `number` with `result`, if it still waits.
    private func finish(_ number: UInt64, _ result: Result<StoredID, SSEPostgresError>) {
        let continuation = state.withLock { state in
            state.waiting.removeValue(forKey: number)
        }
        continuation?.resume(returning: result)
    }

    /// The broadcaster stopped: every waiting publish fails, and new ones at once.
    func close() {
        let waiting = state.withLock { state in
            state.closed = true
            state.queue = []
            state.deadlines = []
            state.expired = 0
            defer { state.waiting = [:] }
            return state.waiting
        }
        for continuation in waiting.values {
            continuation.resume(returning: .failure(SSEPostgresError(.notRunning)))
        }
    }

    /// Writes batches until cancelled.
    func run() async {
        while let batch = await nextBatch() {
            await write(batch)
        }
    }

    private func nextBatch() async -> [(number: UInt64, pending: Pending)]? {
        while !Task.isCancelled {
            let batch = state.withLock { state -> [(number: UInt64, pending: Pending)] in
                // A keyed publish goes alone; the ones before it go without it.
                let keyed = state.queue.prefix(maximumBatch).firstIndex { $0.pending.idempotencyKey != nil }
                let count = keyed.map { $0 == 0 ? 1 : $0 } ?? min(state.queue.count, maximumBatch)
                defer { state.queue.removeFirst(count) }
                return Array(state.queue.prefix(count))
            }
            if !batch.isEmpty {
                return batch
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { state -> Bool in
                        if !state.queue.isEmpty || Task.isCancelled {
                            return true
                        }
                        state.wake = continuation
                        return false
                    }
                    if now {
                        continuation.resume()
                    }
                }
            } onCancel: {
                state.withLock { state in
                    defer { state.wake = nil }
                    return state.wake
                }?.resume()
            }
        }
        return nil
    }

    private func write(_ batch: [(number: UInt64, pending: Pending)]) async {
        let events = batch.map(\.pending)
        let table = self.table
        if batch.count == 1, let key = batch[0].pending.idempotencyKey {
            finish(
                batch[0].number,
                await racing(timeout) { try await table.write(events[0], idempotencyKey: key) }
            )
            return
        }
        let result = await racing(timeout) { try await table.write(events) }
        for (offset, entry) in batch.enumerated() {
            finish(
                entry.number,
                result.map { StoredID(epoch: $0.epoch, number: $0.number - Int64(batch.count - 1 - offset)) }
            )
        }
    }
}

/// Runs `body`, but answers `timedOut` after `timeout` without waiting for it to give up: a
/// write stuck on a connection that is gone must not hold back the next one.
func racing<Value: Sendable>(
    _ timeout: Duration,
    _ body: @escaping @Sendable () async throws -> Value
) async -> Result<Value, SSEPostgresError> {
    await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, SSEPostgresError>, Never>) in
        let once = Mutex<CheckedContinuation<Result<Value, SSEPostgresError>, Never>?>(continuation)
        let resume = { @Sendable (result: Result<Value, SSEPostgresError>) in
            once.withLock { pending in
                defer { pending = nil }
                return pending
            }?.resume(returning: result)
        }
        let running = Mutex<Task<Void, Never>?>(nil)
        let timer = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else {
                return
            }
            resume(.failure(SSEPostgresError(.timedOut)))
            running.withLock { $0 }?.cancel()
        }
        let task = Task {
            defer { timer.cancel() }
            do {
                resume(.success(try await body()))
            } catch let error as SSEPostgresError {
                resume(.failure(error))
            } catch {
                resume(.failure(SSEPostgresError(.writeFailed, underlying: error)))
            }
        }
        running.withLock { $0 = task }
    }
}
#endif
