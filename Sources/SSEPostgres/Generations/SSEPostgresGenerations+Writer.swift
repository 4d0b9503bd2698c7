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
import Logging
public import SSECodec
public import SSEStreaming
import Synchronization

extension SSEPostgresGenerations {
    /// What a producer publishes through: each event is written to the database, and reaches
    /// the clients of the generation on every instance.
    ///
    /// Publish one event at a time (await each): their order is the order of the writes.
    public struct Writer: Sendable {
        let generations: SSEPostgresGenerations
        let mirror: Mirror
        let owned: Owned

        /// The generation's ID.
        public var generationID: String { mirror.generation.id }

        /// Publishes an event under the generation's next ID (its own `id` is not used), once the
        /// database has committed it.
        ///
        /// - Parameter event: The event.
        /// - Returns: Its ID, `<generation>:<n>`.
        /// - Throws: `SSEGenerationError.ended` once the generation is over (stopped on any
        ///   instance, past a limit, shut down): the producer should return.
        ///   `SSEGenerationError.unencodable` for an event that cannot be encoded (the
        ///   generation goes on). `SSEGenerationError.unavailable` when the database did not
        ///   confirm it: a write that fails is tried again, with the same idempotency key, for up
        ///   to ``SSEPostgresGenerations/Configuration-swift.struct/timeout`` after its first
        ///   failure, so a database restart is waited out. It may have been written or not, and
        ///   nothing more can be published (a generation with a hole must not look whole); the
        ///   producer should throw, which ends the generation with `failed`.
        @discardableResult
        public func publish(_ event: ServerSentEvent) async throws(SSEGenerationError) -> String {
            guard !mirror.generation.hasEnded else {
                throw .ended
            }
            let id = generationID
            let cost = try Generation.cost(of: event, generationID: id)
            guard let number = try owned.count(cost, within: generations.configuration.limits) else {
                // Past a limit: the producer stops now, and the end is written (again when it
                // returns, if this one does not get through).
                mirror.generation.cancelProducer()
                await generations.end(id, .tooLarge)
                throw .ended
            }
            var event = event
            event.id = nil
            // A database that restarts, or a connection lost, is waited out for up to the timeout
            // after the first failure (which may itself have waited the publish timeout): the same
            // key keeps a write that went through once.
            var deadline: ContinuousClock.Instant?
            var pause = Duration.milliseconds(50)
            var failure: SSEPostgresError?
            repeat {
                do {
                    try await generations.events.publish(
                        event,
                        to: SSEPostgresGenerations.topicPrefix + id,
                        // Of this claim of the ID: keys outlive a generation's row.
                        idempotencyKey: "sse-generation:\(owned.resumeAfter):\(id):\(number)"
                    )
                    return "\(id):\(number)"
                } catch {
                    failure = error
                    let giveUp = deadline ?? ContinuousClock.now + generations.configuration.timeout
                    deadline = giveUp
                    guard error.code == .timedOut || error.code == .writeFailed || error.code == .overloaded,
                        ContinuousClock.now + pause < giveUp, (try? await Task.sleep(for: pause)) != nil
                    else {
                        break
                    }
                    pause = min(pause * 2, .seconds(1))
                }
            } while true
            owned.breakOff()
            generations.logger?.warning(
                "SSE could not publish a generation's event",
                metadata: ["sse.generation": "\(id)", "sse.error": "\(String(reflecting: failure))"]
            )
            throw .unavailable
        }
    }
}

/// What a producer running here has published, against the limits, and an end it has reached.
final class Owned: Sendable {
    /// The events table's last ID when the generation was claimed.
    let resumeAfter: Int64

    private struct State {
        var events = 0
        var bytes = 0
        /// An event the database did not take: nothing more is published.
        var isBroken = false
        var plannedEnd: SSEGenerations.EndReason?
    }

    private let state = Mutex(State())

    init(resumeAfter: Int64) {
        self.resumeAfter = resumeAfter
    }

    /// The end a limit has set (it is written when the producer returns, if not before).
    var plannedEnd: SSEGenerations.EndReason? { state.withLock { $0.plannedEnd } }

    func plan(_ end: SSEGenerations.EndReason) {
        state.withLock { state in
            if state.plannedEnd == nil {
                state.plannedEnd = end
            }
        }
    }

    func breakOff() {
        state.withLock { $0.isBroken = true }
    }

    /// Counts an event of `cost` bytes: its number, or `nil` past a limit (then the end is
    /// `tooLarge`).
    func count(_ cost: Int, within limits: SSEGenerations.Configuration) throws(SSEGenerationError) -> Int? {
        try state.withLock { state throws(SSEGenerationError) -> Int? in
            guard !state.isBroken, state.plannedEnd == nil else {
                throw .ended
            }
            guard state.events < limits.maximumEvents, state.bytes + cost <= limits.maximumBytes else {
                state.plannedEnd = .tooLarge
                return nil
            }
            state.events += 1
            state.bytes += cost
            return state.events
        }
    }
}
#endif
