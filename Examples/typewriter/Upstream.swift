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
import Foundation
import HTTPTypes
import Logging
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
///   timeout) reaches the page as an in-band `error` event with a message for people
///   (`{"message": "The answer service is temporarily unavailable…"}`); the details go to the
///   log, and the stream ends.
/// - The answer's events are kept on a broadcaster, so a page that reconnects mid-answer resumes
///   from its `Last-Event-ID` without a second upstream call; one that resumes an answer that has
///   ended or failed (or that this process never made) gets `204` and stops: a reconnect never
///   starts a second, billed call.
/// - ``stop(_:)`` (the page's Stop button) cancels the upstream request, so the rest of the answer
///   is neither generated nor paid for; pages still attached get `end` with `"stopped":true`.
final class Upstream: Sendable {
    let url: String
    let model: String
    let apiKey: String
    let idleTimeout: Duration
    let logger: Logger

    /// An answer still streaming: its events, kept for pages that resume, and the task that
    /// reads the upstream.
    private struct Answer {
        let broadcaster: SSEBroadcaster
        var task: Task<Void, Never>?
    }

    private let streaming = Mutex<[String: Answer]>([:])

    /// What a page shows when the upstream fails, whatever the reason; the log has the reason.
    static let failureMessage = "The answer service is temporarily unavailable. Please try again in a moment."

    init(
        url: String,
        model: String,
        apiKey: String,
        idleTimeout: Duration,
        logger: Logger = Logger(label: "typewriter")
    ) {
        self.url = url
        self.model = model
        self.apiKey = apiKey
        self.idleTimeout = idleTimeout
        self.logger = logger
    }

    /// A new answer for `prompt`, or the rest of the one `lastEventID` belongs to.
    func response(prompt: String, lastEventID: String?) -> SSEResponse {
        let retry = SSEStreamBody.subscription
        if let lastEventID, let colon = lastEventID.firstIndex(of: ":") {
            guard let broadcaster = streaming.withLock({ $0[String(lastEventID[..<colon])]?.broadcaster }) else {
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
        // Subscribed before the call starts: the page misses none of its events.
        let subscription = broadcaster.subscribe(to: [Self.topic])
        streaming.withLock { streaming in
            streaming[answer] = Answer(broadcaster: broadcaster)
            streaming[answer]?.task = Task { await ask(prompt, answer: answer, on: broadcaster) }
        }
        return .stream(retry(subscription).startingWith(Self.retryField))
    }

    /// Stops `answer`: its upstream request is cancelled. Whether it was still streaming.
    func stop(_ answer: String) -> Bool {
        guard let task = streaming.withLock({ $0[answer]?.task }) else {
            return false
        }
        task.cancel()
        return true
    }

    /// The server is stopping: every upstream request is cancelled, every answer's pages get the
    /// final event.
    func shutDown() {
        let answers = streaming.withLock { streaming in
            defer { streaming.removeAll() }
            return Array(streaming.values)
        }
        for answer in answers {
            try? answer.broadcaster.shutDown(finalEvent: ExampleServer.finalEvent)
            answer.task?.cancel()
        }
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
        // Tokens so far.
        var index = 0
        func publish(_ type: String, _ data: String, id: String) {
            _ = try? broadcaster.publish(ServerSentEvent(type: type, data: data, id: answer + ":" + id), to: Self.topic)
        }
        // The page gets a message for people; the log gets the reason.
        func fail(_ reason: String) {
            logger.error(
                "The upstream answer failed",
                metadata: ["answer": "\(answer)", "tokens": "\(index)", "reason": "\(reason)"]
            )
            struct Failure: Encodable {
                let message: String
            }
            let data = (try? JSONEncoder().encode(Failure(message: Self.failureMessage))).map {
                String(decoding: $0, as: UTF8.self)
            }
            publish("error", data ?? #"{"message":"The answer failed."}"#, id: "error")
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
        var done = false
        publish("start", #"{"total":0,"from":0}"#, id: "0")
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
            } else if Task.isCancelled {
                publish("end", #"{"total":\#(index),"stopped":true}"#, id: "end")
            } else {
                fail("the upstream answer ended before [DONE]")
            }
        } catch {
            if Task.isCancelled {
                publish("end", #"{"total":\#(index),"stopped":true}"#, id: "end")
            } else {
                fail("\(error)")
            }
        }
        // Its streams end once they have every event; a page that comes back later gets 204.
        streaming.withLock { $0[answer] = nil }
        try? broadcaster.shutDown()
    }
}
