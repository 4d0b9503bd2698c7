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
import HTTPTypes
import SSEClient
import SSECodec
import SSEJSON
import SSEStreaming

/// Answers from an OpenAI-compatible streaming chat API instead of the built-in generator
/// (`typewriter --upstream URL`, the key in `OPENAI_API_KEY`): one request per answer through
/// `SSEClient` (a `POST` with the key, until `[DONE]`), its tokens published to the answer's
/// generation as `chunk` events (see ``Answers``).
///
/// The generation is what makes it safe to pay for: a page that reconnects, a second tab or a
/// refresh attach to the answer instead of asking again, and Stop cancels this request, so the
/// rest of the answer is neither generated nor paid for. An upstream failure mid-answer (an error
/// status, a cut connection, a stall past the idle timeout) ends the answer with words for people
/// (``failureMessage``); the reason goes to the log.
struct Upstream: Sendable {
    let url: String
    let model: String
    let apiKey: String
    let idleTimeout: Duration

    /// What a page shows when an answer fails, whatever the reason; the log has the reason.
    static let failureMessage = "The answer service is temporarily unavailable. Please try again in a moment."

    struct Request: Encodable {
        struct Message: Encodable {
            let role: String
            let content: String
        }

        let model: String
        let messages: [Message]
        let stream: Bool
    }

    struct Completion: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable {
                let content: String?
            }

            let delta: Delta?
        }

        let choices: [Choice]
    }

    /// Why an upstream answer failed, for the log.
    struct Failure: Error, CustomStringConvertible {
        let answer: String
        let tokens: Int
        let reason: String

        var description: String { "answer \(answer) failed after \(tokens) tokens: \(reason)" }
    }

    /// Asks for the answer to `prompt` and publishes its tokens as they come.
    func answer(_ prompt: String, to writer: SSEGenerations.Writer) async throws {
        var configuration = SSEClient.Configuration()
        configuration.method = .post
        configuration.headerFields[.authorization] = "Bearer \(apiKey)"
        configuration.headerFields[.contentType] = "application/json"
        configuration.body = Array(
            try JSONEncoder().encode(
                Request(model: model, messages: [.init(role: "user", content: prompt)], stream: true)
            )
        )
        configuration.idleTimeout = idleTimeout
        // One attempt: a second would be a second, billed answer.
        configuration.reconnection.maximumConsecutiveFailures = 0
        let answer = writer.generationID
        try writer.publish(
            ServerSentEvent(type: "start", json: Answers.Start(answer: answer, total: 0), encoder: Answers.encoder)
        )
        var index = 0
        do {
            for try await event in SSEClient(url: url, configuration: configuration).events {
                if event.data == "[DONE]" {
                    return
                }
                let completion = try JSONDecoder().decode(Completion.self, from: Data(event.data.utf8))
                guard let text = completion.choices.first?.delta?.content, !text.isEmpty else {
                    continue
                }
                index += 1
                let chunk = Answers.Chunk(index: index, total: 0, text: text)
                try writer.publish(ServerSentEvent(type: "chunk", json: chunk, encoder: Answers.encoder))
            }
        } catch let error as SSEGenerationError {
            throw error
        } catch {
            throw Failure(answer: answer, tokens: index, reason: "\(error)")
        }
        // Stopped: the generation has ended already, and says so.
        try Task.checkCancellation()
        throw Failure(answer: answer, tokens: index, reason: "the upstream answer ended before [DONE]")
    }
}
