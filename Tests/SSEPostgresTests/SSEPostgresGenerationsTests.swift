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
import PostgresNIO
import SSECodec
import SSEPostgres
import SSEStreaming
import SSETestSupport
import Synchronization
import Testing

/// Generations across instances (`SSEPostgresGenerations`), in the suite of SSEPostgres (one test
/// there restarts the server).
extension SSEPostgresTests {
    @Suite("SSEPostgresGenerations: generations across instances")
    struct Generations {
        // MARK: In one process

        @Test(
            "A generation started on A is served on B and C numbered alike: a client that drops on A resumes on B, one that comes after the end gets it whole on C"
        )
        func generationAcrossInstances() async throws {
            try await withGenerations(count: 3) { instances in
                let (a, b, c) = (instances[0], instances[1], instances[2])
                let (tokens, feed) = AsyncStream<String>.makeStream()
                let started = try await a.start("answer-1") { writer in
                    for await token in tokens {
                        try await writer.publish(ServerSentEvent(type: "token", data: token))
                    }
                }
                #expect(started)
                var onA = EventReader(try #require(try await a.subscribe(to: "answer-1")))
                feed.yield("one")
                feed.yield("two")
                let first = try await onA.events(2)
                #expect(first.map(\.id) == ["answer-1:1", "answer-1:2"])
                // A second client drops after its first event and comes back on B.
                var onB = EventReader(try #require(try await b.subscribe(to: "answer-1", lastEventID: "answer-1:1")))
                feed.yield("three")
                feed.finish()
                let resumed = try await onB.events(3)
                #expect(resumed.map(\.data) == ["two", "three", #"{"reason":"completed"}"#])
                #expect(resumed.map(\.id) == ["answer-1:2", "answer-1:3", "answer-1:4"])
                #expect(resumed.last?.type == SSEGenerations.endEventType)
                #expect(try await onB.next() == nil)
                #expect(try await onA.events(2).map(\.id) == ["answer-1:3", "answer-1:4"])
                // After the end, within the retention, on an instance that had no copy.
                var onC = EventReader(try #require(try await c.subscribe(to: "answer-1")))
                #expect(try await onC.events(4).map(\.data) == ["one", "two", "three", #"{"reason":"completed"}"#])
                #expect(try await onC.next() == nil)
                #expect(try await c.status(of: "answer-1")?.endReason == .completed)
                // A client that has the end, and an unknown generation: nothing (a server's 204).
                #expect(try await c.subscribe(to: "answer-1", lastEventID: "answer-1:4") == nil)
                #expect(try await b.subscribe(to: "answer-2") == nil)
                // A start under a kept ID joins it, on any instance.
                #expect(try await b.start("answer-1") { _ in Issue.record("a second producer ran") } == false)
            }
        }

        @Test("Concurrent starts of one ID on three instances run one producer; the others join it")
        func generationStartsOnce() async throws {
            try await withGenerations(count: 3) { instances in
                let producers = Counter()
                let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for instance in instances {
                        for _ in 0..<3 {
                            group.addTask {
                                try await instance.start("once") { writer in
                                    producers.add()
                                    try await writer.publish(ServerSentEvent(data: "only"))
                                }
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(results.filter { $0 }.count == 1)
                var reader = EventReader(try #require(try await instances[2].subscribe(to: "once")))
                #expect(try await reader.events(2).map(\.data) == ["only", #"{"reason":"completed"}"#])
                #expect(producers.value == 1)
            }
        }

        @Test("A stop on B ends the generation with stopped on every instance and cancels its producer on A")
        func generationStoppedElsewhere() async throws {
            try await withGenerations(count: 3) { instances in
                let (a, b, c) = (instances[0], instances[1], instances[2])
                let (cancellations, cancelled) = AsyncStream<Void>.makeStream()
                try await a.start("stop-me") { writer in
                    try await writer.publish(ServerSentEvent(type: "token", data: "x"))
                    do {
                        try await Task.sleep(for: .seconds(3_600))
                    } catch {
                        cancelled.yield()
                        throw error
                    }
                }
                var onC = EventReader(try #require(try await c.subscribe(to: "stop-me")))
                #expect(try await onC.events(1).map(\.data) == ["x"])
                #expect(try await b.stop("stop-me"))
                let end = try await onC.events(1)
                #expect(end.map(\.data) == [#"{"reason":"stopped"}"#])
                #expect(try await onC.next() == nil)
                var iterator = cancellations.makeAsyncIterator()
                #expect(await iterator.next() != nil, "the producer on A was not cancelled")
                #expect(try await b.stop("stop-me") == false)
                #expect(try await c.stop("never-started") == false)
                #expect(await eventually { a.runningCount == 0 })
            }
        }

        @Test(
            "A producer that throws ends with failed and its message, past maximumEvents with tooLarge, past maximumDuration with timedOut, on every instance; a look-alike end event is no end"
        )
        func generationFailuresAndLimits() async throws {
            struct ModelDown: Error {}
            try await withGenerations(count: 2) { configuration in
                configuration.limits.maximumEvents = 3
                configuration.limits.maximumDuration = .milliseconds(500)
                configuration.limits.failureMessage = { _ in "The model is down." }
            } _: { instances in
                let (a, b) = (instances[0], instances[1])
                try await a.start("fails") { writer in
                    try await writer.publish(ServerSentEvent(data: "before"))
                    throw ModelDown()
                }
                var failed = EventReader(try #require(try await b.subscribe(to: "fails")))
                #expect(
                    try await failed.events(2).map(\.data) == [
                        "before", #"{"reason":"failed","message":"The model is down."}"#,
                    ]
                )
                let refused = Refusal()
                try await a.start("large") { writer in
                    do {
                        for number in 1...5 {
                            try await writer.publish(ServerSentEvent(data: "\(number)"))
                        }
                    } catch {
                        refused.record(error)
                        throw error
                    }
                }
                var large = EventReader(try #require(try await b.subscribe(to: "large")))
                #expect(try await large.events(4).map(\.data) == ["1", "2", "3", #"{"reason":"tooLarge"}"#])
                #expect(await eventually { refused.error == .ended })
                // A producer's event of the end event's type is an event like any other, not an end.
                try await a.start("look-alike") { writer in
                    try await writer.publish(ServerSentEvent(type: SSEGenerations.endEventType, data: "not the end"))
                    try await writer.publish(ServerSentEvent(data: "after"))
                }
                var lookAlike = EventReader(try #require(try await b.subscribe(to: "look-alike")))
                #expect(
                    try await lookAlike.events(3).map(\.data) == ["not the end", "after", #"{"reason":"completed"}"#]
                )
                try await a.start("slow") { writer in
                    try await writer.publish(ServerSentEvent(data: "thinking"))
                    try await Task.sleep(for: .seconds(3_600))
                }
                var slow = EventReader(try #require(try await b.subscribe(to: "slow")))
                #expect(try await slow.events(2).map(\.data) == ["thinking", #"{"reason":"timedOut"}"#])
                #expect(await eventually { a.runningCount == 0 })
            }
        }

        @Test(
            "Starts are bounded per instance (a join is not), IDs are checked, a shut down instance refuses; the database away is unavailable, not a hang"
        )
        func generationStartsRefused() async throws {
            try await withGenerations(count: 2) { configuration in
                configuration.limits.maximumRunningGenerations = 1
            } _: { instances in
                let (a, b) = (instances[0], instances[1])
                let (release, go) = AsyncStream<Void>.makeStream()
                try await a.start("busy") { _ in
                    for await _ in release {}
                }
                await #expect(throws: SSEGenerationError.tooManyGenerations) {
                    try await a.start("second") { _ in }
                }
                #expect(try await b.start("second") { _ in })
                await #expect(throws: SSEGenerationError.invalidID) {
                    try await a.start("with\u{1F}separator") { _ in }
                }
                await #expect(throws: SSEGenerationError.invalidID) {
                    try await a.start("") { _ in }
                }
                // At its limit, an instance still joins a generation that exists.
                #expect(try await a.start("second") { _ in } == false)
                #expect(try await a.start("busy") { _ in } == false)
                go.finish()
                // After a shutdown nothing starts, and no client is told that a generation is over.
                try a.shutDown()
                await #expect(throws: SSEGenerationError.shutDown) {
                    try await a.subscribe(to: "second")
                }
                await #expect(throws: SSEGenerationError.shutDown) {
                    try await a.start("third") { _ in }
                }
            }
            // A database that does not answer.
            var configuration = SSEPostgresBroadcaster.Configuration()
            configuration.tableName = PostgresServer.table()
            let events = SSEPostgresBroadcaster(
                client: try PostgresServer.client(port: 1),
                configuration: configuration
            )
            var limits = SSEPostgresGenerations.Configuration()
            limits.timeout = .milliseconds(300)
            let generations = SSEPostgresGenerations(events: events, configuration: limits)
            await #expect(throws: SSEGenerationError.unavailable) {
                try await generations.start("nowhere") { _ in }
            }
            await #expect(throws: SSEGenerationError.unavailable) {
                try await generations.subscribe(to: "nowhere")
            }
        }

        // MARK: Instances in processes of their own

        @Test(
            "Over HTTP: a client that drops on A resumes on B (the independent Python client), concurrent starts on three instances start once, 204 after the end"
        )
        func generationProcesses() async throws {
            let table = PostgresServer.table()
            let a = try await Instance(table: table)
            let b = try await Instance(table: table)
            let c = try await Instance(table: table)
            defer {
                a.kill()
                b.kill()
                c.kill()
            }
            let starts = try await withThrowingTaskGroup(of: String.self) { group in
                for instance in [a, b, c] {
                    group.addTask { try await curl("\(instance.base)/start?id=g1&tokens=30&pace=20") }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(starts.sorted() == ["joined\n", "joined\n", "started\n"])
            let peer = try GenerationClient(
                "\(a.base)/generations/g1",
                dropAfter: 5,
                resumeURL: "\(b.base)/generations/g1"
            )
            let (report, output) = try await peer.report()
            #expect(report.data == (1...30).map { "t\($0)" }, "\(output)")
            #expect(report.ids == (1...30).map { "g1:\($0)" })
            #expect(report.end == ["reason": "completed"])
            #expect(report.lastStatus == 204)
            #expect(report.reconnects == 1)
            var producers: [String] = []
            for instance in [a, b, c] {
                producers.append(try await curl("\(instance.base)/producers"))
            }
            #expect(producers.filter { $0 == "started 1 cancelled 0\n" }.count == 1)
            #expect(producers.filter { $0 == "started 0 cancelled 0\n" }.count == 2)
            #expect(try await curl("-o", "/dev/null", "-w", "%{http_code}", "\(c.base)/generations/unknown") == "204")
        }

        @Test(
            "The instance that runs a generation killed with SIGKILL: clients on the others get the end interrupted, and it is not started again"
        )
        func generationOwnerKilled() async throws {
            let table = PostgresServer.table()
            let a = try await Instance(table: table)
            let b = try await Instance(table: table)
            defer { b.kill() }
            #expect(try await curl("\(a.base)/start?id=k1&tokens=100000&pace=20") == "started\n")
            let onB = try StreamClient("\(b.base)/generations/k1")
            defer { onB.close() }
            let before = try await onB.read(until: 3)
            #expect(before.map(\.data) == ["t1", "t2", "t3"])
            a.kill()
            let ended = await until {
                _ = try await onB.read(until: onB.events.count + 1)
                return onB.events.last?.type == SSEGenerations.endEventType
            }
            #expect(ended, "the client on B never got the end")
            #expect(onB.events.last?.data == #"{"reason":"interrupted"}"#)
            #expect(try await curl("\(b.base)/start?id=k1") == "joined\n")
            #expect(try await curl("\(b.base)/producers") == "started 0 cancelled 0\n")
        }

        @Test(
            "The database restarted mid-generation: the producer's publishes wait it out, and a client on another instance gets every event once, then the end"
        )
        func generationThroughDatabaseRestart() async throws {
            let table = PostgresServer.table()
            // A lease longer than the restart: the generation must not be ended as interrupted.
            let a = try await Instance(table: table, lease: .seconds(60))
            let b = try await Instance(table: table, lease: .seconds(60))
            defer {
                a.kill()
                b.kill()
            }
            #expect(try await curl("\(a.base)/start?id=r1&tokens=100&pace=20") == "started\n")
            let onB = try StreamClient("\(b.base)/generations/r1")
            defer { onB.close() }
            #expect(try await onB.read(until: 10).count == 10)
            try await PostgresServer.restart()
            let events = try await onB.read(until: 101)
            #expect(events.dropLast().map(\.data) == (1...100).map { "t\($0)" })
            #expect(events.dropLast().map(\.id) == (1...100).map { "r1:\($0)" })
            #expect(events.last?.data == #"{"reason":"completed"}"#)
        }

        @Test(
            "The instance that runs a generation stopped with SIGTERM ends it with interrupted for the clients on the others at once, not after its lease"
        )
        func generationOwnerShutDown() async throws {
            let table = PostgresServer.table()
            // A lease far longer than the test may wait: only the shutdown can end the generation.
            let a = try await Instance(table: table, lease: .seconds(3_600))
            let b = try await Instance(table: table, lease: .seconds(3_600))
            defer {
                a.kill()
                b.kill()
            }
            #expect(try await curl("\(a.base)/start?id=s1&tokens=100000&pace=20") == "started\n")
            let onB = try StreamClient("\(b.base)/generations/s1")
            defer { onB.close() }
            #expect(try await onB.read(until: 2).map(\.data) == ["t1", "t2"])
            a.child.signal(SIGTERM)
            let ended = await until {
                _ = try await onB.read(until: onB.events.count + 1)
                return onB.events.last?.type == SSEGenerations.endEventType
            }
            #expect(ended, "the client on B never got the end")
            #expect(onB.events.last?.data == #"{"reason":"interrupted"}"#)
            _ = try await blocking { a.child.readToEnd() }
            #expect(a.child.terminationStatus == 0)
        }
    }
}

/// Runs `body` with `count` instances (a broadcaster and its generations each, on one client and
/// one table), all running; a lease of 500 ms.
func withGenerations<T: Sendable>(
    count: Int,
    configure: (inout SSEPostgresGenerations.Configuration) -> Void = { _ in },
    _ body: @Sendable ([SSEPostgresGenerations]) async throws -> T
) async throws -> T {
    let client = try PostgresServer.client()
    var broadcasting = SSEPostgresBroadcaster.Configuration()
    broadcasting.tableName = PostgresServer.table()
    broadcasting.broadcaster.heartbeat = nil
    broadcasting.initialReconnectDelay = .milliseconds(20)
    broadcasting.maximumReconnectDelay = .milliseconds(200)
    var configuration = SSEPostgresGenerations.Configuration()
    configuration.lease = .milliseconds(500)
    configuration.timeout = .seconds(2)
    configuration.limits.heartbeat = nil
    configure(&configuration)
    let instances = (0..<count).map { _ in
        SSEPostgresGenerations(
            events: SSEPostgresBroadcaster(client: client, configuration: broadcasting),
            configuration: configuration
        )
    }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        for instance in instances {
            group.addTask { try await instance.events.run() }
            group.addTask { try await instance.run() }
        }
        defer { group.cancelAll() }
        let listening = await eventually { instances.allSatisfy { $0.events.isListening } }
        try #require(listening, "the broadcasters never listened")
        return try await body(instances)
    }
}
/// A count shared with producers.
final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func add() { count.withLock { $0 += 1 } }
}

/// The error a producer was refused with.
final class Refusal: Sendable {
    private let refusal = Mutex<SSEGenerationError?>(nil)
    var error: SSEGenerationError? { refusal.withLock { $0 } }
    func record(_ error: any Error) { refusal.withLock { $0 = error as? SSEGenerationError } }
}
#endif
