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

import SSECodec
import Synchronization

/// One generation: its events on a broadcaster of its own (their log is what clients attach to and
/// resume from), its counts against the limits, how it ended, and the task that runs its producer.
///
/// Its lock orders a publish, an end and a subscribe: a client attaching while the generation ends
/// gets every event and the end, never a stream that stays open.
final class Generation: Sendable {
    /// The one topic of the broadcaster.
    static let topic = "generation"
    /// Who every event is for: one array for all of them, which each log entry shares.
    private static let audiences = [Audience.topic(topic)]

    let id: String
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
        var task: Task<Void, Never>?
    }

    private let state = Mutex(State())

    init<C: Clock>(id: String, configuration: SSEGenerations.Configuration, clock: C) where C.Duration == Duration {
        self.id = id
        prefix = id + ":"
        maximumEvents = configuration.maximumEvents
        maximumBytes = configuration.maximumBytes
        var broadcasting = SSEBroadcaster.Configuration()
        broadcasting.idPrefix = prefix
        // The log is the generation: it keeps everything within the generation's own limits (the
        // end event too), for as long as the generation is kept.
        broadcasting.replayOriginID = prefix + "0"
        broadcasting.maximumReplayCount = configuration.maximumEvents + 1
        broadcasting.maximumReplayBytes = configuration.maximumBytes + 4096
        broadcasting.maximumReplayAge = .seconds(1 << 40)
        broadcasting.maximumQueuedEvents = configuration.maximumQueuedEvents
        broadcasting.maximumQueuedBytes = configuration.maximumQueuedBytes
        broadcasting.heartbeat = configuration.heartbeat
        broadcaster = SSEBroadcaster(configuration: broadcasting, clock: clock)
    }

    /// Runs `body` as the generation's task, registered before it can end or be stopped.
    func launch(_ body: @escaping @Sendable () async -> Void) {
        state.withLock { $0.task = Task(operation: body) }
    }

    /// Publishes a producer's event under the next ID. Past a limit, the generation ends
    /// (``SSEGenerations/EndReason/tooLarge``) and its producer is cancelled.
    func publish(_ event: ServerSentEvent) throws(SSEGenerationError) -> String {
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
        // With its ID line: `id: <prefix><up to 20 digits>\n\n`.
        let cost = bytes.count + prefix.utf8.count + 26
        let (id, cancel) = state.withLock { state -> (String?, Task<Void, Never>?) in
            guard state.endReason == nil else {
                return (nil, nil)
            }
            guard state.events < maximumEvents, state.bytes + cost <= maximumBytes else {
                return (nil, end(&state, .tooLarge, message: nil) ? state.task : nil)
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

    /// Ends the generation, unless it has ended: its end event goes out and every stream ends
    /// after it. `cancel`: its producer is cancelled too. Whether this call ended it.
    @discardableResult
    func end(_ reason: SSEGenerations.EndReason, message: String? = nil, cancel: Bool) -> Bool {
        let (ended, task) = state.withLock { state in
            (end(&state, reason, message: message), state.task)
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
        var data = #"{"reason":"\#(reason)""#
        if let message {
            data += #","message":"# + jsonStringLiteral(message)
        }
        data += "}"
        var bytes: [UInt8] = []
        // A type and data of our own, which always encode.
        try? encoder.encode(ServerSentEvent(type: SSEGenerations.endEventType, data: data), into: &bytes)
        bytes.removeLast()
        state.endEventID = broadcaster.publish(encoded: &bytes, to: Self.audiences)
        broadcaster.seal()
        return true
    }

    /// A stream of the generation from after `lastEventID` (an ID of this generation; any other
    /// ID, or none, attaches from the start); `nil` when a client that has the end asks again.
    func subscribe(lastEventID: String?) -> SSEBroadcaster.Subscription? {
        state.withLock { state in
            if let lastEventID, lastEventID == state.endEventID {
                return nil
            }
            let resume = lastEventID.flatMap { $0.hasPrefix(prefix) ? $0 : nil } ?? prefix + "0"
            return broadcaster.subscribe(to: [Self.topic], lastEventID: resume)
        }
    }

    var hasEnded: Bool {
        state.withLock { $0.endReason != nil }
    }

    var status: SSEGenerations.Status {
        state.withLock { SSEGenerations.Status(endReason: $0.endReason, eventCount: $0.events, byteCount: $0.bytes) }
    }

    /// The server is stopping: streams end with `finalEvent`, the producer (or the wait for
    /// the retention's end) is cancelled.
    func shutDown(finalEvent: ServerSentEvent?) {
        state.withLock { state in
            if state.endReason == nil {
                state.endReason = .stopped
            }
        }
        try? broadcaster.shutDown(finalEvent: finalEvent)
        state.withLock { $0.task }?.cancel()
    }
}
