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

#if CommandLineTool
import Foundation
import SSETestSupport
import Synchronization
import Testing

/// A PostgreSQL server of the test's own (`scripts/postgres-server.sh` with its own folder and
/// port), so that restarting it disturbs no other suite.
struct OwnPostgres {
    let directory: String
    let port: Int
    let url: String

    static func start() async throws -> Self {
        let port = try Nginx.freePort()
        let directory = NSTemporaryDirectory() + "sse-hub-postgres-\(UUID().uuidString.prefix(8))"
        let output = try await control(["start", "\(port)"], directory: directory)
        let url = try #require(output.split(separator: "\n").last.map(String.init), "\(output)")
        return Self(directory: directory, port: port, url: url)
    }

    /// `scripts/postgres-server.sh` with `arguments` on the server in `directory`; its output.
    @discardableResult
    static func control(_ arguments: [String], directory: String) async throws -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/postgres-server.sh").path
        let child = try Child(["env", "SSE_POSTGRES_DIR=\(directory)", "bash", script] + arguments)
        let output = try await blocking { child.readToEnd() }
        #expect(child.terminationStatus == 0, "postgres-server.sh \(arguments): \(output)")
        return output
    }

    /// A database restart: every connection is cut.
    func restart() async throws {
        try await Self.control(["restart", "\(port)"], directory: directory)
    }

    func stop() async throws {
        try await Self.control(["stop", "\(port)"], directory: directory)
    }
}

/// A stream reader that moves to another hub when its hub's stream ends, resuming from its last
/// ID, until it has received the event `until` names.
final class MovingReader: Sendable {
    struct Received: Sendable, Equatable {
        let id: String
        let data: String
    }

    private let state = Mutex<(received: [Received], moves: Int, stopping: String?)>(([], 0, nil))

    var received: [Received] { state.withLock { $0.received } }
    var moves: Int { state.withLock { $0.moves } }

    /// Stops once the event with this ID has come.
    func stop(at id: String) {
        state.withLock { $0.stopping = id }
    }

