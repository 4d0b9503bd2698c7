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

@Suite("Encoder")
struct EncoderTests {
    private let encoder = SSEEncoder()

    private func text(_ event: ServerSentEvent) throws -> String {
        String(decoding: try encoder.encode(event), as: UTF8.self)
    }

    @Test("An event is written as id, event and data lines and a blank line")
    func eventFields() throws {
        #expect(
            try text(ServerSentEvent(type: "chunk", data: "hello", id: "7")) == "id: 7\nevent: chunk\ndata: hello\n\n"
        )
        #expect(try text(ServerSentEvent(data: "hello")) == "data: hello\n\n")
    }

    @Test("The default type is not written")
    func defaultTypeOmitted() throws {
        #expect(try text(ServerSentEvent(type: "message", data: "x")) == "data: x\n\n")
        #expect(try text(ServerSentEvent(type: "", data: "x")) == "data: x\n\n")
    }

    @Test("Data is split on CR, LF and CRLF; empty lines are kept")
    func dataSplitOnLineBreaks() throws {
        #expect(try text(ServerSentEvent(data: "a\nb\r\nc\rd")) == "data: a\ndata: b\ndata: c\ndata: d\n\n")
        #expect(try text(ServerSentEvent(data: "\n\na\n")) == "data:\ndata:\ndata: a\ndata:\n\n")
        #expect(try text(ServerSentEvent(data: "")) == "data:\n\n")
        #expect(try text(ServerSentEvent(data: "\r\r\n")) == "data:\ndata:\ndata:\n\n")
    }

    @Test("Leading spaces of a line survive: one separator space is always written")
    func leadingSpacesSurvive() throws {
        #expect(try text(ServerSentEvent(data: " a\n  b")) == "data:  a\ndata:   b\n\n")
    }

    @Test("An empty id is written as an empty id field, which resets the client's last event ID")
    func emptyID() throws {
        #expect(try text(ServerSentEvent(data: "x", id: "")) == "id:\ndata: x\n\n")
    }

    @Test(
        "A line break in the event type is refused and nothing is written",
        arguments: ["a\nb", "a\rb", "a\r\nb", "\n"]
    )
    func lineBreakInTypeRefused(type: String) {
        var buffer: [UInt8] = [1, 2, 3]
        #expect(throws: SSEEncodingError.lineBreakInEventType) {
            try encoder.encode(ServerSentEvent(type: type, data: "x", id: "1"), into: &buffer)
        }
        #expect(buffer == [1, 2, 3])
    }

    @Test("A line break in the id is refused and nothing is written", arguments: ["1\n2", "1\r", "\r\ndata: injected"])
    func lineBreakInIDRefused(id: String) {
        var buffer: [UInt8] = []
        #expect(throws: SSEEncodingError.lineBreakInID) {
            try encoder.encode(ServerSentEvent(data: "x", id: id), into: &buffer)
        }
        #expect(buffer.isEmpty)
    }

    @Test("NULL in the id is refused")
    func nullInIDRefused() {
        #expect(throws: SSEEncodingError.nullInID) {
            try encoder.encode(ServerSentEvent(data: "x", id: "a\u{0}b"))
        }
    }

    @Test("Errors describe the offending value")
    func errorDescriptions() {
        do {
            _ = try encoder.encode(ServerSentEvent(type: "a\nb", data: "x"))
            Issue.record("expected an error")
        } catch {
            #expect(error.field == "a\nb")
            #expect(error.description.contains("event type"))
        }
    }

    @Test("Comments are written one line each, so a line break cannot inject a field")
    func comments() {
        var buffer: [UInt8] = []
        encoder.encodeComment("ping", into: &buffer)
        encoder.encodeComment("", into: &buffer)
        encoder.encodeComment("a\ndata: injected\r\nb", into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == ": ping\n:\n: a\n: data: injected\n: b\n")
        #expect(decode(chunks: [buffer + Array("\n".utf8)]).isEmpty)
    }

    @Test("retry is written in milliseconds; a negative value is refused")
    func retry() throws {
        var buffer: [UInt8] = []
        try encoder.encodeRetry(milliseconds: 2500, into: &buffer)
        try encoder.encode(ServerSentEvent(data: "x"), into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "retry: 2500\ndata: x\n\n")
        #expect(decode(chunks: [buffer]) == [.retry(2500), .event("x")])
        #expect(throws: SSEEncodingError.negativeRetry) {
            try encoder.encodeRetry(milliseconds: -1, into: &buffer)
        }
    }

    @Test("Padding is one comment line of exactly the requested size", arguments: [2, 3, 2048])
    func padding(byteCount: Int) {
        var buffer: [UInt8] = []
        encoder.encodePadding(byteCount: byteCount, into: &buffer)
        #expect(buffer.count == byteCount)
        #expect(buffer.first == UInt8(ascii: ":"))
        #expect(buffer.last == UInt8(ascii: "\n"))
        #expect(decode(chunks: [buffer + Array("data: x\n\n".utf8)]) == [.event("x")])
    }

    @Test("The encoder writes into any RangeReplaceableCollection of bytes")
    func writesIntoOtherCollections() throws {
        var slice: ArraySlice<UInt8> = []
        try encoder.encode(ServerSentEvent(data: "a"), into: &slice)
        var contiguous = ContiguousArray<UInt8>()
        try encoder.encode(ServerSentEvent(data: "a"), into: &contiguous)
        #expect(Array(slice) == Array("data: a\n\n".utf8))
        #expect(Array(contiguous) == Array("data: a\n\n".utf8))
    }
}
