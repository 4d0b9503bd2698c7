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
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SSEHummingbird
import SSENIOCore
import ServiceLifecycle
import UnixSignals

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
///   `413` for one over 1,000 characters (or a body over 16 KiB), each with a message saying why;
/// - `POST /users/:user/notifications` with the text as the body: to that user only, `404` when
///   the user is in no room.
///
/// `chat-vapor` is the same example on Vapor.
@main
struct Chat {
    static func main() async {
        let options = ExampleOptions.parse("chat", summary: "Chat rooms on Hummingbird.", [])
        await ExampleServer.main(options) {
            try await serve(options)
        }
    }

    static func serve(_ options: ExampleOptions) async throws {
        let rooms = ChatRooms()
        let router = Router()
        if let cors = options.cors {
            router.add(middleware: AllowedOrigins(cors))
        }
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
            try await answer {
                let events = try rooms.events(
                    room: context.parameters.get("room") ?? "",
                    user: request.uri.queryParameters.get("user") ?? "",
                    lastEventID: try request.sseLastEventID()
                )
                return try SSEStream(body: .chunks(events)).response(from: request, context: context)
            }
        }
        router.post("/rooms/:room/messages") { request, context -> Response in
            try await answer {
                let body = try await collect(request)
                let id = try rooms.post(room: context.parameters.get("room") ?? "", body: Array(buffer: body))
                return Response(status: .accepted, body: ResponseBody(byteBuffer: ByteBuffer(string: id + "\n")))
            }
        }
        router.post("/users/:user/notifications") { request, context -> Response in
            try await answer {
                let body = try await collect(request)
                let id = try rooms.notify(user: context.parameters.get("user") ?? "", text: String(buffer: body))
                return Response(status: .accepted, body: ResponseBody(byteBuffer: ByteBuffer(string: id + "\n")))
            }
        }
        var logger = Logger(label: "chat")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: options.port)),
            onServerRunning: { channel in
                ExampleServer.announce(
                    "Chat (Hummingbird)",
                    url: "http://127.0.0.1:\(channel.localAddress?.port ?? 0)/"
                )
            },
            logger: logger
        )
        // Services stop in reverse order: on Ctrl-C the rooms end their streams (with the final
        // event) first, so the server, which waits for open requests, has none left to wait for.
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: app), .init(service: EndsRooms(rooms: rooms))],
                gracefulShutdownSignals: [.sigint, .sigterm],
                logger: logger
            )
        )
        try await group.run()
    }

    /// The body, up to ``ChatRooms/maximumBodySize``; a larger one is a `413` that says why.
    static func collect(_ request: Request) async throws(ChatRooms.Refusal) -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: ChatRooms.maximumBodySize)
        } catch {
            throw ChatRooms.bodyTooLarge
        }
    }

    /// `body`'s response; a refusal becomes its status with its message.
    static func answer(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let refusal as ChatRooms.Refusal {
            throw HTTPError(HTTPResponse.Status(code: refusal.status), message: refusal.message)
        }
    }
}

/// Ends the rooms' streams when the service group begins to stop.
struct EndsRooms: Service {
    let rooms: ChatRooms

    func run() async throws {
        try? await gracefulShutdown()
        await rooms.shutDown()
    }
}

/// `--cors-origin` on Hummingbird's `CORSMiddleware`: pages on the origins named may read the
/// streams with credentials (any origin without, for `*`); others get no CORS header fields.
struct AllowedOrigins<Context: RequestContext>: RouterMiddleware {
    let origins: Set<String>?
    let cors: CORSMiddleware<Context>

    init(_ policy: SSECORS) {
        origins = policy.allowedOrigins
        cors = CORSMiddleware(
            allowOrigin: policy.allowedOrigins == nil ? .all : .originBased,
            allowHeaders: [HTTPField.Name("Last-Event-ID")!, .cacheControl, .contentType],
            allowMethods: [.get, .head, .post, .options],
            allowCredentials: policy.allowsCredentials,
            exposedHeaders: ["Retry-After"],
            maxAge: .seconds(600)
        )
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        if let origins, let origin = request.headers[.origin], !origins.contains(origin) {
            return try await next(request, context)
        }
        return try await cors.handle(request, context: context, next: next)
    }
}
