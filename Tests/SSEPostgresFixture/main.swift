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
//     GET /start?id=G&tokens=N&pace=MS   starts (or joins) generation G: N tokens "t1"…, one
//                                    every MS ms (default 10); answers "started" or "joined"
//     GET /generations/G             generation G's stream, from Last-Event-ID (204: none)
//     GET /stop?id=G                 stops G on whichever instance runs it: "true" or "false"
//     GET /producers                 "started N cancelled M": this instance's producers
//
// SSE_FIXTURE_LEASE_MS sets the generations' lease (default 1000).

#if PostgresSupport && NIOSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import PostgresNIO
import SSECodec
import SSELongPolling
import SSENIO
import SSEPostgres
import SSEStreaming
import ServiceLifecycle
import Synchronization
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

var generationsConfiguration = SSEPostgresGenerations.Configuration()
generationsConfiguration.lease = .milliseconds(
    getenv("SSE_FIXTURE_LEASE_MS").flatMap { Int(String(cString: $0)) } ?? 1_000
)
generationsConfiguration.limits.heartbeat = .seconds(1)
let generations = SSEPostgresGenerations(events: events, configuration: generationsConfiguration, logger: logger)
/// This instance's producers: started, and cancelled before their last token.
let producers = Mutex((started: 0, cancelled: 0))

var router = SSERouter()
router.get("/start") { request in
    let tokens = Int(request.query["tokens"] ?? "10") ?? 10
    let pace = Duration.milliseconds(Int(request.query["pace"] ?? "10") ?? 10)
    let started = try await generations.start(request.query["id"] ?? "") { writer in
        producers.withLock { $0.started += 1 }
        do {
            for number in 1...max(tokens, 1) {
                try await Task.sleep(for: pace)
                try await writer.publish(ServerSentEvent(type: "token", data: "t\(number)"))
            }
        } catch {
            producers.withLock { $0.cancelled += 1 }
            throw error
        }
    }
    return .text(started ? "started\n" : "joined\n")
}
router.get("/generations/:id") { request in
    .generation(try await generations.subscribe(to: request.parameters["id"] ?? "", lastEventID: request.lastEventID))
}
router.get("/stop") { request in
    .text("\(try await generations.stop(request.query["id"] ?? ""))\n")
}
router.get("/producers") { _ in
    let (started, cancelled) = producers.withLock { ($0.started, $0.cancelled) }
    return .text("started \(started) cancelled \(cancelled)\n")
}
let longPoll = SSELongPoll(broadcaster: events.broadcaster)
router.get("/poll") { request in
    await longPoll.response(to: request, topics: ["news"])
}
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
    try? generations.shutDown()
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
            .init(service: generations),
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
