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

#if PostgresSupport
import Foundation
import Logging
import PostgresNIO
import SSECodec
import SSEPostgres
import SSEStreaming
import SSETestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL server the tests use: `SSE_POSTGRES_URL` (postgres://USER@HOST:PORT/DATABASE),
/// as `scripts/postgres-server.sh start` prints it; `.ci/run` starts one. Run by hand without it,
/// the suites that need it are skipped.
enum PostgresServer {
    static let url = ProcessInfo.processInfo.environment["SSE_POSTGRES_URL"]

    /// Without a server, the suites are skipped by hand and fail in CI.
    static let available = url != nil || ProcessInfo.processInfo.environment["CI"] != nil

    static let skipMessage: Comment =
        "needs PostgreSQL: export SSE_POSTGRES_URL=$(scripts/postgres-server.sh start)"

    struct Address {
        var user: String
        var host: String
        var port: Int
        var database: String
    }

    static func address() throws -> Address {
        let url = try #require(url, "SSE_POSTGRES_URL is not set")
        let rest = try #require(url.hasPrefix("postgres://") ? url.dropFirst("postgres://".count) : nil)
        let at = try #require(rest.firstIndex(of: "@"))
        let slash = try #require(rest.firstIndex(of: "/"))
        let hostPort = rest[rest.index(after: at)..<slash].split(separator: ":")
        return Address(
            user: String(rest[..<at]),
            host: String(hostPort[0]),
            port: hostPort.count > 1 ? Int(hostPort[1]) ?? 5432 : 5432,
            database: String(rest[rest.index(after: slash)...])
        )
    }

    static func client(port: Int? = nil) throws -> PostgresClient {
        let address = try address()
        var configuration = PostgresClient.Configuration(
            host: address.host,
            port: port ?? address.port,
            username: address.user,
            password: nil,
            database: address.database,
            tls: .disable
        )
        configuration.options.connectTimeout = .seconds(2)
        return PostgresClient(configuration: configuration)
    }

    /// A table name of the test's own, so that tests never see each other's events.
    static func table() -> String {
        "sse_test_" + String(UInt64.random(in: 0..<UInt64.max), radix: 36)
    }

    /// The path of a file of the repository.
    static func repository(_ path: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(path).path
    }

    /// Restarts the server (`scripts/postgres-server.sh restart`): every connection is cut.
    static func restart() async throws {
        try await control("restart")
    }

    /// `scripts/postgres-server.sh` with `command`: `restart`, `pause` (stopped, its data kept)
    /// or `resume`.
    ///
    /// `system` waits for its own child: Foundation's `Process.waitUntilExit()` spun at full CPU
    /// for ever once, in a run of the whole suite, after the script had exited.
    static func control(_ command: String) async throws {
        let script = repository("scripts/postgres-server.sh")
        let status = try await blocking { system("bash '\(script)' \(command) > /dev/null 2>&1") }
        #expect(status == 0, "scripts/postgres-server.sh \(command) failed")
    }

    /// Runs SQL with psql.
    static func psql(_ sql: String) async throws -> String {
        let child = try Child(["psql", "-qAt", try #require(url), "-c", sql])
        return try await blocking { child.readToEnd() }
    }
}

/// Runs `body` with a client and a broadcaster on `table`, both running, then stops them.
func withBroadcaster<T: Sendable>(
    table: String,
    client: PostgresClient? = nil,
    waitUntilListening: Bool = true,
    configure: (inout SSEPostgresBroadcaster.Configuration) -> Void = { _ in },
    _ body: @Sendable (SSEPostgresBroadcaster) async throws -> T
) async throws -> T {
    let client = try client ?? PostgresServer.client()
    var configuration = SSEPostgresBroadcaster.Configuration()
    configuration.tableName = table
    configuration.broadcaster.heartbeat = nil
    configuration.initialReconnectDelay = .milliseconds(20)
    configuration.maximumReconnectDelay = .milliseconds(200)
    configure(&configuration)
    let events = SSEPostgresBroadcaster(client: client, configuration: configuration)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        group.addTask { try await events.run() }
        defer { group.cancelAll() }
        if waitUntilListening {
            let listening = await eventually { events.isListening }
            try #require(listening, "the broadcaster never listened")
        }
        return try await body(events)
    }
}

/// Reads a subscription's events, decoded.
struct EventReader {
    private var iterator: SSEBroadcaster.Subscription.AsyncIterator
    private var decoder = SSEDecoder()
    private var ready: [ServerSentEvent] = []

    init(_ subscription: SSEBroadcaster.Subscription) {
        iterator = subscription.makeAsyncIterator()
    }

    mutating func next() async throws -> ServerSentEvent? {
        while ready.isEmpty {
            guard let chunk = try await iterator.next() else {
                return nil
            }
            try decoder.decode(chunk) { output in
                if case .event(let event) = output {
                    ready.append(event)
                }
            }
        }
        return ready.removeFirst()
    }

    mutating func events(_ count: Int) async throws -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        while events.count < count, let event = try await next() {
            events.append(event)
        }
        return events
    }
}

/// One server instance in a process of its own (`Tests/SSEPostgresFixture`).
final class Instance: Sendable {
    let child: Child
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    /// Starts an instance on `table`; `lease` sets its generations' lease (`SSE_FIXTURE_LEASE_MS`).
    init(table: String, lease: Duration? = nil) async throws {
        let tests =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let fixture = URL(fileURLWithPath: tests).deletingLastPathComponent().appendingPathComponent(
            "SSEPostgresFixture"
        )
        .path
        let environment = lease.map { ["env", "SSE_FIXTURE_LEASE_MS=\(Int($0 / .milliseconds(1)))"] } ?? []
        child = try Child(environment + [fixture, try #require(PostgresServer.url), table])
        var output = ""
        let started = try await child.receive("listening ", into: &output)
        _ = try await child.receive("\n", into: &output)
        try #require(started, "the instance did not start: \(output)")
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("listening ") })
        port = try #require(Int(line.dropFirst("listening ".count)))
    }

    /// Publishes `count` events of `data` through this instance; their IDs.
    func publish(_ data: String, count: Int = 1, topic: String = "news") async throws -> [String] {
        let output = try await curl("\(base)/publish?topic=\(topic)&count=\(count)&data=\(data)")
        return output.split(separator: "\n").map(String.init)
    }

    /// Its status line: "delivered ID listening BOOL subscribers N".
    func status() async throws -> [String] {
        try await curl("\(base)/status").split(separator: " ").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// A curl on this instance's stream, once the instance counts it as a subscriber.
    func openStream() async throws -> StreamClient {
        let client = try StreamClient("\(base)/events")
        let subscribed = await until { try await subscribers() == 1 }
        try #require(subscribed, "the stream never subscribed")
        return client
    }

    func subscribers() async throws -> Int {
        Int(try await status().last ?? "") ?? -1
    }

    func kill() {
        child.kill()
    }
}

/// Checks `condition` until it holds, for up to `seconds` (a limit that only keeps a broken test
/// from hanging); an error counts as not yet.
/// The number of an SSEPostgres event ID (`<epoch>-<number>`), or `nil` if it is not one.
func idNumber(_ id: String) -> Int? {
    let parts = id.split(separator: "-")
    guard parts.count == 2, !parts[0].isEmpty else {
        return nil
    }
    return Int(parts[1])
}

/// The ID after `id`, in its epoch.
func idSuccessor(_ id: String) -> String {
    id.prefix { $0 != "-" } + "-" + String(idNumber(id)! + 1)
}

func until(within seconds: Double = 30, _ condition: () async throws -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1_000))
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true {
            return true
        }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return false
}

func curl(_ arguments: String...) async throws -> String {
    let child = try Child(["curl", "-s", "--max-time", "30"] + arguments)
    return try await blocking { child.readToEnd() }
}

/// A curl reading a stream, decoded as it goes.
final class StreamClient: @unchecked Sendable {
    let child: Child
    private var text = ""
    private var decoder = SSEDecoder()
    private(set) var events: [ServerSentEvent] = []

    init(_ url: String, lastEventID: String? = nil) throws {
        var arguments = ["curl", "-sN"]
        if let lastEventID {
            arguments += ["-H", "Last-Event-ID: \(lastEventID)"]
        }
        child = try Child(arguments + [url])
    }

    /// Reads until `count` events arrived in all (or 30 s passed); the events.
    func read(until count: Int) async throws -> [ServerSentEvent] {
        let deadline = ContinuousClock.now + .seconds(30)
        while events.count < count, ContinuousClock.now < deadline {
            var chunk = ""
            _ = try await child.receive("\n\n", into: &chunk, timeout: 1)
            try decoder.decode(Array(chunk.utf8)) { output in
                if case .event(let event) = output {
                    events.append(event)
                }
            }
        }
        return events
    }

    func close() {
        child.kill()
    }
}
#endif
