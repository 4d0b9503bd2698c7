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

/// One test per rule of WHATWG HTML §9.2.5 "Parsing an event stream" and §9.2.6 "Interpreting an
/// event stream". Every input is decoded whole, one byte per read, at every two-read split and with
/// empty reads between bytes (see `decodeEveryWay`).
@Suite("Decoder: WHATWG event stream rules")
struct DecoderSpecTests {
    // MARK: Byte order mark

    @Test("A leading BOM is removed")
    func leadingByteOrderMarkIsRemoved() {
        #expect(decodeEveryWay("\u{FEFF}data: a\n\n") == [.event("a")])
    }

    @Test("Only one leading BOM is removed; a second one starts a field name no field has")
    func onlyOneByteOrderMarkIsRemoved() {
        #expect(decodeEveryWay("\u{FEFF}\u{FEFF}data: a\n\ndata: b\n\n") == [.event("b")])
    }

    @Test("A BOM after the start of the stream is content, not removed")
    func byteOrderMarkLaterIsContent() {
        #expect(
            decodeEveryWay("data: a\n\n\u{FEFF}data: b\n\ndata: \u{FEFF}c\n\n") == [.event("a"), .event("\u{FEFF}c")]
        )
    }

    @Test("A partial BOM is the start of the first line")
    func partialByteOrderMarkStartsFirstLine() {
        // EF BB followed by "data" decodes as U+FFFD "data": an unknown field.
        #expect(decodeEveryWay([0xEF, 0xBB] + Array("data: a\n\ndata: b\n\n".utf8)) == [.event("b")])
        #expect(decodeEveryWay([0xEF] + Array(":\n\ndata: b\n\n".utf8)) == [.event("b")])
        #expect(decodeEveryWay([0xEF, 0xBB, 0x0A] + Array("data: b\n\n".utf8)) == [.event("b")])
    }

    @Test("A BOM split across reads after empty reads is still removed")
    func byteOrderMarkSplitAfterEmptyReads() {
        let chunks: [[UInt8]] = [[], [0xEF], [], [0xBB], [0xBF, 0x64], Array("ata: a\n\n".utf8)]
        #expect(decode(chunks: chunks) == [.event("a")])
    }

    @Test("A new stream after finish() may start with a BOM again; the last event ID is kept")
    func finishStartsNewStream() {
        var decoder = SSEDecoder()
        var outputs: [Observed] = []
        try? decoder.decode(Array("\u{FEFF}id: 1\ndata: a\n\ndata: partial".utf8)) { outputs.append(Observed($0)) }
        let discardedPartial = decoder.finish()
        #expect(discardedPartial)
        try? decoder.decode(Array("\u{FEFF}data: b\n\n".utf8)) { outputs.append(Observed($0)) }
        let discardedNothing = !decoder.finish()
        #expect(discardedNothing)
        #expect(outputs == [.event("a", id: "1"), .event("b", id: "1")])
        #expect(decoder.lastEventID == "1")
    }

    @Test("A decoder is a value: a copy taken mid-event continues independently")
    func copiedDecoderIsIndependent() {
        var original = SSEDecoder()
        try? original.decode(Array("event: e\ndata: shared\ndata: par".utf8)) { _ in }
        var copy = original
        var first: [Observed] = []
        var second: [Observed] = []
        try? original.decode(Array("t one\n\n".utf8)) { first.append(Observed($0)) }
        try? copy.decode(Array("t two, longer than the first\n\n".utf8)) { second.append(Observed($0)) }
        #expect(first == [.event("shared\npart one", type: "e")])
        #expect(second == [.event("shared\npart two, longer than the first", type: "e")])
    }

    // MARK: Line ends

    @Test("Lines end in CRLF, LF or CR, mixed freely")
    func lineEndsCRLFLFAndCR() {
        #expect(decodeEveryWay("data: a\r\ndata: b\rdata: c\ndata: d\r\n\r\n") == [.event("a\nb\nc\nd")])
        #expect(decodeEveryWay("data: a\r\rdata: b\n\ndata: c\r\n\r\n") == [.event("a"), .event("b"), .event("c")])
    }

    @Test("LF then CR is two line ends, CR then LF is one")
    func lineFeedThenCarriageReturnIsTwoLineEnds() {
        #expect(decodeEveryWay("data: a\n\rdata: b\r\n\n") == [.event("a"), .event("b")])
    }

    @Test("A CR ending one read and an LF starting the next are one line end")
    func carriageReturnAtReadEndThenLineFeed() {
        let chunks: [[UInt8]] = [
            Array("data: a\r".utf8), Array("\ndata: b\r".utf8), Array("\n\r".utf8), Array("\n".utf8),
        ]
        #expect(decode(chunks: chunks) == [.event("a\nb")])
    }

    @Test("Only CR and LF end lines: not U+2028, U+2029, NEL, VT or FF")
    func otherLineSeparatorsAreContent() {
        let data = "a\u{2028}b\u{2029}c\u{85}d\u{0B}e\u{0C}f"
        #expect(decodeEveryWay("data: \(data)\n\n") == [.event(data)])
    }

    @Test("The stream is parsed as bytes: CRLF is not one unit and a colon before a combining mark still splits")
    func parsingIsByteLevelNotCharacterLevel() {
        // ":" + U+0301 is a single Character in Swift, but still a comment line, and still a field separator.
        #expect(decodeEveryWay(":\u{301}\ndata:\u{301}x\n\n") == [.event("\u{301}x")])
        #expect(decodeEveryWay("data: e\u{301}\n\n") == [.event("e\u{301}")])
    }

    // MARK: Fields

    @Test("A line starting with a colon is a comment and is ignored")
    func commentsAreIgnored() {
        #expect(decodeEveryWay(": hello\ndata: a\n:\n\n") == [.event("a")])
    }

    @Test("Comments are reported when asked for, without the colon and one leading space")
    func commentsReportedWhenAsked() {
        let configuration = SSEDecoder.Configuration(reportsComments: true)
        #expect(
            decodeEveryWay(": ping\n:\n:  two\n:x\n", configuration: configuration)
                == [.comment("ping"), .comment(""), .comment(" two"), .comment("x")]
        )
    }

    @Test("The field name is everything before the first colon; the value keeps later colons")
    func valueKeepsLaterColons() {
        #expect(decodeEveryWay("data: a:b: c\n\n") == [.event("a:b: c")])
    }

    @Test("Exactly one leading space is removed from the value")
    func oneLeadingSpaceRemoved() {
        #expect(
            decodeEveryWay("data:a\n\ndata:  b\n\ndata:\tc\n\ndata: \n\n") == [
                .event("a"), .event(" b"), .event("\tc"), .event(""),
            ]
        )
    }

    @Test("A line without a colon is a field name with an empty value")
    func lineWithoutColonIsFieldWithEmptyValue() {
        #expect(decodeEveryWay("data\n\ndata\ndata\n\n") == [.event(""), .event("\n")])
    }

    @Test("Field names are case-sensitive")
    func fieldNamesAreCaseSensitive() {
        #expect(decodeEveryWay("Data: a\nDATA: b\nEvent: x\nID: 1\nRetry: 5\n\ndata: c\n\n") == [.event("c")])
    }

    @Test("Unknown fields are ignored")
    func unknownFieldsIgnored() {
        #expect(decodeEveryWay("foo: bar\ndatax: y\ndat: z\n: c\ndata: a\n\n") == [.event("a")])
    }

    // MARK: data

    @Test("data appends its value and a LF; the last LF is removed at dispatch; empty lines are kept")
    func dataLinesAreJoinedByLineFeed() {
        #expect(decodeEveryWay("data: a\ndata:\ndata: b\ndata\n\n") == [.event("a\n\nb\n")])
    }

    @Test("A blank line with an empty data buffer dispatches nothing")
    func emptyDataBufferDispatchesNothing() {
        #expect(decodeEveryWay("\n\n\r\nevent: x\n\nretry\n\n").isEmpty)
    }

    @Test("NUL and other control characters in data are kept")
    func controlCharactersInDataAreKept() {
        #expect(decodeEveryWay("data: a\u{0}b\u{1}c\u{7F}\n\n") == [.event("a\u{0}b\u{1}c\u{7F}")])
    }

    // MARK: event

    @Test("event sets the type; the last event line wins; an empty type means message")
    func eventSetsType() {
        #expect(
            decodeEveryWay("event: a\nevent: update\ndata: x\n\nevent\ndata: y\n\n")
                == [.event("x", type: "update"), .event("y")]
        )
    }

    @Test("The type is reset after every blank line, also when no event fires")
    func typeResetAfterDispatch() {
        #expect(
            decodeEveryWay("event: a\ndata: x\n\ndata: y\n\nevent: b\n\ndata: z\n\n") == [
                .event("x", type: "a"), .event("y"), .event("z"),
            ]
        )
    }

    // MARK: id

    @Test("id sets the last event ID, which later events keep until it changes")
    func idPersistsAcrossEvents() {
        #expect(
            decodeEveryWay("id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n")
                == [.event("a", id: "1"), .event("b", id: "1"), .event("c", id: "2")]
        )
    }

    @Test("An empty id resets the last event ID")
    func emptyIdResets() {
        #expect(
            decodeEveryWay("id: 1\ndata: a\n\nid\ndata: b\n\nid:\ndata: c\n\n") == [
                .event("a", id: "1"), .event("b"), .event("c"),
            ]
        )
    }

    @Test("The last event ID is committed at a blank line even when no event fires")
    func idCommittedWithoutEvent() {
        #expect(
            decodeEveryWay("id: 7\n\ndata: a\n\nid: 7\n\nid\n\n") == [
                .lastEventID("7"), .event("a", id: "7"), .lastEventID(nil),
            ]
        )
    }

    @Test("An id containing NULL is ignored")
    func idWithNullIgnored() {
        #expect(decodeEveryWay("id: 1\n\nid: a\u{0}b\ndata: x\n\n") == [.lastEventID("1"), .event("x", id: "1")])
    }

    @Test("An id keeps its text exactly: spaces, colons, non-ASCII, no normalisation")
    func idKeepsText() {
        #expect(decodeEveryWay("id:  a:b é e\u{301}\ndata: x\n\n") == [.event("x", id: " a:b é e\u{301}")])
    }

    @Test("An id in an event cut off by the end of the stream is not committed")
    func idOfIncompleteEventNotCommitted() {
        var decoder = SSEDecoder()
        try? decoder.decode(Array("id: 1\ndata: a\n\nid: 2\ndata: b\n".utf8)) { _ in }
        decoder.finish()
        #expect(decoder.lastEventID == "1")
    }

    @Test("A decoder can start from an earlier stream's last event ID")
    func initialLastEventID() {
        #expect(decodeEveryWay("data: a\n\nid\n\n", lastEventID: "41") == [.event("a", id: "41"), .lastEventID(nil)])
    }

    // MARK: retry

    @Test("retry with only ASCII digits sets the reconnection time at once, before the event")
    func retryDigits() {
        #expect(
            decodeEveryWay("retry: 3000\ndata: x\n\nretry: 03000\nretry:0\n") == [
                .retry(3000), .event("x"), .retry(3000), .retry(0),
            ]
        )
    }

    @Test(
        "retry with anything but ASCII digits is ignored",
        arguments: [
            "retry: 3s\n", "retry: -1\n", "retry: +1\n", "retry: 1 000\n", "retry:  1\n", "retry: 1.5\n",
            "retry: \u{FF13}\n", "retry:\n", "retry\n", "retry: 99999999999999999999999\n", "retry: 0x10\n",
        ]
    )
    func retryNonDigitsIgnored(input: String) {
        #expect(decodeEveryWay(input + "data: x\n\n") == [.event("x")])
    }

    // MARK: End of stream

    @Test("An event without its blank line at the end of the stream is discarded")
    func incompleteEventDiscarded() {
        #expect(decodeEveryWay("data: a\n\ndata: b\n") == [.event("a")])
        #expect(decodeEveryWay("data: a\n\ndata: b") == [.event("a")])
        #expect(decodeEveryWay("data: a\n\nretry: 5") == [.event("a")])
    }

    // MARK: UTF-8

    @Test("Invalid UTF-8 becomes U+FFFD without losing neighbours")
    func invalidUTF8Replaced() {
        // a, lone continuation, b, truncated 3-byte sequence before the line end.
        let input: [UInt8] = Array("data: a".utf8) + [0x80] + Array("b".utf8) + [0xE2, 0x82] + Array("\n\n".utf8)
        #expect(decodeEveryWay(input) == [.event("a\u{FFFD}b\u{FFFD}")])
    }

    @Test(
        "Each maximal invalid subpart becomes one U+FFFD (WHATWG UTF-8 decode)",
        arguments: [
            ([0xC0, 0xAF], "\u{FFFD}\u{FFFD}"),  // overlong
            ([0xED, 0xA0, 0x80], "\u{FFFD}\u{FFFD}\u{FFFD}"),  // surrogate
            ([0xF4, 0x90, 0x80, 0x80], "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"),  // above U+10FFFF
            ([0xF0, 0x9F, 0x98], "\u{FFFD}"),  // truncated 4-byte sequence
            ([0xE2, 0x28, 0xA1], "\u{FFFD}(\u{FFFD}"),
            ([0xFF, 0xFE], "\u{FFFD}\u{FFFD}"),
        ] as [([UInt8], String)]
    )
    func invalidSubparts(bytes: [UInt8], expected: String) {
        #expect(decodeEveryWay(Array("data: ".utf8) + bytes + Array("\n\n".utf8)) == [.event(expected)])
    }

    @Test("Multi-byte characters split across reads decode intact")
    func multiByteSplitAcrossReads() {
        let text = "é€😀 e\u{301} 日本"
        #expect(decodeEveryWay("event: ü\nid: ☃\ndata: \(text)\n\n") == [.event(text, type: "ü", id: "☃")])
    }

    @Test("Invalid UTF-8 in event and id values also becomes U+FFFD")
    func invalidUTF8InTypeAndID() {
        let input: [UInt8] =
            Array("event: a".utf8) + [0xFF] + Array("\nid: b".utf8) + [0xC3] + Array("\ndata: x\n\n".utf8)
        #expect(decodeEveryWay(input) == [.event("x", type: "a\u{FFFD}", id: "b\u{FFFD}")])
    }

    // MARK: Whole streams

    @Test("An OpenAI-style token stream with a [DONE] sentinel")
    func openAIStyleStream() {
        let input = """
            data: {"choices":[{"delta":{"content":"Hel"}}]}

            data: {"choices":[{"delta":{"content":"lo"}}]}

            data: [DONE]


            """
        #expect(
            decodeEveryWay(input) == [
                .event(#"{"choices":[{"delta":{"content":"Hel"}}]}"#),
                .event(#"{"choices":[{"delta":{"content":"lo"}}]}"#),
                .event("[DONE]"),
            ]
        )
    }

    @Test("The WHATWG example streams decode as the specification says")
    func specificationExamples() {
        // §9.2.6: "data: This is the first message." … with the two-line third message.
        let input = """
            : test stream

            data: first event
            id: 1

            data:second event
            id

            data:  third event


            """
        #expect(
            decodeEveryWay(input) == [.event("first event", id: "1"), .event("second event"), .event(" third event")]
        )
        #expect(decodeEveryWay("data\n\ndata\ndata\n\ndata:") == [.event(""), .event("\n")])
        #expect(decodeEveryWay("data:test\n\ndata: test\n\n") == [.event("test"), .event("test")])
    }
}
