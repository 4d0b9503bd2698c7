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
import SSEStreaming
import Synchronization
import Testing

@Suite("Encoding async sequences with heartbeats")
struct ServerSentEventEncodingSequenceTests {
    private static let events = [
        ServerSentEvent(type: "start", data: "{}", id: "1"),
        ServerSentEvent(data: "two\nlines", id: "2"),
        ServerSentEvent(data: ""),
    ]

    /// Runs the encoding sequence in a task of its own and hands its chunks to the test.
    private static func consume<Base: AsyncSequence & Sendable, C: Clock<Duration>>(
        _ body: ServerSentEventEncodingSequence<Base, C>
    ) -> (chunks: AsyncThrowingStream<[UInt8], any Error>, task: Task<Void, Never>) {
        let (chunks, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let task = Task {
            do {
                for try await chunk in body {
                    continuation.yield(chunk)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        return (chunks, task)
    }

    private static func text(_ chunk: [UInt8]?) -> String? {
        chunk.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("Without a heartbeat: one chunk per event, exactly the encoder's bytes", arguments: [false, true])
    func oneChunkPerEvent(withHeartbeat: Bool) async throws {
        let source = ChunkSource(chunks: Self.events)
        let encoder = SSEEncoder()
        var chunks: [[UInt8]] = []
        for try await chunk in source.encodedServerSentEvents(heartbeat: withHeartbeat ? .seconds(15) : nil) {
            chunks.append(chunk)
        }
        #expect(chunks == (try Self.events.map { try encoder.encode($0) }))
    }

    @Test("A heartbeat comment is sent when the events are idle, and events are never held back")
    func heartbeatWhenIdle() async throws {
        let clock = ManualClock()
        let (events, source) = AsyncStream<ServerSentEvent>.makeStream()
        let (chunks, task) = Self.consume(events.encodedServerSentEvents(heartbeat: .seconds(15), clock: clock))
        var received = chunks.makeAsyncIterator()

        source.yield(ServerSentEvent(data: "first"))
        #expect(Self.text(try await received.next()) == "data: first\n\n")

        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .seconds(14))
        source.yield(ServerSentEvent(data: "in time"))
        #expect(Self.text(try await received.next()) == "data: in time\n\n")

        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .seconds(15))
        #expect(Self.text(try await received.next()) == ":\n")
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .seconds(15))
        #expect(Self.text(try await received.next()) == ":\n")

        source.yield(ServerSentEvent(data: "after the silence"))
        #expect(Self.text(try await received.next()) == "data: after the silence\n\n")
        source.finish()
        #expect(try await received.next() == nil)
        await task.value
    }

    @Test("The end and the error of the event source reach the consumer")
    func sourceErrorReachesConsumer() async throws {
        struct Upstream: Error {}
        let (events, source) = AsyncThrowingStream<ServerSentEvent, any Error>.makeStream()
        source.yield(ServerSentEvent(data: "x"))
        source.finish(throwing: Upstream())
        var iterator = events.encodedServerSentEvents(heartbeat: .seconds(15)).makeAsyncIterator()
        #expect(Self.text(try await iterator.next()) == "data: x\n\n")
        await #expect(throws: Upstream.self) {
            _ = try await iterator.next()
        }
        #expect(try await iterator.next() == nil)
    }

    @Test("An event that cannot be encoded throws an encoding error")
    func encodingErrorIsThrown() async throws {
        let source = ChunkSource(chunks: [ServerSentEvent(type: "bad\ntype", data: "x")])
        var iterator = source.encodedServerSentEvents().makeAsyncIterator()
        await #expect(throws: SSEEncodingError.lineBreakInEventType) {
            _ = try await iterator.next()
        }
    }

    @Test("Dropping the iterator stops the pump and cancels the source's pending read")
    func droppingIteratorCancelsSource() async throws {
        final class Flag: Sendable {
            let value = Atomic<Bool>(false)
            var isSet: Bool { value.load(ordering: .relaxed) }
        }
        let terminated = Flag()
        let (events, source) = AsyncStream<ServerSentEvent>.makeStream()
        source.onTermination = { _ in terminated.value.store(true, ordering: .relaxed) }
        let clock = ManualClock()
        do {
            var iterator = events.encodedServerSentEvents(heartbeat: .seconds(1), clock: clock).makeAsyncIterator()
            let consumer = Task {
                #expect(await clock.waitForSleepers(1))
                clock.advance(by: .seconds(1))
            }
            #expect(Self.text(try await iterator.next()) == ":\n")
            await consumer.value
        }
        #expect(await eventually { terminated.isSet })
    }

    @Test("Cancelling the consuming task ends the sequence")
    func cancellingConsumerEndsSequence() async throws {
        let (events, _) = AsyncStream<ServerSentEvent>.makeStream()
        let clock = ManualClock()
        let body = events.encodedServerSentEvents(heartbeat: .seconds(15), clock: clock)
        let consumer = Task {
            var count = 0
            for try await _ in body {
                count += 1
            }
            return count
        }
        #expect(await clock.waitForSleepers(1))
        consumer.cancel()
        #expect(try await consumer.value == 0)
    }
}
