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
import Testing

@Suite("Decoding async sequences")
struct ServerSentEventSequenceTests {
    private static let stream = Array(
        """
        \u{FEFF}retry: 1500\r
        : welcome\r
        \r
        id: 1\r
        event: start\r
        data: {"total":2}\r
        \r
        id: 2\r
        event: chunk\r
        data: caf\u{E9} e\u{301}\r
        data: line two\r
        \r
        id\r
        \r
        data: [DONE]\r
        \r
        data: after the sentinel\r
        \r

        """.utf8
    )

    private static let expected = [
        EventBytes("start", #"{"total":2}"#, id: "1"),
        EventBytes("chunk", "caf\u{E9} e\u{301}\nline two", id: "2"),
        EventBytes("message", "[DONE]"),
        EventBytes("message", "after the sentinel"),
    ]

    private static func collect(_ sequence: some AsyncSequence<ServerSentEvent, any Error>) async throws -> [EventBytes]
    {
        var events: [EventBytes] = []
        for try await event in sequence {
            events.append(EventBytes(event.type, event.data, id: event.id))
        }
        return events
    }

    @Test(
        "Chunks of any size, split anywhere, decode to the same events",
        arguments: [[1], [2, 3], [7], [64], [4096], [1, 5, 2, 17]]
    )
    func chunkSizesDoNotMatter(sizes: [Int]) async throws {
        let source = ChunkSource(chunks: chunks(of: Self.stream, sizes: sizes))
        #expect(try await Self.collect(source.serverSentEvents()) == Self.expected)
    }

    @Test("ArraySlice chunks and chunks without contiguous storage decode too")
    func otherChunkTypes() async throws {
        let slices = ChunkSource(chunks: chunks(of: Self.stream, sizes: [9]).map { $0[...] })
        #expect(try await Self.collect(slices.serverSentEvents()) == Self.expected)
        let lists = ChunkSource(chunks: chunks(of: Self.stream, sizes: [9]).map(ByteList.init))
        #expect(try await Self.collect(lists.serverSentEvents()) == Self.expected)
    }

    @Test("No chunk is read before the previous one's events are consumed")
    func noReadAhead() async throws {
        let source = ChunkSource(chunks: [
            Array("data: one\n\ndata: two\n\n".utf8), Array("data: three\n\n".utf8), Array("data: four\n\n".utf8),
        ])
        var iterator = source.serverSentEvents().makeAsyncIterator()
        #expect(try await iterator.next()?.data == "one")
        #expect(source.pulled == 1)
        #expect(try await iterator.next()?.data == "two")
        #expect(source.pulled == 1)
        #expect(try await iterator.next()?.data == "three")
        #expect(source.pulled == 2)
    }

    @Test("The outputs variant reports retry, comments and last-event-ID commits")
    func outputsCarrySignals() async throws {
        let source = ChunkSource(chunks: chunks(of: Self.stream, sizes: [5]))
        var outputs: [SSEDecoder.Output] = []
        for try await output in source.serverSentEventOutputs(configuration: .init(reportsComments: true)) {
            outputs.append(output)
        }
        #expect(outputs.first == .retry(milliseconds: 1500))
        #expect(outputs.contains(.comment("welcome")))
        #expect(outputs.contains(.lastEventID(nil)))
        #expect(outputs.count == 7)
    }

    @Test("An oversized line throws, and the same iterator continues with the next event")
    func decodingErrorIsRecoverable() async throws {
        let source = ChunkSource(chunks: [Array("data: 0123456789abcdef\n\ndata: ok\n\n".utf8)])
        var iterator = source.serverSentEvents(configuration: .init(maximumLineLength: 10)).makeAsyncIterator()
        await #expect(throws: SSEDecodingError.lineTooLong) {
            _ = try await iterator.next()
        }
        #expect(try await iterator.next()?.data == "ok")
        #expect(try await iterator.next() == nil)
    }

    @Test("An error of the byte source reaches the consumer")
    func sourceErrorsPropagate() async throws {
        struct Disconnected: Error {}
        let (body, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        continuation.yield(Array("data: before\n\ndata: cut".utf8))
        continuation.finish(throwing: Disconnected())
        var iterator = body.serverSentEvents().makeAsyncIterator()
        #expect(try await iterator.next()?.data == "before")
        await #expect(throws: Disconnected.self) {
            _ = try await iterator.next()
        }
    }

    @Test("An event cut off by the end of the body is discarded; the last event ID is kept")
    func incompleteEventAtEndIsDiscarded() async throws {
        let source = ChunkSource(chunks: [Array("id: 7\ndata: complete\n\nid: 8\ndata: cut".utf8)])
        var iterator = source.serverSentEvents().makeAsyncIterator()
        #expect(try await iterator.next()?.data == "complete")
        #expect(try await iterator.next() == nil)
        #expect(iterator.lastEventID == "7")
        #expect(try await iterator.next() == nil)
    }

    @Test("A resumed stream starts from the given last event ID")
    func resumeFromLastEventID() async throws {
        let source = ChunkSource(chunks: [Array("data: next\n\n".utf8)])
        #expect(
            try await Self.collect(source.serverSentEvents(lastEventID: "41")) == [
                EventBytes("message", "next", id: "41")
            ]
        )
    }

    @Test("prefix(untilData:) ends at the sentinel, which is not delivered, and reads no further")
    func sentinelEndsTheStream() async throws {
        let source = ChunkSource(chunks: chunks(of: Self.stream, sizes: [1]))
        let events = try await Self.collect(source.serverSentEvents().prefix(untilData: "[DONE]"))
        #expect(events == Array(Self.expected.prefix(2)))
        // One byte per chunk: the sentinel is dispatched by the CR of its blank line, so not even
        // the LF after it is read.
        let sentinelEnd = Self.stream.count - Array("data: after the sentinel\r\n\r\n".utf8).count
        #expect(source.pulled == sentinelEnd - 1)
    }

    @Test("Cancelling the consuming task ends the iteration of an endless stream")
    func cancellationEndsIteration() async throws {
        let (body, continuation) = AsyncStream<[UInt8]>.makeStream()
        let (received, receivedContinuation) = AsyncStream<Void>.makeStream()
        continuation.yield(Array("data: first\n\n".utf8))
        let consumer = Task {
            var count = 0
            for try await _ in body.serverSentEvents() {
                count += 1
                receivedContinuation.yield()
            }
            return count
        }
        // Cancelled once the first event is in, while the consumer waits for more.
        var signals = received.makeAsyncIterator()
        _ = await signals.next()
        consumer.cancel()
        #expect(try await consumer.value == 1)
        continuation.finish()
    }
}
