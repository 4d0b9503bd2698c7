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
import SSENIO
import SSENIOCore
import SSEStreaming
import Synchronization

/// Answers from an OpenAI-compatible streaming chat API instead of the built-in generator
/// (`typewriter --upstream URL`, the key in `OPENAI_API_KEY`): the server asks once per answer
/// through `SSEClient` (a `POST` with the key, until `[DONE]`) and re-emits the tokens as the
/// page's `start`, `chunk` and `end` events, each with an ID `<answer>:<n>`.
///
/// - An upstream failure mid-answer (an error status, a cut connection, a stall past the idle
///   timeout) reaches the page as an in-band `error` event `{"message": …}`, and the stream ends.
/// - The answer's events are kept on a broadcaster, so a page that reconnects mid-answer resumes
///   from its `Last-Event-ID` without a second upstream call; one that resumes an answer that has
///   ended or failed (or that this process never made) gets `204` and stops: a reconnect never
///   starts a second, billed call.
final class Upstream: Sendable {
    let url: String
    let model: String
    let apiKey: String
    let idleTimeout: Duration

    /// The answers still streaming, each on a broadcaster of its own that keeps its events for
    /// pages that resume, and ends their streams when the answer ends.
    private let streaming = Mutex<[String: SSEBroadcaster]>([:])

    init(url: String, model: String, apiKey: String, idleTimeout: Duration) {
        self.url = url
        self.model = model
        self.apiKey = apiKey
        self.idleTimeout = idleTimeout
    }

    /// A new answer for `prompt`, or the rest of the one `lastEventID` belongs to.
    func response(prompt: String, lastEventID: String?) -> SSEResponse {
        let retry = SSEStreamBody.subscription
        if let lastEventID, let colon = lastEventID.firstIndex(of: ":") {
            guard let broadcaster = streaming.withLock({ $0[String(lastEventID[..<colon])] }) else {
                return .empty(.noContent)
            }
            let subscription = broadcaster.subscribe(to: [Self.topic], lastEventID: lastEventID)
            return .stream(retry(subscription).startingWith(Self.retryField))
        }
        let answer = "u" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        var configuration = SSEBroadcaster.Configuration()
        configuration.maximumReplayCount = 100_000
        configuration.maximumReplayBytes = 64 * 1024 * 1024
        let broadcaster = SSEBroadcaster(configuration: configuration)
        streaming.withLock { $0[answer] = broadcaster }
        // Subscribed before the call starts: the page misses none of its events.
        let subscription = broadcaster.subscribe(to: [Self.topic])
        Task { await ask(prompt, answer: answer, on: broadcaster) }
        return .stream(retry(subscription).startingWith(Self.retryField))
    }

    /// Keys in one order, as the built-in answers have them.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    /// The one topic of an answer's broadcaster.
    static let topic = "answer"

    /// Half a second before a dropped page reconnects, as with the built-in answers.
    static let retryField = Array("retry: 500\n\n".utf8)

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

    /// The upstream call, its tokens published as they come.
    private func ask(_ prompt: String, answer: String, on broadcaster: SSEBroadcaster) async {
        func publish(_ type: String, _ data: String, id: String) {
            _ = try? broadcaster.publish(ServerSentEvent(type: type, data: data, id: answer + ":" + id), to: Self.topic)
        }
        func fail(_ message: String) {
            struct Failure: Encodable {
                let message: String
            }
            let data = (try? JSONEncoder().encode(Failure(message: message))).map {
                String(decoding: $0, as: UTF8.self)
            }
            publish("error", data ?? #"{"message":"The upstream failed."}"#, id: "error")
        }
        var configuration = SSEClient.Configuration()
        configuration.method = .post
        configuration.headerFields[.authorization] = "Bearer \(apiKey)"
        configuration.headerFields[.contentType] = "application/json"
        configuration.body = Array(
            (try? JSONEncoder().encode(
                Request(model: model, messages: [.init(role: "user", content: prompt)], stream: true)
            ))
                ?? Data()
        )
        configuration.idleTimeout = idleTimeout
        // One attempt: a second would be a second, billed answer.
        configuration.reconnection.maximumConsecutiveFailures = 0
        publish("start", #"{"total":0,"from":0}"#, id: "0")
        var index = 0
        var done = false
        do {
            for try await event in SSEClient(url: url, configuration: configuration).events {
                if event.data == "[DONE]" {
                    done = true
                    break
                }
                let completion = try JSONDecoder().decode(Completion.self, from: Data(event.data.utf8))
                guard let text = completion.choices.first?.delta?.content, !text.isEmpty else {
                    continue
                }
                index += 1
                let chunk = AnswerStream.Chunk(index: index, total: 0, text: text)
                let data = String(decoding: try Self.encoder.encode(chunk), as: UTF8.self)
                publish("chunk", data, id: String(index))
            }
            if done {
                publish("end", #"{"total":\#(index)}"#, id: "end")
            } else {
                fail("The upstream answer ended before [DONE], after \(index) tokens.")
            }
        } catch {
            fail("The upstream failed after \(index) tokens: \(error)")
        }
        // Its streams end once they have every event; a page that comes back later gets 204.
        streaming.withLock { $0[answer] = nil }
        try? broadcaster.shutDown()
    }
}
