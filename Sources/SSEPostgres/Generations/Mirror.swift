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
import Foundation
import SSECodec
import SSEStreaming
import Synchronization

/// An instance's copy of a generation: the local `Generation` its clients attach to, fed with the
/// generation's events from the events table, in the table's order. Every instance numbers them
/// alike (`<id>:1`, `<id>:2`, …), so a client resumes on any instance with the ID it has; the
/// first end event ends it (a later one, or an event after it, is ignored).
///
/// A new copy reads what the table has after the generation's start, while the events delivered
/// meanwhile wait in a buffer; the table's IDs tell which it has applied, so none is applied
/// twice or skipped.
final class Mirror: Sendable {
    /// The most events that wait while the copy reads the table; past it they are read again.
    static let maximumBuffered = 4_096
    /// The most events read from the table at once.
    static let pageSize = 1_000

    let generation: Generation
    /// The generation's topic, as the table names it (`t:sse-generation:<id>`).
    let audience: String
    /// The topic only its end event has.
    let endAudience: String
    /// The events table's last ID when the generation started.
    let resumeAfter: Int64

    /// Whether the copy can be served.
    enum Outcome: Sendable, Equatable {
        /// Being read from the table.
        case loading
        /// Read, and fed live.
        case loaded
        /// See ``Loaded/incomplete``.
        case incomplete
        /// The table could not be read.
        case failed
    }

    private struct State {
        var applied: Int64
        var outcome = Outcome.loading
        var buffer: [StoredEvent] = []
        var overflowed = false
        var hasEndEvent = false
    }

    private let state: Mutex<State>

    init(generation: Generation, audience: String, endAudience: String, resumeAfter: Int64) {
        self.generation = generation
        self.audience = audience
        self.endAudience = endAudience
        self.resumeAfter = resumeAfter
        state = Mutex(State(applied: resumeAfter))
    }

    /// Whether the table's end event has reached this copy (not only a local end, such as a
    /// shutdown).
    var hasEndEvent: Bool { state.withLock { $0.hasEndEvent } }

    var outcome: Outcome { state.withLock { $0.outcome } }

    /// Gives the copy up (it was not read whole).
    func abandon(_ outcome: Outcome) {
        state.withLock { state in
            state.outcome = outcome
            state.buffer = []
        }
    }

    /// Takes an event delivered live: applied, or kept until the table has been read. Returns
    /// whether it ended the generation.
    func offer(_ event: StoredEvent) -> Bool {
        state.withLock { state in
            guard state.outcome == .loaded else {
                guard state.outcome == .loading else {
                    return false
                }
                if state.buffer.count < Self.maximumBuffered {
                    state.buffer.append(event)
                } else {
                    state.overflowed = true
                }
                return false
            }
            return apply(event, &state)
        }
    }

    /// What ``load(from:)`` found.
    enum Loaded {
        /// Every event since the start: whether the generation has ended by now.
        case complete(ended: Bool)
        /// The table no longer holds the generation's start (its retention deleted events after
        /// it): the generation cannot be shown whole.
        case incomplete
    }

    /// Reads the generation's events from the table, then applies those delivered meanwhile.
    func load(from table: Table) async throws -> Loaded {
        var ended = false
        while true {
            let cursor = state.withLock { $0.applied }
            let (_, prunedThrough, _, events) = try await table.replay(
                after: cursor,
                audiences: [audience],
                limit: Self.pageSize
            )
            guard prunedThrough <= resumeAfter else {
                return .incomplete
            }
            let page = events.prefix(Self.pageSize)
            let done = state.withLock { state -> Bool? in
                guard state.outcome == .loading else {
                    // Given up meanwhile (the wait for it timed out).
                    return nil
                }
                for event in page {
                    ended = apply(event, &state) || ended
                }
                guard events.count <= Self.pageSize else {
                    return false
                }
                guard !state.overflowed else {
                    // Delivered meanwhile, and committed: the table has them all.
                    state.overflowed = false
                    state.buffer = []
                    return false
                }
                for event in state.buffer {
                    ended = apply(event, &state) || ended
                }
                state.buffer = []
                state.outcome = .loaded
                return true
            }
            guard let done else {
                return .incomplete
            }
            if done {
                return .complete(ended: ended)
            }
        }
    }

    /// Applies one event of the table (once, in order): the generation's next event, or its end.
    /// Returns whether this ended the generation.
    private func apply(_ stored: StoredEvent, _ state: inout State) -> Bool {
        guard stored.id > state.applied, !state.hasEndEvent else {
            return false
        }
        state.applied = stored.id
        let wasRunning = !generation.hasEnded
        if stored.audiences.contains(endAudience) {
            state.hasEndEvent = true
            let end = try? JSONDecoder().decode(EndData.self, from: Data(stored.data.utf8))
            generation.end(
                end.flatMap { SSEGenerations.EndReason(named: $0.reason) } ?? .interrupted,
                message: end?.message,
                cancel: true
            )
        } else {
            // Past a limit of this instance's (configured lower than the owner's), it ends here.
            _ = try? generation.publish(ServerSentEvent(type: stored.type, data: stored.data))
        }
        return wasRunning && generation.hasEnded
    }

    /// The data of an end event.
    private struct EndData: Decodable {
        var reason: String
        var message: String?
    }

    /// Waits until the copy holds the client's event `number` (or has ended), or `timeout`.
    func wait(untilHolding number: Int, timeout: Duration) async {
        _ = await pollUntil(timeout: timeout) {
            self.generation.hasEnded || self.generation.status.eventCount >= number
        }
    }
}

/// Waits until `condition` holds, checking with a backoff from 200 µs to 20 ms, or until
/// `timeout`; returns whether it holds.
func pollUntil(timeout: Duration, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    var pause = Duration.microseconds(200)
    while !condition() {
        guard ContinuousClock.now < deadline, (try? await Task.sleep(for: pause)) != nil else {
            return condition()
        }
        pause = min(pause * 2, .milliseconds(20))
    }
    return true
}
#endif
