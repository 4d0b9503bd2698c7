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

#if AsyncHTTPClientSupport && HummingbirdSupport && VaporSupport
import Foundation
import Hummingbird
import NIOCore
import SSECodec
import SSEClient
import SSEHummingbird
import SSEJSON
import SSENIO
import SSEStreaming
import SSEServerTestSupport
import SSETestSupport
import Synchronization
import Testing

/// The servers of this project, each serving a `Fixture`.
enum OwnServer: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case embedded
    case hummingbird
    case vapor

    var testDescription: String { rawValue }

    func start(_ fixture: Fixture, port: Int = 0) async throws -> any ServerUnderTest {
        switch self {
        case .embedded: try await TestServer.start(fixture, corsOrigin: nil, port: port)
        case .hummingbird: try await HummingbirdServer.start(fixture, corsOrigin: nil, port: port)
        case .vapor: try await VaporServer.start(fixture, corsOrigin: nil, port: port)
        }
    }
}

@Suite("SSEClient against this project's servers", .serialized, .timeLimit(.minutes(2)))
struct SSEClientAdapterTests {
    @Test(
        "Server stopped mid-stream and restarted on its port, events published meanwhile: each exactly once, in order",
        arguments: OwnServer.allCases
    )
    func restart(_ kind: OwnServer) async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        var server = try await kind.start(fixture)
        let port = server.port
        let client = SSEClient(url: "http://127.0.0.1:\(port)/events", configuration: .fast())
        let received = Mutex<[String]>([])
        let opened = Mutex<[SSEClient.State]>([])
        let reader = Task {
            for try await update in client.updates {
                switch update {
                case .event(let event):
                    received.withLock { $0.append(event.data) }
                case .state(let state):
                    if case .open = state {
                        opened.withLock { $0.append(state) }
                    }
                case .comment, .dropped, .retry:
                    break
                }
            }
        }
        #expect(await eventually { opened.withLock { $0.count } == 1 && broadcaster.subscriberCount == 1 })
        for index in 1...50 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
        }
        // Stopped as soon as the first event is in: the rest may still be on their way, and are lost
        // with the connection. (A client that has received nothing has no ID to resume from, and
        // would start from the live events, as a browser does.)
        #expect(await eventually { !received.withLock { $0.isEmpty } })
        await server.stop()
        for index in 51...100 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
        }
        server = try await kind.start(fixture, port: port)
        #expect(await eventually { opened.withLock { $0.count } == 2 })
        for index in 101...150 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
        }
        #expect(await eventually { received.withLock { $0.count } >= 150 })
        reader.cancel()
        _ = await reader.result
        #expect(received.withLock { $0 } == (1...150).map { "event \($0)" })
        // Gzip was asked for and, by these servers, used.
        if case .open(let head) = opened.withLock({ $0.last }) {
            #expect(head.headerFields[.contentEncoding] == "gzip")
        }
        // The client's cancellation closed its connection, and the server let the subscription go.
        #expect(await eventually { broadcaster.subscriberCount == 0 })
        await server.stop()
    }

    @Test("Leaving the loop closes the connection: the server releases the subscriber", arguments: OwnServer.allCases)
    func leavingCloses(_ kind: OwnServer) async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        for index in 1...3 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
        }
        let server = try await kind.start(fixture)
        var configuration = SSEClient.Configuration()
        configuration.lastEventID = "1"
        configuration.acceptsGzip = false
        var received: [String] = []
        for try await event in SSEClient(url: "http://127.0.0.1:\(server.port)/events", configuration: configuration)
            .events
        {
            received.append(event.data)
            if received.count == 2 {
                break
            }
        }
        #expect(received == ["event 2", "event 3"])
        #expect(await eventually { broadcaster.subscriberCount == 0 })
        if let connections = server.connectionCount {
            #expect(await eventually { server.connectionCount == 0 }, "\(connections) connections")
        }
        await server.stop()
    }

    /// An OpenAI-compatible fake on Hummingbird: POST /v1/chat/completions streams
    /// `chat.completion.chunk` objects and ends with `data: [DONE]`.
    enum FakeLLM {
        struct ChatRequest: Codable {
            struct Message: Codable {
                let role: String
                let content: String
            }

            let model: String
            let stream: Bool
            let messages: [Message]
        }

        struct ChatChunk: Codable {
            struct Choice: Codable {
                struct Delta: Codable {
                    let content: String?
                }

                let index: Int
                let delta: Delta
            }

            let id: String
            let object: String
            let choices: [Choice]
        }

        static let words = ["Hello", ", ", "how ", "can ", "I ", "help", "?"]

        static func start() async throws -> (port: Int, task: Task<Void, any Error>, seen: SeenRequests) {
            let seen = SeenRequests()
            let router = Router()
            router.post("/v1/chat/completions") { request, context in
                let body = try await request.body.collect(upTo: 1 << 20)
                let chat = try? JSONDecoder().decode(ChatRequest.self, from: Data(body.readableBytesView))
                seen.append(authorization: request.headers[.authorization], request: chat)
                let (events, continuation) = AsyncStream<ServerSentEvent>.makeStream()
                Task {
                    for (index, word) in words.enumerated() {
                        let chunk = ChatChunk(
                            id: "chatcmpl-1",
                            object: "chat.completion.chunk",
                            choices: [.init(index: 0, delta: .init(content: word))]
                        )
                        continuation.yield(try ServerSentEvent(json: chunk, id: String(index)))
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    continuation.yield(ServerSentEvent(data: "[DONE]"))
                    continuation.finish()
                }
                return SSEStream(events: events)
            }
            let (ports, portContinuation) = AsyncStream<Int>.makeStream()
            let app = Application(
                router: router,
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) }
            )
            let task = Task { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            return (await iterator.next() ?? 0, task, seen)
        }
    }

    final class SeenRequests: Sendable {
        private let requests = Mutex<[(authorization: String?, request: FakeLLM.ChatRequest?)]>([])

        func append(authorization: String?, request: FakeLLM.ChatRequest?) {
            requests.withLock { $0.append((authorization, request)) }
        }

        var all: [(authorization: String?, request: FakeLLM.ChatRequest?)] { requests.withLock { $0 } }
    }

    @Test("An OpenAI-style stream in a few lines: POST, JSON chunks, stop at [DONE]")
    func llmStreaming() async throws {
        let (port, task, seen) = try await FakeLLM.start()
        defer { task.cancel() }

        // What the documentation's "LLM streaming" article shows.
        var configuration = SSEClient.Configuration()
        configuration.method = .post
        configuration.headerFields[.authorization] = "Bearer sk-test"
        configuration.headerFields[.contentType] = "application/json"
        configuration.body = Array(
            #"{"model":"fake-1","stream":true,"messages":[{"role":"user","content":"Hi"}]}"#.utf8
        )
        let client = SSEClient(url: "http://127.0.0.1:\(port)/v1/chat/completions", configuration: configuration)
        var answer = ""
        for try await chunk in client.events.prefix(untilData: "[DONE]").decodedJSON(FakeLLM.ChatChunk.self) {
            answer += chunk.choices.first?.delta.content ?? ""
        }

        #expect(answer == FakeLLM.words.joined())
        let requests = seen.all
        #expect(requests.count == 1)
        #expect(requests.first?.authorization == "Bearer sk-test")
        #expect(requests.first?.request?.model == "fake-1")
        #expect(requests.first?.request?.messages.first?.content == "Hi")
    }
}
#endif
