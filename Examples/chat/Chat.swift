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
import ExampleSupport
import Hummingbird
import Logging
import NIOCore
import SSEHummingbird
import SSENIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Chat rooms on Hummingbird: each room's events (joins, messages, leaves, the member count) on
/// one broadcaster, history for a page that resumes, and notifications for one user.
///
/// ```sh
/// swift run --package-path Examples chat          # http://127.0.0.1:8080/?room=lobby&user=ada
/// ```
///
/// - `GET /rooms/:room/events?user=NAME`: the room's stream for that user;
/// - `POST /rooms/:room/messages` with `{"user": …, "text": …}`: `400` for an empty message,
///   `413` for one over 1,000 characters;
/// - `POST /users/:user/notifications` with the text as the body: to that user only.
///
/// `chat-vapor` is the same example on Vapor.
@main
struct Chat {
    static func main() async throws {
        let rooms = ChatRooms()
        let router = Router()
        router.get("/") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: ChatRooms.page))
            )
        }
        router.get(RouterPath(ExampleServer.stylesheetPath)) { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/css; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: ExampleServer.stylesheet))
            )
        }
        router.get("/rooms/:room/events") { request, context in
            do {
                let events = try rooms.events(
                    room: context.parameters.get("room") ?? "",
                    user: request.uri.queryParameters.get("user") ?? "",
                    lastEventID: try request.sseLastEventID()
                )
                return try SSEStream(body: .chunks(events)).response(from: request, context: context)
            } catch let refusal as ChatRooms.Refusal {
                throw HTTPError(HTTPResponse.Status(code: refusal.status), message: refusal.message)
            }
        }
        router.post("/rooms/:room/messages") { request, context -> Response in
            let body = try await request.body.collect(upTo: 16 * 1024)
            do {
                let id = try rooms.post(room: context.parameters.get("room") ?? "", body: Array(buffer: body))
                return Response(status: .accepted, body: ResponseBody(byteBuffer: ByteBuffer(string: id + "\n")))
            } catch let refusal as ChatRooms.Refusal {
                throw HTTPError(HTTPResponse.Status(code: refusal.status), message: refusal.message)
            }
        }
        router.post("/users/:user/notifications") { request, context -> Response in
            let body = try await request.body.collect(upTo: 16 * 1024)
            let id = rooms.notify(user: context.parameters.get("user") ?? "", text: String(buffer: body))
            return Response(status: .accepted, body: ResponseBody(byteBuffer: ByteBuffer(string: id + "\n")))
        }
        var logger = Logger(label: "chat")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: ExampleServer.port())),
            onServerRunning: { channel in
                print("Chat (Hummingbird): open http://127.0.0.1:\(channel.localAddress?.port ?? 0)/ (Ctrl-C to stop)")
                fflush(nil)
            },
            logger: logger
        )
        try await app.runService()
        rooms.shutDown()
    }
}
