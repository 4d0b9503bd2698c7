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

import ChatCore
import Dispatch
import ExampleSupport
import SSENIOCore
import SSEVapor
import Vapor

#if canImport(Glibc)
import Glibc
#endif

/// The chat example on Vapor: the same rooms, routes and page as `chat` (Hummingbird).
///
/// ```sh
/// swift run --package-path Examples chat-vapor    # http://127.0.0.1:8080/?room=lobby&user=ada
/// ```
@main
struct ChatVapor {
    static func main() async {
        let options = ExampleOptions.parse("chat-vapor", summary: "Chat rooms on Vapor.", [])
        await ExampleServer.main(options) {
            let app = try await Application.make(Environment(name: "production", arguments: ["chat-vapor"]))
            do {
                try await serve(app, options)
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
        }
    }

    static func serve(_ app: Application, _ options: ExampleOptions) async throws {
        let rooms = ChatRooms()
        app.logger.logLevel = .warning
        // Without pipelining, a page leaving is noticed on a quiet stream.
        app.http.server.configuration.supportPipelining = false
        if let cors = options.cors {
            let configuration = CORSMiddleware.Configuration(
                allowedOrigin: cors.allowedOrigins.map { .any(Array($0)) } ?? .all,
                allowedMethods: [.GET, .HEAD, .POST, .OPTIONS],
                allowedHeaders: ["Last-Event-ID", .cacheControl, .contentType],
                allowCredentials: cors.allowsCredentials,
                cacheExpiration: 600,
                exposedHeaders: [.retryAfter]
            )
            app.middleware.use(CORSMiddleware(configuration: configuration), at: .beginning)
        }
        app.get { _ in
            Response(
                status: .ok,
                headers: ["Content-Type": "text/html; charset=utf-8"],
                body: .init(string: ChatRooms.page)
            )
        }
        app.get(PathComponent(stringLiteral: String(ExampleServer.stylesheetPath.dropFirst()))) { _ in
            Response(
                status: .ok,
                headers: ["Content-Type": "text/css; charset=utf-8"],
                body: .init(string: ExampleServer.stylesheet)
            )
        }
        app.get("rooms", ":room", "events") { request in
            try await answer {
                let events = try rooms.events(
                    room: request.parameters.get("room") ?? "",
                    user: request.query[String.self, at: "user"] ?? "",
                    lastEventID: try request.sseLastEventID()
                )
                return try await SSEStream(body: .chunks(events)).encodeResponse(for: request)
            }
        }
        // Bodies are collected by the routes, so that one over the limit gets a reason.
        app.on(.POST, "rooms", ":room", "messages", body: .stream) { request -> Response in
            try await answer {
                let body = try await collect(request)
                let id = try rooms.post(room: request.parameters.get("room") ?? "", body: Array(buffer: body))
                return Response(status: .accepted, body: .init(string: id + "\n"))
            }
        }
        app.on(.POST, "users", ":user", "notifications", body: .stream) { request -> Response in
            try await answer {
                let body = try await collect(request)
                let id = try rooms.notify(user: request.parameters.get("user") ?? "", text: String(buffer: body))
                return Response(status: .accepted, body: .init(string: id + "\n"))
            }
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: options.port))
        ExampleServer.announce(
            "Chat (Vapor)",
            url: "http://127.0.0.1:\(app.http.server.shared.localAddress?.port ?? 0)/"
        )
        // Ctrl-C or SIGTERM: end the streams (with the final event), stop listening, exit 0.
        let (interrupts, interrupted) = AsyncStream.makeStream(of: Void.self)
        let signals = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
            source.setEventHandler { interrupted.yield() }
            source.resume()
            return source
        }
        var waiting = interrupts.makeAsyncIterator()
        _ = await waiting.next()
        withExtendedLifetime(signals) {}
        await rooms.shutDown()
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    /// The body, up to ``ChatRooms/maximumBodySize``; a larger one is a `413` that says why.
    static func collect(_ request: Request) async throws(ChatRooms.Refusal) -> ByteBuffer {
        do {
            return try await request.body.collect(max: ChatRooms.maximumBodySize).get() ?? ByteBuffer()
        } catch {
            throw ChatRooms.bodyTooLarge
        }
    }

    /// `body`'s response; a refusal becomes its status with its message.
    static func answer(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let refusal as ChatRooms.Refusal {
            throw Abort(HTTPResponseStatus(statusCode: refusal.status), reason: refusal.message)
        }
    }
}
