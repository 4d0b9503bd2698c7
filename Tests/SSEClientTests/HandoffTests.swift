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

#if AsyncHTTPClientSupport
import NIOCore
import SSECodec
import Testing

@testable import SSEClient

/// The hand-off between a session and its reader, in process (an extra to the tests against real
/// servers, which drive it end to end).
@Suite("Handoff: the reader decodes the input, in order with every other update")
struct HandoffTests {
    private static func event(_ data: String, id: String? = nil) -> ServerSentEvent {
        ServerSentEvent(data: data, id: id)
    }

    private static func decoder(
        maximumEventSize: Int = 1024,
        skipsOversizedEvents: Bool = true
    ) -> SSEClient.StreamDecoder {
        SSEClient.StreamDecoder(
            decoder: SSEDecoder(configuration: .init(maximumEventSize: maximumEventSize, reportsComments: true)),
            skipsOversizedEvents: skipsOversizedEvents,
            logger: nil
        )
    }

    private static func input(_ text: String) -> ByteBuffer {
        ByteBuffer(string: text)
    }

    /// The next `count` updates, in the order ``SSEClient/updates`` reads them, refilling the batch
    /// as the reader does.
    private static func receive(_ count: Int, from handoff: Handoff) async throws -> [SSEClient.Update] {
        var batch = Handoff.Batch()
        var updates: [SSEClient.Update] = []
        while updates.count < count, try await handoff.receive(into: &batch, isolation: nil) {
            updates += Self.updates(of: &batch)
        }
        return updates
    }

    /// Everything in `batch`, in the order ``SSEClient/updates`` reads it.
    private static func updates(of batch: inout Handoff.Batch) -> [SSEClient.Update] {
        var updates: [SSEClient.Update] = []
        var eventsRead = 0
        var nextOther = 0
        while true {
            if nextOther < batch.others.count && batch.others[nextOther].position == eventsRead {
                updates.append(batch.others[nextOther].update)
                nextOther += 1
            } else if let event = batch.events.popFirst() {
                updates.append(.event(event))
                eventsRead += 1
            } else {
                return updates
            }
        }
    }

