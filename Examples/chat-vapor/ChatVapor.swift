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
    static func main() async throws {
        let rooms = ChatRooms()
        let app = try await Application.make(Environment(name: "production", arguments: ["chat-vapor"]))
        app.logger.logLevel = .warning
        // Without pipelining, a page leaving is noticed on a quiet stream.
        app.http.server.configuration.supportPipelining = false
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
            do {
                let events = try rooms.events(
                    room: request.parameters.get("room") ?? "",
                    user: request.query[String.self, at: "user"] ?? "",
                    lastEventID: try request.sseLastEventID()
                )
                return try await SSEStream(body: .chunks(events)).encodeResponse(for: request)
            } catch let refusal as ChatRooms.Refusal {
                throw Abort(HTTPResponseStatus(statusCode: refusal.status), reason: refusal.message)
            }
        }
        app.on(.POST, "rooms", ":room", "messages", body: .collect(maxSize: "16kb")) { request -> Response in
            do {
                let id = try rooms.post(
                    room: request.parameters.get("room") ?? "",
                    body: request.body.data.map { Array(buffer: $0) } ?? []
                )
                return Response(status: .accepted, body: .init(string: id + "\n"))
            } catch let refusal as ChatRooms.Refusal {
                throw Abort(HTTPResponseStatus(statusCode: refusal.status), reason: refusal.message)
            }
        }
        app.on(.POST, "users", ":user", "notifications", body: .collect(maxSize: "16kb")) { request -> Response in
            let text = request.body.data.map { String(buffer: $0) } ?? ""
            let id = rooms.notify(user: request.parameters.get("user") ?? "", text: text)
            return Response(status: .accepted, body: .init(string: id + "\n"))
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: ExampleServer.port()))
        print("Chat (Vapor): open http://127.0.0.1:\(app.http.server.shared.localAddress?.port ?? 0)/ (Ctrl-C to stop)")
        fflush(nil)
        // Ctrl-C or SIGTERM: stop listening, end the streams, exit 0.
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
        rooms.shutDown()
        await app.server.shutdown()
        try await app.asyncShutdown()
    }
}
