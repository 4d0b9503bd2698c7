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

package import SSECodec
import Synchronization

/// One generation: its events on a broadcaster of its own (their log is what clients attach to and
/// resume from), its counts against the limits, how it ended, the task that runs its producer, and
/// the one that keeps it for its retention.
///
/// Its lock orders a publish, an end and a subscribe: a client attaching while the generation ends
/// gets every event and the end, never a stream that stays open.
package final class Generation: Sendable {
    /// The one topic of the broadcaster.
    static let topic = "generation"
    /// Who every event is for: one array for all of them, which each log entry shares.
    private static let audiences = [Audience.topic(topic)]

    package let id: String
    let broadcaster: SSEBroadcaster
    /// What every event ID starts with: `<id>:`.
    private let prefix: String
    private let maximumEvents: Int
    private let maximumBytes: Int
    private let encoder = SSEEncoder()

    private struct State {
        var endReason: SSEGenerations.EndReason?
        var endEventID: String?
        var events = 0
        var bytes = 0
        /// The producer: what a stop, a limit or a shutdown cancels.
        var producer: Task<Void, any Error>?
        /// What runs the generation and then waits out its retention: what an eviction or a
        /// shutdown cancels.
        var keeper: Task<Void, Never>?
        /// Evicted, expired or shut down without a final event: a client gets nothing (`204`).
        var isDiscarded = false
    }

    private let state = Mutex(State())

    package init<C: Clock>(
        id: String,
        configuration: SSEGenerations.Configuration,
        clock: C
    ) where C.Duration == Duration {
        self.id = id
        prefix = id + ":"
        maximumEvents = configuration.maximumEvents
        maximumBytes = configuration.maximumBytes
        var broadcasting = SSEBroadcaster.Configuration()
        broadcasting.idPrefix = prefix
        // The log is the generation: it keeps everything within the generation's own limits (the
        // end event too), for as long as the generation is kept.
        broadcasting.replayOriginID = prefix + "0"
        // Saturating: `Int.max` means no limit.
        broadcasting.maximumReplayCount = configuration.maximumEvents == .max ? .max : configuration.maximumEvents + 1
        broadcasting.maximumReplayBytes =
            configuration.maximumBytes > .max - Self.endEventRoom
            ? .max : configuration.maximumBytes + Self.endEventRoom
        broadcasting.maximumReplayAge = .seconds(1 << 40)
        broadcasting.maximumQueuedEvents = configuration.maximumQueuedEvents
        broadcasting.maximumQueuedBytes = configuration.maximumQueuedBytes
        broadcasting.heartbeat = configuration.heartbeat
        broadcaster = SSEBroadcaster(configuration: broadcasting, clock: clock)
    }

    /// The most an end event takes: its failure message is cut to fit.
    static let endEventRoom = 4096

    /// Runs `body` as the generation's keeper task, registered before anything can cancel it.
    package func launch(_ body: @escaping @Sendable () async -> Void) {
        state.withLock { $0.keeper = Task(operation: body) }
    }

    /// Runs the producer in a task of its own, unless the generation has ended already (a stop
    /// came first); returns it.
    package func startProducer(_ body: @escaping @Sendable () async throws -> Void) -> Task<Void, any Error>? {
        state.withLock { state in
            guard state.endReason == nil else {
                return nil
            }
            let task = Task(operation: body)
            state.producer = task
            return task
        }
    }

    /// Cancels the producer's task, if it runs, without ending the generation (its end comes
    /// from elsewhere: a database, across instances).
    package func cancelProducer() {
        state.withLock { $0.producer }?.cancel()
    }

    /// Publishes a producer's event under the next ID. Past a limit, the generation ends
    /// (``SSEGenerations/EndReason/tooLarge``) and its producer is cancelled.
    package func publish(_ event: ServerSentEvent) throws(SSEGenerationError) -> String {
        var event = event
        event.id = nil
        var bytes: [UInt8] = []
        bytes.reserveCapacity(event.data.utf8.count + event.type.utf8.count + prefix.utf8.count + 64)
        do {
            try encoder.encode(event, into: &bytes)
        } catch {
            throw .unencodable
        }
        bytes.removeLast()
        let cost = Self.cost(encodedCount: bytes.count, prefix: prefix)
        let (id, cancel) = state.withLock { state -> (String?, Task<Void, any Error>?) in
            guard state.endReason == nil else {
                return (nil, nil)
            }
            guard state.events < maximumEvents, state.bytes + cost <= maximumBytes else {
                return (nil, end(&state, .tooLarge, message: nil) ? state.producer : nil)
            }
            state.events += 1
            state.bytes += cost
            return (broadcaster.publish(encoded: &bytes, to: Self.audiences), nil)
        }
        cancel?.cancel()
        guard let id else {
            throw .ended
        }
        return id
    }

    /// What an event (encoded in `encodedCount` bytes, without its final blank line) counts
    /// against the generation's byte limit: with its ID line, `id: <prefix><up to 20 digits>\n\n`.
    private static func cost(encodedCount: Int, prefix: String) -> Int {
        encodedCount + prefix.utf8.count + 26
    }

    /// What `event` counts against the byte limit of the generation `id`, as its ``publish(_:)``
    /// counts it: an instance that publishes elsewhere (into a database) keeps the same count.
    package static func cost(of event: ServerSentEvent, generationID id: String) throws(SSEGenerationError) -> Int {
        var event = event
        event.id = nil
        var bytes: [UInt8] = []
        do {
            try SSEEncoder().encode(event, into: &bytes)
        } catch {
            throw .unencodable
        }
        return cost(encodedCount: bytes.count - 1, prefix: id + ":")
    }

    /// Ends the generation, unless it has ended: its end event goes out and every stream ends
    /// after it. `cancel`: its producer is cancelled too. Whether this call ended it.
    @discardableResult
    package func end(_ reason: SSEGenerations.EndReason, message: String? = nil, cancel: Bool) -> Bool {
        let (ended, task) = state.withLock { state in
            (end(&state, reason, message: message), state.producer)
        }
        if ended, cancel {
            task?.cancel()
        }
        return ended
    }

    private func end(_ state: inout State, _ reason: SSEGenerations.EndReason, message: String?) -> Bool {
        guard state.endReason == nil else {
            return false
        }
        state.endReason = reason
        var bytes: [UInt8] = []
        // A type and data of our own, which always encode.
        try? encoder.encode(Self.endEvent(reason, message: message), into: &bytes)
        bytes.removeLast()
        state.endEventID = broadcaster.publish(encoded: &bytes, to: Self.audiences)
        broadcaster.seal()
        return true
    }

    /// The end event of a generation that ended for `reason`: data `{"reason":…}`, with
    /// `"message"` (cut to 1,000 characters, to fit the room kept for the end in the log, so that
    /// it never pushes the first event out).
    package static func endEvent(_ reason: SSEGenerations.EndReason, message: String?) -> ServerSentEvent {
        var data = #"{"reason":"\#(reason)""#
        if let message {
            data += #","message":"# + jsonStringLiteral(String(message.prefix(1_000)))
        }
        data += "}"
        return ServerSentEvent(type: SSEGenerations.endEventType, data: data)
    }

    /// A stream of the generation from after `lastEventID` (an ID of this generation; any other
    /// ID, or none, attaches from the start); `nil` when a client that has the end asks again.
    package func subscribe(lastEventID: String?) -> SSEBroadcaster.Subscription? {
        state.withLock { state in
            if state.isDiscarded {
                return nil
            }
            if let lastEventID, lastEventID == state.endEventID {
                return nil
            }
            let resume = lastEventID.flatMap { isOwn($0) ? $0 : nil } ?? prefix + "0"
            return broadcaster.subscribe(to: [Self.topic], lastEventID: resume)
        }
    }

    /// Whether `eventID` is one of this generation's (`<id>:<digits>`; not `<id>:x:3`, another's).
    private func isOwn(_ eventID: String) -> Bool {
        SSEGenerations.generationID(of: eventID) == id
    }

    package var hasEnded: Bool {
        state.withLock { $0.endReason != nil }
    }

    package var status: SSEGenerations.Status {
        state.withLock { SSEGenerations.Status(endReason: $0.endReason, eventCount: $0.events, byteCount: $0.bytes) }
    }

    /// The server is stopping (or the generation is dropped, `finalEvent` `nil`): streams end
    /// with `finalEvent`, the producer and the wait for the retention's end are cancelled; a
    /// client that comes later gets `finalEvent` alone, or nothing (`204`) without one.
    package func shutDown(finalEvent: ServerSentEvent?) {
        let (producer, keeper) = state.withLock { state in
            if state.endReason == nil {
                state.endReason = .stopped
            }
            state.isDiscarded = finalEvent == nil
            return (state.producer, state.keeper)
        }
        try? broadcaster.shutDown(finalEvent: finalEvent)
        producer?.cancel()
        keeper?.cancel()
    }
}
