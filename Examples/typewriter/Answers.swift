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

import Foundation
import Logging
import SSECodec
import SSEJSON
import SSEStreaming

/// The answers, as generations (`SSEGenerations`): each runs on its own under an ID, whatever
/// happens to the page that asked; any page attaches from the start (a refresh, a second tab) or
/// resumes after its last event ID; Stop cancels it. Its events:
///
/// - `start`: `{"answer":"<ID>","total":T}` (T is 0 when the length is not known, upstream);
/// - `chunk`: `{"index":I,"total":T,"text":"…"}`;
/// - the generations' end event, `sse-generation-end`: `{"reason":"completed"}` (or `stopped`,
///   or `failed` with a message for people).
///
/// Every event has an ID `<answer>:<n>`.
enum Answers {
    /// The answers of one server; a failure is logged with its reason, and the page gets words
    /// for people.
    static func generations(logger: Logger = Logger(label: "typewriter")) -> SSEGenerations {
        var configuration = SSEGenerations.Configuration()
        configuration.failureMessage = { error in
            logger.error("An answer failed", metadata: ["reason": "\(error)"])
            return Upstream.failureMessage
        }
        return SSEGenerations(configuration: configuration)
    }

    /// The `start` event's data.
    struct Start: Codable {
        let answer: String
        let total: Int
    }

    /// A `chunk` event's data.
    struct Chunk: Codable {
        let index: Int
        let total: Int
        let text: String
    }

    /// Keys in one order (Foundation's order differs from run to run on Linux).
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    /// A new answer's ID.
    static func newID() -> String {
        "a" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// The built-in answer to `prompt`, typed at `pace`.
    static func builtIn(_ prompt: String, pace: AnswerGenerator.Pace, to writer: SSEGenerations.Writer) async throws {
        let tokens = AnswerGenerator(prompt: prompt).tokens
        try writer.publish(
            ServerSentEvent(
                type: "start",
                json: Start(answer: writer.generationID, total: tokens.count),
                encoder: encoder
            )
        )
        for (offset, token) in tokens.enumerated() {
            try await Task.sleep(for: AnswerGenerator.delay(before: token, index: offset + 1, pace: pace))
            let chunk = Chunk(index: offset + 1, total: tokens.count, text: token)
            try writer.publish(ServerSentEvent(type: "chunk", json: chunk, encoder: encoder))
        }
    }
}
