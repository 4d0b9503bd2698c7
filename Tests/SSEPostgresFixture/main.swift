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

// One server instance on a broadcaster shared through PostgreSQL, for SSEPostgres's tests and
// benchmark: `sse-postgres-fixture URL [TABLE]` (URL as postgres://USER@HOST:PORT/DATABASE). It
// prints "listening PORT" once it listens and its broadcaster runs; SIGINT and SIGTERM stop it.
//
//     GET /events?topic=T            the stream of topic T (default "news"), from Last-Event-ID
//     GET /publish?topic=T&data=D&count=N   publishes N events (default 1); answers their IDs
//     GET /status                    "delivered ID listening BOOL subscribers N"

#if PostgresSupport && NIOSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import PostgresNIO
import SSECodec
import SSENIO
import SSEPostgres
import SSEStreaming
import ServiceLifecycle
import UnixSignals

let arguments = CommandLine.arguments
guard arguments.count >= 2, let url = PostgresURL(arguments[1]) else {
    print("usage: sse-postgres-fixture postgres://USER@HOST:PORT/DATABASE [TABLE]")
    exit(64)
}

/// The parts of a postgres:// URL the fixture takes.
struct PostgresURL {
    var user: String
    var host: String
    var port: Int
    var database: String

    init?(_ text: String) {
        guard text.hasPrefix("postgres://") else {
            return nil
        }
        let rest = text.dropFirst("postgres://".count)
        guard let at = rest.firstIndex(of: "@"), let slash = rest.firstIndex(of: "/") else {
            return nil
        }
        user = String(rest[..<at])
        let hostPort = rest[rest.index(after: at)..<slash].split(separator: ":")
        host = String(hostPort.first ?? "127.0.0.1")
        port = hostPort.count > 1 ? Int(hostPort[1]) ?? 5432 : 5432
        database = String(rest[rest.index(after: slash)...])
    }
}

var logger = Logger(label: "sse-postgres-fixture")
logger.logLevel = .info
var clientConfiguration = PostgresClient.Configuration(
    host: url.host,
    port: url.port,
    username: url.user,
    password: nil,
    database: url.database,
    tls: .disable
)
clientConfiguration.options.connectTimeout = .seconds(2)
let postgres = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
var configuration = SSEPostgresBroadcaster.Configuration()
if arguments.count >= 3 {
    configuration.tableName = arguments[2]
}
configuration.initialReconnectDelay = .milliseconds(50)
configuration.maximumReconnectDelay = .milliseconds(500)
configuration.broadcaster.heartbeat = .seconds(1)
let events = SSEPostgresBroadcaster(client: postgres, configuration: configuration, logger: logger)

var router = SSERouter()
router.get("/events") { request in
    .stream(events.broadcaster.subscribe(to: [request.query["topic"] ?? "news"], lastEventID: request.lastEventID))
}
router.get("/publish") { request in
    let count = Int(request.query["count"] ?? "1") ?? 1
    var ids: [String] = []
    for _ in 0..<count {
        ids.append(
            try await events.publish(
                ServerSentEvent(data: request.query["data"] ?? ""),
                to: request.query["topic"] ?? "news"
            )
        )
    }
    return .text(ids.joined(separator: "\n") + "\n")
}
router.get("/status") { _ in
    .text(
        "delivered \(events.deliveredThroughID ?? "0") listening \(events.isListening) subscribers \(events.broadcaster.subscriberCount)\n"
    )
}

var serverConfiguration = SSEServer.Configuration(port: 0)
serverConfiguration.logger = logger
/// Writes a line to stdout at once (no buffering: the test waits for it).
@Sendable func say(_ line: String) {
    var line = line + "\n"
    line.withUTF8 { bytes in _ = write(1, bytes.baseAddress, bytes.count) }
}

// The port goes to stdout once the server listens and the broadcaster has started.
let server = SSEServer(configuration: serverConfiguration, router: router) {
    try? events.broadcaster.shutDown()
} onServerRunning: { port in
    Task {
        while !events.isListening {
            try await Task.sleep(for: .milliseconds(10))
        }
        say("listening \(port)")
    }
}

let group = ServiceGroup(
    configuration: .init(
        services: [
            .init(service: postgres),
            .init(service: events),
            .init(service: server),
        ],
        gracefulShutdownSignals: [.sigint, .sigterm],
        logger: logger
    )
)
try await group.run()
#else
print("sse-postgres-fixture needs the PostgresSupport and NIOSupport traits")
#endif
