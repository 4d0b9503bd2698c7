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

// The Hummingbird adapter (SSEHummingbird) under load, with the same routes as the embedded
// server's (Load/Server): `GET /events` and `POST /broadcast?count=M&size=B`.
import Hummingbird
import LoadShared
import Logging
import SSEHummingbird

let router = Router()
router.get("/events") { request, _ in
    SSEStream(LoadBroadcast.subscribe(lastEventID: try request.sseLastEventID()))
}
// `source`: as for the embedded server (Load/Server).
router.get("/own") { request, _ in
    let query = request.uri.queryParameters
    let count = query["count"].flatMap { Int($0) }
    let size = query["size"].flatMap { Int($0) }
    switch query["source"] {
    case "plain": return SSEStream(events: LoadBroadcast.plainOwnEvents(count: count, size: size))
    case "stream": return SSEStream(events: LoadBroadcast.ownEventStream(count: count, size: size))
    case "map": return SSEStream(events: LoadBroadcast.plainOwnEvents(count: count, size: size).map { $0 })
    default: return SSEStream(events: LoadBroadcast.ownEvents(count: count, size: size))
    }
}
router.post("/broadcast") { request, _ in
    let query = request.uri.queryParameters
    return Response(
        status: .accepted,
        body: ResponseBody(
            byteBuffer: ByteBuffer(
                string: LoadBroadcast.startBurst(
                    count: query["count"].flatMap { Int($0) },
                    size: query["size"].flatMap { Int($0) }
                )
            )
        )
    )
}
var logger = Logger(label: "sse-load-hummingbird")
logger.logLevel = .warning
let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: LoadBroadcast.port), backlog: 1_024),
    onServerRunning: { channel in
        LoadBroadcast.announce(port: channel.localAddress?.port ?? 0, server: "sse-load-hummingbird")
    },
    logger: logger
)
try await app.run()
