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

// One SSEPostgres instance as a deployment runs it, for the end-to-end benchmark
// (Postgres/deployment.sh): the embedded server, a PostgreSQL client, the broadcaster.
//
//     sse-postgres-instance URL TABLE     # prints "listening PORT" once it listens and LISTENs
//
// WRITE_INTERVAL_MS=N sets the server's minimumWriteInterval (none by default).
//
//     GET /events       the stream of topic "bench", from Last-Event-ID
//     POST /publish     publishes the body as one event's data on "bench"; answers its ID, with
//                       `Server-Timing: write;dur=MS` (the time `publish` took: queue and commit)
import Foundation
import Logging
import PostgresNIO
import SSECodec
import SSENIO
import SSEPostgres
import SSEStreaming
import ServiceLifecycle

let arguments = CommandLine.arguments
guard arguments.count == 3, let url = URLComponents(string: arguments[1]), let host = url.host,
    let user = url.user
else {
    print("usage: sse-postgres-instance postgres://USER@HOST:PORT/DATABASE TABLE")
    exit(64)
}

var logger = Logger(label: "sse-postgres-instance")
logger.logLevel = .warning
let postgres = PostgresClient(
    configuration: .init(
        host: host,
        port: url.port ?? 5432,
        username: user,
        password: nil,
        database: String(url.path.dropFirst()),
        tls: .disable
    ),
    backgroundLogger: logger
)
var configuration = SSEPostgresBroadcaster.Configuration()
configuration.tableName = arguments[2]
configuration.broadcaster.heartbeat = nil
configuration.broadcaster.maximumQueuedEvents = 65_536
configuration.maximumPendingEvents = 100_000
let events = SSEPostgresBroadcaster(client: postgres, configuration: configuration, logger: logger)

var router = SSERouter()
router.get("/events") { request in
    .stream(events.broadcaster.subscribe(to: ["bench"], lastEventID: request.lastEventID))
}
router.post("/publish") { request in
    let began = ContinuousClock.now
    let id = try await events.publish(ServerSentEvent(data: request.bodyText), to: "bench")
    let took = began.duration(to: .now)
    var response = SSEResponse.text(id)
    let milliseconds = Double(took.components.seconds) * 1e3 + Double(took.components.attoseconds) / 1e15
    response.headers[HTTPField.Name("Server-Timing")!] = "write;dur=" + String(format: "%.3f", milliseconds)
    return response
}

var serverConfiguration = SSEServer.Configuration(host: "127.0.0.1", port: 0)
serverConfiguration.logger = logger
// The generator opens its publishing connections before the steps, and uses some only at the
// higher rates.
serverConfiguration.keepAliveTimeout = .seconds(600)
serverConfiguration.requestHeadTimeout = .seconds(600)
// WRITE_INTERVAL_MS: the server's minimum write interval (deployment.sh passes it on).
if let milliseconds = ProcessInfo.processInfo.environment["WRITE_INTERVAL_MS"].flatMap(Int.init), milliseconds > 0 {
    serverConfiguration.minimumWriteInterval = .milliseconds(milliseconds)
}
let server = SSEServer(configuration: serverConfiguration, router: router) {
    try? events.broadcaster.shutDown()
} onServerRunning: { port in
    Task {
        while !events.isListening {
            try await Task.sleep(for: .milliseconds(10))
        }
        print("listening \(port)")
        fflush(nil)
    }
}
try await ServiceGroup(
    configuration: .init(
        services: [.init(service: postgres), .init(service: events), .init(service: server)],
        gracefulShutdownSignals: [.sigint, .sigterm],
        logger: logger
    )
)
.run()
