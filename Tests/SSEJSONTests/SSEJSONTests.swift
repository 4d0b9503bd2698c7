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
import SSEJSON
import SSEStreaming
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("JSON payloads")
struct SSEJSONTests {
    struct Chunk: Codable, Equatable {
        var text: String
        var index: Int
    }

    static func body(_ text: String) -> AsyncStream<[UInt8]> {
        AsyncStream { continuation in
            continuation.yield(Array(text.utf8))
            continuation.finish()
        }
    }

    @Test("A value sent as JSON decodes to the same value, through the wire format")
    func roundTrip() async throws {
        let values = [Chunk(text: "Hello", index: 0), Chunk(text: "multi\nline \"quoted\" ✓", index: 1)]
        var bytes: [UInt8] = []
        for value in values {
            try SSEEncoder().encode(try ServerSentEvent(type: "chunk", json: value), into: &bytes)
        }
        var decoded: [Chunk] = []
        for try await chunk in Self.body(String(decoding: bytes, as: UTF8.self)).serverSentEvents().decodedJSON(
            Chunk.self
        ) {
            decoded.append(chunk)
        }
        #expect(decoded == values)
    }

    @Test("Pretty-printed JSON spans several data lines and still decodes")
    func prettyPrinted() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let event = try ServerSentEvent(json: Chunk(text: "a", index: 1), encoder: encoder)
        let wire = String(decoding: try SSEEncoder().encode(event), as: UTF8.self)
        #expect(wire.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }.count == 4)
        var decoded: [ServerSentEvent] = []
        var decoder = SSEDecoder()
        try decoder.decode(Array(wire.utf8)) { output in
            if case .event(let event) = output {
                decoded.append(event)
            }
        }
        #expect(try decoded.first?.decodeJSON(Chunk.self) == Chunk(text: "a", index: 1))
    }

    @Test("A malformed event throws an error naming it; the same iterator goes on with the next")
    func malformedEventsAreRecoverable() async throws {
        let stream = """
            data: {"text":"one","index":1}

            event: chunk
            id: 7
            data: {"text":"two",

            data: {"text":"three","index":"not a number"}

            data: {"text":"four","index":4}

            data: [DONE]


            """
        var iterator = Self.body(stream).serverSentEvents().prefix(untilData: "[DONE]").decodedJSON(Chunk.self)
            .makeAsyncIterator()
        var values: [Chunk] = []
        var errors: [SSEJSONError] = []
        while true {
            do {
                guard let value = try await iterator.next() else {
                    break
                }
                values.append(value)
            } catch let error as SSEJSONError {
                errors.append(error)
            }
        }
        #expect(values == [Chunk(text: "one", index: 1), Chunk(text: "four", index: 4)])
        #expect(errors == [.decodingFailed, .decodingFailed])
        #expect(errors.first?.eventType == "chunk")
        #expect(errors.first?.eventID == "7")
        #expect(errors.first?.dataPrefix == #"{"text":"two","#)
        #expect(errors.first?.underlying is DecodingError)
        #expect(errors.first?.description.contains(#"event of type "chunk" with ID "7""#) == true)
        #expect(errors.last?.eventID == "7", "the last event ID carries over, as the spec says")
    }

    @Test("A value that JSON cannot represent throws an encoding error naming the event")
    func encodingFailure() {
        #expect(throws: SSEJSONError.encodingFailed) {
            _ = try ServerSentEvent(type: "reading", json: ["value": Double.nan], id: "3")
        }
        do {
            _ = try ServerSentEvent(type: "reading", json: ["value": Double.infinity], id: "3")
        } catch {
            #expect(error.eventType == "reading")
            #expect(error.eventID == "3")
            #expect(error.underlying is EncodingError)
        }
    }

    @Test("JSON events published through a broadcaster decode on the other side")
    func throughBroadcaster() async throws {
        var configuration = SSEBroadcaster.Configuration()
        configuration.heartbeat = nil
        let broadcaster = SSEBroadcaster(configuration: configuration)
        let subscription = broadcaster.subscribe(to: ["chunks"])
        for index in 0..<3 {
            try broadcaster.publish(ServerSentEvent(json: Chunk(text: "t\(index)", index: index)), to: "chunks")
        }
        try broadcaster.shutDown()
        var values: [Chunk] = []
        for try await chunk in subscription.serverSentEvents().decodedJSON(Chunk.self) {
            values.append(chunk)
        }
        #expect(values.map(\.index) == [0, 1, 2])
    }
}
