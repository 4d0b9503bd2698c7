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

import ExampleSupport
import SSECodec
import SSEJSON

/// The answer as a `text/event-stream` body, one chunk per event:
///
/// - `start` (no ID, so the client's last event ID stays put): `{"total":T,"from":N}`, after a
///   `retry: 500` so that a dropped connection is retried within half a second;
/// - `chunk`, ID `<answer>:<index>`: `{"index":I,"total":T,"text":"…"}`;
/// - `end` (no ID): `{"total":T}`. The page closes its EventSource on it.
///
/// A request with the last event ID of this answer resumes after that chunk. `dropAfter` ends the
/// response after that chunk (only on a first connection) to show the browser resuming. When the
/// server stops, the answer ends with ``ExampleServer/finalEvent``.
struct AnswerStream: AsyncSequence, Sendable {
    typealias Element = [UInt8]

    let generator: AnswerGenerator
    let pace: AnswerGenerator.Pace
    let resumeAfter: Int
    let dropAfter: Int?
    let farewell: Farewell

    init(prompt: String, lastEventID: String?, pace: AnswerGenerator.Pace, dropAfter: Int?, farewell: Farewell) {
        generator = AnswerGenerator(prompt: prompt)
        self.pace = pace
        self.farewell = farewell
        let prefix = generator.answerID + ":"
        if let lastEventID, lastEventID.hasPrefix(prefix), let index = Int(lastEventID.dropFirst(prefix.count)) {
            resumeAfter = index
            self.dropAfter = nil
        } else {
            resumeAfter = 0
            self.dropAfter = dropAfter
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(stream: self, tokens: generator.tokens)
    }

    /// A `chunk` event's data.
    struct Chunk: Codable {
        let index: Int
        let total: Int
        let text: String
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let stream: AnswerStream
        let tokens: [String]
        private let encoder = SSEEncoder()
        private var next: Int?

        init(stream: AnswerStream, tokens: [String]) {
            self.stream = stream
            self.tokens = tokens
        }

        mutating func next() async throws -> [UInt8]? {
            let total = tokens.count
            guard let index = next else {
                // The first chunk: the reconnection delay and the start event.
                next = stream.resumeAfter + 1
                var bytes: [UInt8] = []
                try encoder.encodeRetry(milliseconds: 500, into: &bytes)
                try encoder.encode(
                    ServerSentEvent(type: "start", data: #"{"total":\#(total),"from":\#(stream.resumeAfter)}"#),
                    into: &bytes
                )
                return bytes
            }
            if let dropAfter = stream.dropAfter, index > dropAfter {
                return nil
            }
            if index > total + 1 {
                return nil
            }
            next = index + 1
            if index == total + 1 {
                return try encoder.encode(ServerSentEvent(type: "end", data: #"{"total":\#(total)}"#))
            }
            let token = tokens[index - 1]
            let delay = AnswerGenerator.delay(before: token, index: index, pace: stream.pace)
            guard await stream.farewell.pause(for: delay) else {
                next = total + 2
                return try encoder.encode(ExampleServer.finalEvent)
            }
            let event = try ServerSentEvent(
                type: "chunk",
                json: Chunk(index: index, total: total, text: token),
                id: "\(stream.generator.answerID):\(index)"
            )
            return try encoder.encode(event)
        }
    }
}
