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

#if CommandLineTool
import ArgumentParser
import Foundation
import SSECodec
import SSELongPolling
import SSENIO
import SSEStreaming

/// `sse hub`: a publish hub on the embedded server and the broadcaster.
struct Hub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a small publish hub: subscribe with GET /events, publish with POST /publish.",
        discussion: """
            GET /events?topic=T streams topic T (default "default"; several: topic=a,b), resuming after \
            Last-Event-ID from the replay log; with transport=poll it answers as a long poll, so the \
            browser script (/sse.js) works too. POST /publish?topic=T publishes the request body as the \
            event's data, or, with Content-Type: application/json, {"type":…,"data":…,"id":…} (data \
            required); the answer is the event's ID.

            Examples:
              sse hub --port 8080
              sse listen http://127.0.0.1:8080/events?topic=news
              curl -d 'hello' 127.0.0.1:8080/publish?topic=news
              curl -H 'Content-Type: application/json' -d '{"type":"alert","data":"hi"}' 127.0.0.1:8080/publish
            """
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port (0 picks a free one).")
    var port = 8080

    @Option(help: "Events kept for resuming clients.")
    var replay = 1000

    @Option(help: "Seconds between heartbeat comments on quiet streams.")
    var heartbeat: Int = 15

    @OptionGroup(title: "TLS and HTTP/2")
    var tls: ServerTLSOptions

    func validate() throws {
        guard replay >= 0, heartbeat > 0 else {
            throw ValidationError("--replay must not be negative and --heartbeat must be positive")
        }
    }

    func run() async throws {
        var configuration = SSEBroadcaster.Configuration()
        configuration.maximumReplayCount = replay
        configuration.idPrefix = ""
        configuration.heartbeat = .seconds(heartbeat)
        let broadcaster = SSEBroadcaster(configuration: configuration)
        let longPoll = SSELongPoll(broadcaster: broadcaster)
        var router = SSERouter()
        router.getBrowserScript()
        router.get("/") { _ in
            .text("sse hub: GET /events?topic=T, POST /publish?topic=T; sse hub --help says more.\n")
        }
        router.get("/events") { request in
            await longPoll.response(to: request, topics: Self.topics(of: request))
        }
        router.post("/publish") { request in
            let event = try Self.event(from: request)
            do {
                let id = try broadcaster.publish(event, to: Self.topics(of: request))
                return .text(id + "\n")
            } catch {
                throw SSEHTTPError(.badRequest, "Cannot publish this event: \(error)")
            }
        }
        try await serve(router, host: host, port: port, tls: tls, name: "hub")
    }

    static func topics(of request: SSERequest) -> [String] {
        let topics = (request.query["topic"] ?? "").split(separator: ",").map(String.init)
        return topics.isEmpty ? ["default"] : topics
    }

    /// The body as the event's data, or a JSON event.
    static func event(from request: SSERequest) throws -> ServerSentEvent {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().hasPrefix("application/json") else {
            guard let data = String(validating: request.body, as: UTF8.self) else {
                throw SSEHTTPError(.badRequest, "The body is not UTF-8 text.")
            }
            return ServerSentEvent(data: data)
        }
        struct Published: Decodable {
            let type: String?
            let data: String
            let id: String?
        }
        let published: Published
        do {
            published = try JSONDecoder().decode(Published.self, from: Data(request.body))
        } catch {
            throw SSEHTTPError(.badRequest, "Expected {\"type\":…,\"data\":…,\"id\":…} with a string data: \(error)")
        }
        return ServerSentEvent(
            type: published.type ?? ServerSentEvent.defaultType,
            data: published.data,
            id: published.id
        )
    }
}
#endif
