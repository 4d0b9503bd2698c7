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
import Testing

@Suite("Decoder: limits and recovery")
struct DecoderLimitTests {
    private static let small = SSEDecoder.Configuration(maximumLineLength: 16, maximumEventSize: 20)

    @Test("A data line over the limit is an error; its event is dropped and the next one decodes")
    func dataLineTooLong() {
        let input = "data: ok\n\nid: 9\ndata: 0123456789abcdef\ndata: more\n\ndata: next\n\n"
        #expect(
            decodeEveryWay(input, configuration: Self.small)
                == [.event("ok"), .error(.lineTooLong), .event("next")]
        )
    }

    @Test("The id of a dropped event is not committed: a client must not resume after it")
    func droppedEventDoesNotCommitID() {
        let input = "id: 1\ndata: a\n\nid: 2\ndata: 0123456789abcdef\n\ndata: b\n\n"
        #expect(
            decodeEveryWay(input, configuration: Self.small)
                == [.event("a", id: "1"), .error(.lineTooLong), .event("b", id: "1")]
        )
    }

    @Test("An overlong comment or unknown field drops only that line")
    func overlongCommentDropsOnlyTheLine() {
        let input = "data: a\n: 0123456789abcdefgh\nunknown-field-name-too-long\ndata: b\n\n"
        #expect(
            decodeEveryWay(input, configuration: Self.small)
                == [.error(.lineTooLong), .error(.lineTooLong), .event("a\nb")]
        )
    }

    @Test("Event data over the limit is an error; the event is dropped and the stream continues")
    func eventTooLarge() {
        let input = "data: 0123456789\ndata: 0123456789\ndata: x\n\ndata: after\n\n"
        #expect(
            decodeEveryWay(input, configuration: Self.small)
                == [.error(.eventTooLarge), .event("after")]
        )
    }

    @Test("The joining LF counts toward the event size")
    func joiningLineFeedCounts() {
        let configuration = SSEDecoder.Configuration(maximumLineLength: 100, maximumEventSize: 4)
        #expect(decodeEveryWay("data: ab\ndata: c\n\n", configuration: configuration) == [.event("ab\nc")])
        #expect(decodeEveryWay("data: abc\ndata: d\n\n", configuration: configuration) == [.error(.eventTooLarge)])
        #expect(decodeEveryWay("data: ab\ndata: \n\n", configuration: configuration) == [.event("ab\n")])
        #expect(
            decodeEveryWay("data: abcd\ndata\n\ndata: z\n\n", configuration: configuration) == [
                .error(.eventTooLarge), .event("z"),
            ]
        )
    }

    @Test("A limit exactly reached is accepted")
    func limitExactlyReached() {
        let configuration = SSEDecoder.Configuration(maximumLineLength: 10, maximumEventSize: 4)
        #expect(decodeEveryWay("data: abcd\n\n", configuration: configuration) == [.event("abcd")])
        #expect(decodeEveryWay("data:abcde\n\n", configuration: configuration) == [.error(.eventTooLarge)])
        // Both limits crossed by the same byte: the line limit is reported.
        #expect(decodeEveryWay("data: abcde\n\n", configuration: configuration) == [.error(.lineTooLong)])
        #expect(decodeEveryWay("id: 1234567\n\n", configuration: configuration) == [.error(.lineTooLong)])
        #expect(decodeEveryWay("id: 123456\n\n", configuration: configuration) == [.lastEventID("123456")])
    }

    @Test(
        "Tiny limits: a field name over the limit drops only its line, a colon over it the event too",
        arguments: [2, 3, 4, 5, 6] as [Int]
    )
    func tinyLineLimits(maximumLineLength: Int) {
        // Found by the fuzzer: recognising "data:" in one load must decide as the byte path does.
        let configuration = SSEDecoder.Configuration(maximumLineLength: maximumLineLength, maximumEventSize: 0)
        let input = "data: 0123456789abcdef\ndata: x\n\n:comment that is long\nid: 1\nevent: e\ndata: y\n\n"
        let outputs = decodeEveryWay(input, configuration: configuration)
        #expect(!outputs.isEmpty)
        #expect(outputs.allSatisfy { if case .error = $0 { true } else { false } })
    }

    @Test("A value dropped at the limit leaves nothing behind for the next field")
    func droppedValueLeavesNothingBehind() {
        // Found by the fuzzer: the start of an overlong comment, split across reads, became a later
        // empty id's value.
        let configuration = SSEDecoder.Configuration(maximumLineLength: 2, reportsComments: true)
        #expect(
            decodeEveryWay(":ven\nid\n\nid: 7\n\n", configuration: configuration)
                == [.error(.lineTooLong), .error(.lineTooLong)]
        )
        let wider = SSEDecoder.Configuration(maximumLineLength: 6, reportsComments: true)
        #expect(
            decodeEveryWay("event: toolong\nevent\ndata: x\n\n", configuration: wider)
                == [.error(.lineTooLong)]
        )
        #expect(
            decodeEveryWay(": a long comment\nid\ndata\n\n", configuration: wider) == [
                .error(.lineTooLong), .event(""),
            ]
        )
    }

    @Test("The error names the limit and how far past it the input went")
    func errorCarriesLimitAndSize() throws {
        var decoder = SSEDecoder(configuration: .init(maximumLineLength: 8))
        let input = Array("data: 0123456789\n\n".utf8)
        var caught: SSEDecodingError?
        do {
            try decoder.decode(input) { _ in }
        } catch let error as SSEDecodingError {
            caught = error
        }
        let error = try #require(caught)
        #expect(error == .lineTooLong)
        #expect(error != .eventTooLarge)
        #expect(error.limit == 8)
        #expect(error.size == 16)
        #expect(error.description.contains("maximum line length of 8 bytes"))
    }

    @Test("decode(_:_:) consumes the whole chunk past an error and throws the first error after it")
    func decodeConsumesWholeChunk() {
        var decoder = SSEDecoder(configuration: Self.small)
        var outputs: [Observed] = []
        var thrown: (any Error)?
        do {
            try decoder.decode(Array("data: 0123456789abcdefg\n\ndata: b\n\n".utf8)) { output in
                outputs.append(Observed(output))
            }
        } catch {
            thrown = error
        }
        #expect(thrown as? SSEDecodingError == .lineTooLong)
        #expect(outputs == [.event("b")])
    }

    @Test("An endless line never grows memory: it is refused at the limit")
    func endlessLineRefused() {
        var decoder = SSEDecoder(configuration: .init(maximumLineLength: 1024))
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
        var errors = 0
        for _ in 0..<256 {
            do {
                try decoder.decode(chunk) { _ in Issue.record("no output expected") }
            } catch {
                errors += 1
            }
        }
        #expect(errors == 1)
    }

    @Test("A 1 MiB event fed one byte at a time decodes to the same event as fed whole")
    func largeEventByteAtATime() throws {
        let payload = String(repeating: "0123456789abcdé", count: 1 << 16)
        let input = Array("id: big\nevent: blob\ndata: \(payload)\ndata: \(payload)\n\n".utf8)
        let configuration = SSEDecoder.Configuration(maximumLineLength: 2 << 20, maximumEventSize: 4 << 20)
        let whole = decode(chunks: [input], configuration: configuration)
        var decoder = SSEDecoder(configuration: configuration)
        var bytewise: [Observed] = []
        try input.withUnsafeBytes { buffer in
            for index in 0..<buffer.count {
                var offset = 0
                let single = UnsafeRawBufferPointer(rebasing: buffer[index..<(index + 1)])
                while let output = try decoder.next(from: single, offset: &offset) {
                    bytewise.append(Observed(output))
                }
            }
        }
        #expect(whole == [.event(payload + "\n" + payload, type: "blob", id: "big")])
        #expect(bytewise == whole)
    }
}
