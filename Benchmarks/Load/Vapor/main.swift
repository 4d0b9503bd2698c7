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

// The Vapor adapter (SSEVapor) under load, with the same routes as the embedded server's
// (Load/Server): `GET /events` and `POST /broadcast?count=M&size=B`.
import LoadShared
import SSEVapor
import Vapor

let app = try await Application.make(.production)
app.logger.logLevel = .warning
app.http.server.configuration.supportPipelining = false
app.http.server.configuration.backlog = 1_024
app.get("events") { request in
    SSEStream(LoadBroadcast.subscribe(lastEventID: try request.sseLastEventID()))
}
// `source`: as for the embedded server (Load/Server).
app.get("own") { request in
    let count: Int? = request.query["count"]
    let size: Int? = request.query["size"]
    switch request.query[String.self, at: "source"] {
    case "plain": return SSEStream(events: LoadBroadcast.plainOwnEvents(count: count, size: size))
    case "stream": return SSEStream(events: LoadBroadcast.ownEventStream(count: count, size: size))
    case "map": return SSEStream(events: LoadBroadcast.plainOwnEvents(count: count, size: size).map { $0 })
    default: return SSEStream(events: LoadBroadcast.ownEvents(count: count, size: size))
    }
}
app.post("broadcast") { request in
    Response(
        status: .accepted,
        body: .init(string: LoadBroadcast.startBurst(count: request.query["count"], size: request.query["size"]))
    )
}
func start(_ server: any Server) async throws {
    try await server.start(address: .hostname("127.0.0.1", port: LoadBroadcast.port))
}
try await start(app.server)
LoadBroadcast.announce(port: app.http.server.shared.localAddress?.port ?? 0, server: "sse-load-vapor")
// Serves until run.sh kills it.
while true {
    try await Task.sleep(for: .seconds(3_600))
}