    /// Reads from `urls[start]` after `lastID`, then from the next of `urls` each time a
    /// stream ends, with `curl`.
    func run(urls: [String], start: Int, after lastID: String, curl: [String]) async throws {
        var index = start
        var lastID = lastID
        while true {
            let child = try Child(curl + ["-N", "-H", "Last-Event-ID: \(lastID)", urls[index % urls.count]])
            var pending = ""
            while true {
                let (output, running) = try await blocking { [pending] in
                    var collected = pending
                    _ = child.read(until: "\u{1}", into: &collected, timeout: 0.5)
                    return (collected, child.isRunning)
                }
                var blocks = output.components(separatedBy: "\n\n")
                pending = blocks.removeLast()
                for block in blocks {
                    let lines = block.split(separator: "\n")
                    guard let id = lines.first(where: { $0.hasPrefix("id: ") }).map({ String($0.dropFirst(4)) }) else {
                        continue
                    }
                    lastID = id
                    let data = lines.filter { $0.hasPrefix("data: ") }.map { $0.dropFirst(6) }.joined(separator: "\n")
                    if lines.contains(where: { $0.hasPrefix("data: ") }) {
                        state.withLock { $0.received.append(Received(id: id, data: data)) }
                    }
                }
                if state.withLock({ $0.stopping }) == lastID {
                    child.kill()
                    return
                }
                if !running {
                    break
                }
            }
            state.withLock { $0.moves += 1 }
            index += 1
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

extension SSEToolTests {
    @Test(
        "three hubs on one PostgreSQL over TLS with tokens: private and public updates published round robin with idempotency keys; SIGKILL of a hub and a database restart mid-stream: readers resume on another hub with every event once, in one order",
        .enabled(if: ProcessInfo.processInfo.environment["SSE_POSTGRES_URL"] != nil),
        .requires(.openssl),
        .timeLimit(.minutes(3))
    )
    func hubsOnPostgres() async throws {
        let postgres = try await OwnPostgres.start()
        let certificates = try TestCertificates()
        let tokens = try HubTokens()
        defer {
            certificates.remove()
            try? FileManager.default.removeItem(atPath: tokens.directory)
        }
        let signed = try await tokens.sign([
            HubTokens.claims("backend", publish: ["*"]),
            HubTokens.claims("alice", subscribe: ["users/alice"]),
            HubTokens.claims("bob"),
        ])
        let (publisher, alice, bob) = (signed[0], signed[1], signed[2])
        var hubs: [HubProcess] = []
        for _ in 0..<3 {
            hubs.append(
                try await HubProcess.start(
                    [
                        "--postgres", postgres.url, "--tls-certificate", certificates.certificate, "--tls-key",
                        certificates.privateKey, "--heartbeat", "1", "--shutdown-grace", "2",
                    ],
                    environment: ["SSE_HUB_JWT_SECRET=\(tokens.secret)"]
                )
            )
        }
        let curl = ["curl", "-s", "--cacert", certificates.authority]
        for hub in hubs {
            var ready = false
            for _ in 0..<200 where !ready {
                let health = try Child(curl + [hub.url + "/healthz"])
                ready = try await blocking { health.readToEnd() } == "ok\n"
            }
            #expect(ready, "\(hub.url) is connected to PostgreSQL")
        }
        // A first event, which the readers resume after: they miss nothing however late they
        // connect.
        let first = try Child(
            curl + [
                "-H", "Authorization: Bearer \(publisher)", "-d", "topic=news", "-d", "data=first",
                hubs[0].url + "/publish",
            ]
        )
        let firstID = try await blocking { first.readToEnd() }.trimmingCharacters(in: .whitespacesAndNewlines)
        let urls = hubs.map { $0.url + "/events?topic=news,users/alice" }
        // Three readers with alice's grant, one on each hub; one with bob's token, without it.
        let readers = (0..<4).map { _ in MovingReader() }
        let reading = readers.enumerated().map { index, reader in
            Task {
                try await reader.run(
                    urls: urls,
                    start: index,
                    after: firstID,
                    curl: curl + ["-H", "Authorization: Bearer \(index < 3 ? alice : bob)"]
                )
            }
        }

        /// Publishes event `number` round robin, to the next live hub while one refuses, with
        /// its key: a publish that failed after its commit is not published twice.
        var alive = [true, true, true]
        var published: [MovingReader.Received] = []
        func publish(_ number: Int) async throws {
            let isPrivate = number.isMultiple(of: 2)
            var form = ["-d", "data=event \(number)", "-d", "id=key-\(number)"]
            form += isPrivate ? ["-d", "topic=users/alice", "-d", "private=on"] : ["-d", "topic=news"]
            for attempt in 0..<400 {
                let hub = (number + attempt) % 3
                guard alive[hub] else {
                    continue
                }
                let child = try Child(
                    curl + ["-w", "\n%{http_code}", "-H", "Authorization: Bearer \(publisher)"] + form + [
                        hubs[hub].url + "/publish"
                    ]
                )
                let answer = try await blocking { child.readToEnd() }.split(separator: "\n")
                if answer.last == "200", let id = answer.first {
                    published.append(.init(id: String(id), data: "event \(number)"))
                    return
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("event \(number) was never published")
        }
        for number in 0..<20 {
            try await publish(number)
        }
        // A hub dies mid-stream: its readers move on.
        hubs[0].child.kill()
        alive[0] = false
        for number in 20..<40 {
            try await publish(number)
        }
        // The database restarts: publishes fail (503) until it is back, then go on.
        try await postgres.restart()
        for number in 40..<60 {
            try await publish(number)
        }
        // Published again with the same key after it succeeded: the same ID, nothing new.
        let again = try Child(
            curl + [
                "-H", "Authorization: Bearer \(publisher)", "-d", "topic=news", "-d", "data=event 59", "-d",
                "id=key-59",
            ]
                + [hubs[1].url + "/publish"]
        )
        #expect(try await blocking { again.readToEnd() } == published.last.map { $0.id + "\n" })

        // The last event is public (59 is odd), so bob's reader stops at it too.
        let lastID = try #require(published.last?.id)
        for reader in readers {
            reader.stop(at: lastID)
        }
        for task in reading {
            try await task.value
        }
        for (index, reader) in readers.dropLast().enumerated() {
            #expect(reader.received == published, "reader \(index): \(reader.received.map(\.data))")
        }
        let publicOnes = published.filter { !(Int($0.data.dropFirst("event ".count)) ?? 0).isMultiple(of: 2) }
        #expect(readers[3].received == publicOnes, "bob: \(readers[3].received.map(\.data))")
        #expect(readers[0].moves >= 1, "the reader of the killed hub moved")
        #expect(Set(published.map(\.id)).count == 60)

        // SIGTERM drains the two hubs left; each exits 0.
        for hub in hubs.dropFirst() {
            hub.child.signal(SIGTERM)
            _ = try await blocking { hub.child.readToEnd() }
            #expect(hub.child.terminationStatus == 0)
            try? FileManager.default.removeItem(atPath: hub.log)
        }
        try? FileManager.default.removeItem(atPath: hubs[0].log)
        try await postgres.stop()
    }
}
#endif