    @Test("Input and updates sent while the reader is busy are decoded in the order they came")
    func inputAndUpdatesKeepOrder() async throws {
        let handoff = Handoff()
        #expect(await handoff.send(.state(.connecting)))
        handoff.begin(Self.decoder())
        // An event split across two inputs, a comment and a retry between events.
        #expect(await handoff.send(input: Self.input("data: a\n\n: between\ndata: b")) == .taken)
        #expect(await handoff.send(input: Self.input("\n\nretry: 5\nid: 7\ndata: c\n\n")) == .taken)

        #expect(
            try await Self.receive(6, from: handoff) == [
                .state(.connecting), .event(Self.event("a")), .comment("between"), .event(Self.event("b")),
                .retry(milliseconds: 5), .event(Self.event("c", id: "7")),
            ]
        )
        let decoder = try #require(await handoff.endInput())
        #expect(decoder.decoder.lastEventID == "7")
        #expect(decoder.retryMilliseconds == 5)
        #expect(decoder.deliveredEvents)
    }

    @Test("The end of the input decodes what the reader has not taken, ahead of later updates")
    func endOfInputDecodesTheRest() async throws {
        let handoff = Handoff()
        handoff.begin(Self.decoder())
        #expect(await handoff.send(.state(.connecting)))
        #expect(await handoff.send(input: Self.input("id: 1\ndata: a\n\nid: 2\ndata: b\n\ndata: cut")) == .taken)
        // The connection knows the last event ID before the reader read anything.
        let decoder = try #require(await handoff.endInput())
        #expect(decoder.decoder.lastEventID == "2")
        #expect(await handoff.send(.state(.closed(.endOfStream))))
        handoff.finish(nil)

        #expect(
            try await Self.receive(.max, from: handoff) == [
                .state(.connecting), .event(Self.event("a", id: "1")), .event(Self.event("b", id: "2")),
                .state(.closed(.endOfStream)),
            ]
        )
    }

    @Test("The end of the input takes over an input the reader has decoded only in part")
    func endOfInputAfterAPartlyDecodedInput() async throws {
        let handoff = Handoff()
        handoff.begin(Self.decoder())
        let count = Handoff.slice * 2 + 5
        let text = (0..<count).map { "id: \($0)\ndata: \($0)\n\n" }.joined()
        #expect(await handoff.send(input: Self.input(text)) == .taken)
        // The reader decodes a slice of it, then the connection ends.
        let first = try await Self.receive(1, from: handoff)
        #expect(first.count == Handoff.slice)
        let decoder = try #require(await handoff.endInput())
        #expect(decoder.decoder.lastEventID == "\(count - 1)")
        #expect(await handoff.send(.state(.closed(.endOfStream))))
        handoff.finish(nil)
        let rest = try await Self.receive(.max, from: handoff)
        #expect(
            first + rest == (0..<count).map { .event(Self.event("\($0)", id: "\($0)")) } + [
                .state(.closed(.endOfStream))
            ]
        )
    }

    @Test("The session waits while the limit's bytes wait undecoded, until the reader decodes them")
    func backPressure() async throws {
        let handoff = Handoff(limit: 64)
        handoff.begin(Self.decoder())
        let text = (0..<10).map { "data: \($0)\n\n" }.joined()
        let sender = Task { await handoff.send(input: Self.input(text)) }
        // The send waits: 100 bytes are over the limit. Reading them ends the wait.
        let updates = try await Self.receive(10, from: handoff)
        #expect(updates == (0..<10).map { .event(Self.event("\($0)")) })
        #expect(await sender.value == .taken)
    }

    @Test("An oversized event under the fail policy keeps the events before it and refuses the rest")
    func oversizedEventRejectsInput() async throws {
        let handoff = Handoff()
        handoff.begin(Self.decoder(maximumEventSize: 16, skipsOversizedEvents: false))
        let oversized = String(repeating: "x", count: 200)
        #expect(await handoff.send(input: Self.input("data: a\n\ndata: \(oversized)\n\ndata: b\n\n")) == .taken)
        #expect(try await Self.receive(1, from: handoff) == [.event(Self.event("a"))])
        #expect(await handoff.send(input: Self.input("data: c\n\n")) == .rejected)
        let decoder = try #require(await handoff.endInput())
        #expect(decoder.failure == .decoding(.eventTooLarge))
    }

    @Test("Under the skip policy an oversized event is dropped where it was")
    func oversizedEventIsDropped() async throws {
        let handoff = Handoff()
        handoff.begin(Self.decoder(maximumEventSize: 16))
        let oversized = String(repeating: "x", count: 200)
        #expect(await handoff.send(input: Self.input("data: a\n\ndata: \(oversized)\n\ndata: b\n\n")) == .taken)
        #expect(
            try await Self.receive(3, from: handoff) == [
                .event(Self.event("a")), .dropped(.decoding(.eventTooLarge)), .event(Self.event("b")),
            ]
        )
        let decoder = try #require(await handoff.endInput())
        #expect(decoder.failure == nil)
    }

    /// What cuts a session's task off while it waits for the reader.
    enum Interruption: String, CaseIterable, CustomTestStringConvertible {
        case readerGone = "the reader is gone"
        case reconnectRequested = "a reconnection is requested"
        case idleCutOff = "the idle watchdog cuts it off"

        var testDescription: String { rawValue }
    }

    @Test(
        "A session that waits for the reader to decode is cut off at once, without a deadlock",
        arguments: Interruption.allCases
    )
    func interruptedWhileWaitingForTheReader(_ interruption: Interruption) async throws {
        let handoff = Handoff(limit: 16)
        handoff.begin(Self.decoder())
        let (sends, sent) = AsyncStream<Handoff.Sent>.makeStream()
        handoff.start {
            // Connected: a reconnection request cancels the task.
            _ = handoff.beginInterruptible()
            // 90 bytes, over the limit: the send waits until the reader decodes them.
            sent.yield(await handoff.send(input: Self.input(String(repeating: "data: x\n\n", count: 10))))
            sent.finish()
        }
        while !handoff.sessionWaits {
            try await Task.sleep(for: .milliseconds(1))
        }
        // Each cancels the session's task, whose cancellation handler takes the hand-off's lock.
        switch interruption {
        case .readerGone:
            handoff.cancel()
        case .reconnectRequested:
            handoff.requestReconnect()
        case .idleCutOff:
            handoff.cancelTask(generation: handoff.generation)
        }
        var results = sends.makeAsyncIterator()
        #expect(await results.next() == .gone)
        handoff.cancel()
    }

    @Test("A reader that is gone ends the session's sends and its end of input")
    func cancelledHandoff() async {
        let handoff = Handoff()
        handoff.begin(Self.decoder())
        handoff.cancel()
        #expect(await handoff.send(.state(.connecting)) == false)
        #expect(await handoff.send(input: Self.input("data: late\n\n")) == .gone)
        #expect(await handoff.endInput() == nil)
    }
}
#endif
