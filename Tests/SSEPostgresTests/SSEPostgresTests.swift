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
import SSELongPolling
import SSEPostgres
import SSEStreaming
import SSETestSupport
import Testing

/// Against a real PostgreSQL server, one suite at a time (one test restarts the server).
@Suite(
    "SSEPostgres: one broadcaster across instances, on PostgreSQL",
    .serialized,
    .enabled(if: PostgresServer.available, PostgresServer.skipMessage)
)
struct SSEPostgresTests {
    // MARK: In one process

    @Test("An event published on one instance reaches the subscribers of another, with the database's ID")
    func acrossInstances() async throws {
        let table = PostgresServer.table()
        try await withBroadcaster(table: table) { a async throws in
            try await withBroadcaster(table: table) { b async throws in
                var onA = EventReader(a.broadcaster.subscribe(to: ["news"]))
                var onB = EventReader(b.broadcaster.subscribe(to: ["news"]))
                let first = try await b.publish(ServerSentEvent(type: "headline", data: "one"), to: "news")
                let second = try await a.publish(ServerSentEvent(data: "two"), to: ["news", "sports"])
                #expect(idNumber(second)! == idNumber(first)! + 1)
                #expect(second.hasPrefix(first.prefix { $0 != "-" } + "-"), "one epoch")
                for events in [try await onA.events(2), try await onB.events(2)] {
                    #expect(events.map(\.data) == ["one", "two"])
                    #expect(events.map(\.id) == [first, second])
                    #expect(events.first?.type == "headline")
                }
            }
        }
    }

    @Test(
        "Published in the application's transaction: delivered on every instance when it commits, never when it rolls back or its connection is cut first"
    )
    func transactionalPublish() async throws {
        struct RolledBack: Error {}
        let table = PostgresServer.table()
        let client = try PostgresServer.client()
        let logger = Logger(label: "swift-sse.test")
        try await withBroadcaster(table: table, client: client) { a async throws in
            try await withBroadcaster(table: table) { b async throws in
                var onA = EventReader(a.broadcaster.subscribe(to: ["orders"]))
                var onB = EventReader(b.broadcaster.subscribe(to: ["orders"]))
                await #expect {
                    try await client.withTransaction(logger: logger) { connection in
                        try await connection.query("SELECT 1", logger: logger)
                        try await a.publish(ServerSentEvent(data: "rolled back"), to: "orders", in: connection)
                        throw RolledBack()
                    }
                } throws: { error in
                    (error as? PostgresTransactionError)?.closureError is RolledBack
                }
                // As if the process died between the write and the commit: the connection goes.
                let address = try PostgresServer.address()
                let cut = try await PostgresConnection.connect(
                    configuration: .init(
                        host: address.host,
                        port: address.port,
                        username: address.user,
                        password: nil,
                        database: address.database,
                        tls: .disable
                    ),
                    id: 1,
                    logger: logger
                )
                try await cut.query("BEGIN", logger: logger)
                try await b.publish(ServerSentEvent(data: "cut off"), to: "orders", in: cut)
                try await cut.close()
                let committed = try await client.withTransaction(logger: logger) { connection in
                    try await a.publish(ServerSentEvent(data: "committed"), to: "orders", in: connection)
                }
                let after = try await b.publish(ServerSentEvent(data: "after"), to: "orders")
                for events in [try await onA.events(2), try await onB.events(2)] {
                    #expect(events.map(\.data) == ["committed", "after"])
                    #expect(events.map(\.id) == [committed, after])
                }
                let rows = try await PostgresServer.psql(
                    "SELECT string_agg(convert_from(data, 'UTF8'), ',' ORDER BY id) FROM \(table)"
                )
                #expect(rows.trimmingCharacters(in: .whitespacesAndNewlines) == "committed,after")
            }
        }
    }

    @Test(
        "The delivery latency on another instance counts from the write's start on the database, inline or read from the table"
    )
    func latencyAcrossInstances() async throws {
        let table = PostgresServer.table()
        let client = try PostgresServer.client()
        let logger = Logger(label: "swift-sse.test")
        try await withBroadcaster(table: table, client: client) { a async throws in
            try await withBroadcaster(table: table) { b async throws in
                var onB = b.broadcaster.subscribe(to: ["orders"]).makeAsyncIterator()
                onB.report = .init(measuresLatency: true)
                // The transaction begins, then waits 300 ms before it writes and commits: the
                // write's `now()` is the transaction's start, so B's latency is at least 300 ms,
                // although B receives the event at once after the commit.
                let large = String(repeating: "x", count: 9_000)
                for data in ["small", large] {
                    onB.report.latency = nil
                    try await client.withTransaction(logger: logger) { connection in
                        try await connection.query("SELECT pg_sleep(0.3)", logger: logger)
                        try await a.publish(ServerSentEvent(data: data), to: "orders", in: connection)
                    }
                    let received = try #require(try await onB.next())
                    #expect(String(decoding: received, as: UTF8.self).contains("data: \(data.prefix(5))"))
                    let latency = try #require(onB.report.latency)
                    #expect(latency >= .milliseconds(300), "\(data.count) bytes: \(latency)")
                }
            }
        }
    }

    @Test(
        "A transaction holding the ordering lock past the publish timeout fails the transactional publish with timedOut"
    )
    func transactionalPublishWaitsBounded() async throws {
        let client = try PostgresServer.client()
        let logger = Logger(label: "swift-sse.test")
        try await withBroadcaster(table: PostgresServer.table(), client: client, configure: Self.shortTimeout) {
            events async throws in
            try await whileOrderingLockHeld(by: client, on: events) {
                await #expect {
                    try await client.withTransaction(logger: logger) { connection in
                        try await events.publish(ServerSentEvent(data: "waits"), to: "orders", in: connection)
                    }
                } throws: { error in
                    ((error as? PostgresTransactionError)?.closureError as? SSEPostgresError)?.code == .timedOut
                }
            }
        }
    }

    @Test("A publish repeated with its idempotency key, on any instance, at once or later, is one event with one ID")
    func idempotentPublish() async throws {
        let table = PostgresServer.table()
        try await withBroadcaster(table: table) { a async throws in
            try await withBroadcaster(table: table) { b async throws in
                var reader = EventReader(a.broadcaster.subscribe(to: ["orders"]))
                let first = try await a.publish(ServerSentEvent(data: "paid"), to: "orders", idempotencyKey: "order-7")
                // The retry of a publish whose outcome was unknown, from another instance.
                let again = try await b.publish(ServerSentEvent(data: "paid"), to: "orders", idempotencyKey: "order-7")
                #expect(again == first)
                // Two at once, with a new key: one wins, both get its ID.
                async let one = a.publish(
                    ServerSentEvent(data: "shipped"),
                    to: "orders",
                    idempotencyKey: "order-7-ship"
                )
                async let other = b.publish(
                    ServerSentEvent(data: "shipped"),
                    to: "orders",
                    idempotencyKey: "order-7-ship"
                )
                let (shippedOne, shippedOther) = try await (one, other)
                #expect(shippedOne == shippedOther)
                let plain = try await b.publish(ServerSentEvent(data: "no key"), to: "orders")
                let events = try await reader.events(3)
                #expect(events.map(\.data) == ["paid", "shipped", "no key"])
                #expect(events.map(\.id) == [first, shippedOne, plain])
                let rows = try await PostgresServer.psql("SELECT count(*) FROM \(table)")
                #expect(rows.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
                await #expect {
                    try await a.publish(ServerSentEvent(data: "x"), to: "orders", idempotencyKey: "")
                } throws: { error in
                    (error as? SSEPostgresError)?.code == .invalidEvent
                }
            }
        }
    }

    @Test(
        "A publish whose commit went through but whose reply was lost fails with writeFailed; its retry with the key is the same event, delivered once"
    )
    func idempotentAfterLostReply() async throws {
        let table = PostgresServer.table()
        let proxy = try await CuttingProxy(upstreamPort: PostgresServer.address().port)
        defer { Task { try? await proxy.close() } }
        try await withBroadcaster(table: table, client: PostgresServer.client(port: proxy.port)) { a async throws in
            try await withBroadcaster(table: table) { b async throws in
                var reader = EventReader(b.broadcaster.subscribe(to: ["orders"]))
                proxy.cut(afterRequestContaining: "INSERT INTO \(table)_keys")
                await #expect {
                    try await a.publish(ServerSentEvent(data: "paid"), to: "orders", idempotencyKey: "order-8")
                } throws: { ($0 as? SSEPostgresError)?.code == .writeFailed }
                #expect(proxy.cuts == 1)
                // It was written: the other instance delivers it.
                let delivered = try #require(try await reader.next())
                #expect(delivered.data == "paid")
                // The application retries, on the same instance (a new connection) and on the other.
                let retried = try await a.publish(
                    ServerSentEvent(data: "paid"),
                    to: "orders",
                    idempotencyKey: "order-8"
                )
                let elsewhere = try await b.publish(
                    ServerSentEvent(data: "paid"),
                    to: "orders",
                    idempotencyKey: "order-8"
                )
                #expect(retried == delivered.id)
                #expect(elsewhere == delivered.id)
                let next = try await b.publish(ServerSentEvent(data: "next"), to: "orders")
                #expect(try await reader.next()?.id == next, "the retries were delivered again")
                let rows = try await PostgresServer.psql("SELECT count(*) FROM \(table)")
                #expect(rows.trimmingCharacters(in: .whitespacesAndNewlines) == "2")
            }
        }
    }

    @Test(
        "A publish that timed out behind a held lock is written once the lock goes; its retry with the key is that event"
    )
    func idempotentAfterTimeout() async throws {
        let table = PostgresServer.table()
        let client = try PostgresServer.client()
        try await withBroadcaster(table: table, client: client, configure: Self.shortTimeout) { events async throws in
            var reader = EventReader(events.broadcaster.subscribe(to: ["orders"]))
            try await whileOrderingLockHeld(by: client, on: events) {
                await #expect {
                    try await events.publish(ServerSentEvent(data: "paid"), to: "orders", idempotencyKey: "order-9")
                } throws: { ($0 as? SSEPostgresError)?.code == .timedOut }
            }
            // The lock went with the commit: the write that timed out went on, and went through.
            let delivered = try await reader.events(2)
            #expect(delivered.map(\.data) == ["held", "paid"])
            let retried = try await events.publish(
                ServerSentEvent(data: "paid"),
                to: "orders",
                idempotencyKey: "order-9"
            )
            #expect(retried == delivered[1].id)
            let rows = try await PostgresServer.psql("SELECT count(*) FROM \(table)")
            #expect(rows.trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        }
    }

    @Test("A publish on a broadcaster that never ran fails with timedOut after the publish timeout")
    func neverRan() async throws {
        var configuration = SSEPostgresBroadcaster.Configuration()
        configuration.tableName = PostgresServer.table()
        configuration.publishTimeout = .milliseconds(100)
        let events = SSEPostgresBroadcaster(client: try PostgresServer.client(), configuration: configuration)
        await #expect {
            try await events.publish(ServerSentEvent(data: "x"), to: "news")
        } throws: { ($0 as? SSEPostgresError)?.code == .timedOut }
    }

    @Test("Idempotency keys are kept for the retention age, then forgotten")
    func idempotencyKeysExpire() async throws {
        let table = PostgresServer.table()
        try await withBroadcaster(table: table, configure: SSEPostgresTests.shortKeyRetention) { events async throws in
            let first = try await events.publish(ServerSentEvent(data: "once"), to: "orders", idempotencyKey: "k")
            // Waits for the retention to run, within a bound that only keeps a broken test from hanging.
            var forgotten = false
            for _ in 0..<200 where !forgotten {
                let left = try await PostgresServer.psql("SELECT count(*) FROM \(table)_keys")
                forgotten = left.trimmingCharacters(in: .whitespacesAndNewlines) == "0"
                if !forgotten {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(forgotten)
            let second = try await events.publish(ServerSentEvent(data: "twice"), to: "orders", idempotencyKey: "k")
            #expect(second != first)
        }
    }

    @Test("Events for a subscriber ID reach only its subscriptions, on every instance")
    func subscriberIDs() async throws {
        let table = PostgresServer.table()
        try await withBroadcaster(table: table) { a async throws in
            try await withBroadcaster(table: table) { b async throws in
                var ada = EventReader(a.broadcaster.subscribe(to: [], subscriberID: "ada"))
                var news = EventReader(b.broadcaster.subscribe(to: ["news"]))
                try await b.publish(ServerSentEvent(data: "for ada"), toSubscriber: "ada")
                try await b.publish(ServerSentEvent(data: "for all"), to: "news")
                #expect(try await ada.next()?.data == "for ada")
                #expect(try await news.next()?.data == "for all")
            }
        }
    }

    @Test("An event larger than a notification (and one holding U+0000) is read from the table, whole")
    func largeEvents() async throws {
        let table = PostgresServer.table()
        let large = String(repeating: "0123456789", count: 20_000)
        try await withBroadcaster(table: table) { a async throws in
            try await withBroadcaster(table: table) { b async throws in
                var reader = EventReader(b.broadcaster.subscribe(to: ["news"]))
                try await a.publish(ServerSentEvent(data: large), to: "news")
                try await a.publish(ServerSentEvent(data: "a\u{0}b"), to: "news")
                try await a.publish(ServerSentEvent(data: "small"), to: "news")
                let events = try await reader.events(3)
                #expect(events.map(\.data.utf8.count) == [200_000, 3, 5])
                #expect(events.first?.data == large)
                #expect(events[1].data == "a\u{0}b")
            }
        }
    }

    @Test("Concurrent publishes on three instances get IDs in one order, and every instance delivers that order")
    func globalOrder() async throws {
        let table = PostgresServer.table()
        try await withBroadcaster(table: table) { a async throws in
            try await withBroadcaster(table: table) { b async throws in
                try await withBroadcaster(table: table) { c async throws in
                    let instances = [a, b, c]
                    var readers = instances.map { EventReader($0.broadcaster.subscribe(to: ["news"])) }
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for (index, instance) in instances.enumerated() {
                            group.addTask {
                                for number in 0..<100 {
                                    try await instance.publish(ServerSentEvent(data: "\(index)-\(number)"), to: "news")
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    var orders: [[String]] = []
                    for index in readers.indices {
                        let events = try await readers[index].events(300)
                        #expect(events.count == 300)
                        let ids = events.compactMap { $0.id.flatMap(idNumber) }
                        #expect(ids == ids.sorted())
                        #expect(Set(ids).count == 300)
                        orders.append(events.map(\.data))
                    }
                    #expect(orders[0] == orders[1])
                    #expect(orders[1] == orders[2])
                }
            }
        }
    }

    @Test("A new instance (after a restart) resumes a Last-Event-ID from the table: nothing lost, nothing repeated")
    func resumesFromTheTable() async throws {
        let table = PostgresServer.table()
        let ids = try await withBroadcaster(table: table) { first async throws in
            var ids: [String] = []
            for number in 1...10 {
                ids.append(
                    try await first.publish(
                        ServerSentEvent(data: "\(number)"),
                        to: number.isMultiple(of: 2) ? "even" : "odd"
                    )
                )
            }
            return ids
        }
        try await withBroadcaster(table: table) { restarted async throws in
            var reader = EventReader(restarted.broadcaster.subscribe(to: ["even"], lastEventID: ids[3]))
            try await restarted.publish(ServerSentEvent(data: "live"), to: "even")
            let events = try await reader.events(4)
            #expect(events.map(\.data) == ["6", "8", "10", "live"])
            #expect(events.map(\.id) == [ids[5], ids[7], ids[9], idSuccessor(ids[9])])
        }
    }

    @Test("A long poll on another instance answers from the table, and keeps the client's cursor when nothing came")
    func longPolling() async throws {
        let table = PostgresServer.table()
        try await withBroadcaster(table: table) { a async throws in
            var ids: [String] = []
            for number in 1...4 {
                ids.append(try await a.publish(ServerSentEvent(data: "\(number)"), to: "news"))
            }
            try await withBroadcaster(table: table) { [ids] b async throws in
                var configuration = SSELongPoll.Configuration()
                configuration.minimumInterval = .zero
                configuration.timeout = .milliseconds(200)
                let poll = SSELongPoll(broadcaster: b.broadcaster, configuration: configuration)
                let answer = await poll.respond(topics: ["news"], lastEventID: ids[1])
                #expect(answer.eventCount == 2)
                var decoder = SSEDecoder()
                var events: [ServerSentEvent] = []
                try decoder.decode(answer.body) { if case .event(let event) = $0 { events.append(event) } }
                #expect(events.map(\.data) == ["3", "4"])
                #expect(decoder.lastEventID == ids[3])
                // Nothing new: the answer ends without moving the cursor.
                let empty = await poll.respond(topics: ["news"], lastEventID: ids[3])
                #expect(empty.eventCount == 0)
                #expect(!String(decoding: empty.body, as: UTF8.self).contains("id:"))
            }
        }
    }

    @Test("A cursor the table no longer covers (retention), or never had, is reported in-band; live events follow")
    func unavailable() async throws {
        let table = PostgresServer.table()
        try await withBroadcaster(
            table: table,
            configure: Self.shortRetention
        ) { events async throws in
            var ids: [String] = []
            for number in 1...20 {
                ids.append(try await events.publish(ServerSentEvent(data: "\(number)"), to: "news"))
            }
            let pruned = await until {
                Int(
                    try await PostgresServer.psql("SELECT count(*) FROM \(table)").trimmingCharacters(
                        in: .whitespacesAndNewlines
                    )
                ) == 5
            }
            #expect(pruned)
            try await withBroadcaster(table: table) { [ids] other async throws in
                let cursors: [(String, String)] = [
                    (ids[1], "too-old"), (idSuccessor(ids[19]) + "9", "unknown"), ("999999", "unknown"),
                    ("not-a-number", "unknown"), ("0badc0de-3", "epoch-changed"),
                ]
                for (cursor, reason) in cursors {
                    var reader = EventReader(other.broadcaster.subscribe(to: ["news"], lastEventID: cursor))
                    let notice = try await reader.next()
                    #expect(notice?.type == SSEBroadcaster.replayUnavailableEventType)
                    #expect(notice?.id == ids[19])
                    #expect(
                        notice?.data.contains(#""reason":"\#(reason)""#) == true,
                        "\(cursor): \(notice?.data ?? "")"
                    )
                }
                // An ID from before epochs, a plain number, is taken to be of the table's epoch.
                var plain = EventReader(
                    other.broadcaster.subscribe(to: ["news"], lastEventID: String(idNumber(ids[16])!))
                )
                #expect(try await plain.events(3).map(\.data) == ["18", "19", "20"])
                var covered = EventReader(other.broadcaster.subscribe(to: ["news"], lastEventID: ids[16]))
                #expect(try await covered.events(3).map(\.data) == ["18", "19", "20"])
            }
        }
    }

    @Test("A resume that would send more than maximumReplayCount events is reported as unavailable")
    func tooManyToReplay() async throws {
        let table = PostgresServer.table()
        try await withBroadcaster(table: table, configure: Self.fewReplays) { first async throws in
            var ids: [String] = []
            for number in 1...6 {
                ids.append(try await first.publish(ServerSentEvent(data: "\(number)"), to: "news"))
            }
            try await withBroadcaster(table: table, configure: Self.fewReplays) {
                [ids] other async throws in
                var many = EventReader(other.broadcaster.subscribe(to: ["news"], lastEventID: ids[0]))
                let notice = try await many.next()
                #expect(notice?.type == SSEBroadcaster.replayUnavailableEventType)
                #expect(notice?.data.contains(#""reason":"too-old""#) == true)
                var few = EventReader(other.broadcaster.subscribe(to: ["news"], lastEventID: ids[2]))
                #expect(try await few.events(3).map(\.data) == ["4", "5", "6"])
            }
        }
    }

    @Test("Bad events are refused with a typed error, and nothing is written")
    func badInput() async throws {
        let table = PostgresServer.table()
        try await withBroadcaster(table: table) { events async throws in
            let cases: [(ServerSentEvent, String, SSEPostgresError.Code)] = [
                (ServerSentEvent(data: "x", id: "mine"), "news", .eventHasID),
                (ServerSentEvent(type: "a\nb", data: "x"), "news", .invalidEvent),
                (ServerSentEvent(data: "x"), "bad\u{1F}topic", .invalidAudience),
            ]
            for (event, topic, code) in cases {
                await #expect {
                    try await events.publish(event, to: topic)
                } throws: { error in
                    (error as? SSEPostgresError)?.code == code
                }
            }
            await #expect {
                try await events.publish(ServerSentEvent(data: "x"), to: [String]())
            } throws: { ($0 as? SSEPostgresError)?.code == .invalidAudience }
            #expect(try await PostgresServer.psql("SELECT count(*) FROM \(table)").hasPrefix("0"))
        }
    }

    @Test("Publishing while the database cannot be reached fails with timedOut after the publish timeout")
    func unreachable() async throws {
        // A port nothing listens on.
        let client = try PostgresServer.client(port: 1)
        _ = try await withBroadcaster(
            table: PostgresServer.table(),
            client: client,
            waitUntilListening: false,
            configure: Self.shortTimeout
        ) { events async throws in
            await #expect {
                try await events.publish(ServerSentEvent(data: "x"), to: "news")
            } throws: { ($0 as? SSEPostgresError)?.code == .timedOut }
        }
    }

    /// Runs `body` while a transaction on `client` holds the state row's lock (it published on
    /// `events`, as a long transaction that published would); commits after it.
    func whileOrderingLockHeld(
        by client: PostgresClient,
        on events: SSEPostgresBroadcaster,
        _ body: @Sendable () async throws -> Void
    ) async throws {
        try await client.withTransaction(logger: Logger(label: "swift-sse.test")) { holder in
            try await events.publish(ServerSentEvent(data: "held"), to: "orders", in: holder)
            try await body()
        }
    }

    static func shortRetention(_ configuration: inout SSEPostgresBroadcaster.Configuration) {
        configuration.retentionCount = 5
        configuration.retentionInterval = .milliseconds(50)
    }

    static func shortKeyRetention(_ configuration: inout SSEPostgresBroadcaster.Configuration) {
        configuration.retentionAge = .milliseconds(200)
        configuration.retentionInterval = .milliseconds(50)
    }

    static func fewReplays(_ configuration: inout SSEPostgresBroadcaster.Configuration) {
        configuration.maximumReplayCount = 3
    }

    static func shortTimeout(_ configuration: inout SSEPostgresBroadcaster.Configuration) {
        configuration.publishTimeout = .milliseconds(300)
    }

    // MARK: Instances in processes of their own

    @Test("A client on instance A receives what is published on instance B")
    func processes() async throws {
        let table = PostgresServer.table()
        let a = try await Instance(table: table)
        let b = try await Instance(table: table)
        defer {
            a.kill()
            b.kill()
        }
        let client = try await a.openStream()
        defer { client.close() }
        let ids = try await b.publish("hello", count: 5)
        let events = try await client.read(until: 5)
        #expect(events.map(\.id) == ids)
        #expect(events.map(\.data) == Array(repeating: "hello", count: 5))
    }

    @Test("A client moved from A to C mid-stream (A killed with SIGKILL) loses nothing and repeats nothing")
    func failover() async throws {
        let table = PostgresServer.table()
        let a = try await Instance(table: table)
        let b = try await Instance(table: table)
        let c = try await Instance(table: table)
        defer {
            b.kill()
            c.kill()
        }
        let first = try await a.openStream()
        // B publishes all along: before, during and after the move.
        let publisher = Task {
            var ids: [String] = []
            for number in 1...60 {
                ids += try await b.publish("\(number)")
                try await Task.sleep(for: .milliseconds(5))
            }
            return ids
        }
        let before = try await first.read(until: 20)
        a.kill()
        first.close()
        let resumed = try StreamClient("\(c.base)/events", lastEventID: before.last?.id)
        defer { resumed.close() }
        let published = try await publisher.value
        let after = try await resumed.read(until: 60 - before.count)
        let received = (before + after).map(\.id)
        #expect(received == published)
        #expect((before + after).map(\.data) == (1...60).map(String.init))
    }

    @Test("The database restarted mid-stream: every event published after it comes back arrives once, in order")
    func databaseRestart() async throws {
        let table = PostgresServer.table()
        let a = try await Instance(table: table)
        let b = try await Instance(table: table)
        defer {
            a.kill()
            b.kill()
        }
        let client = try await a.openStream()
        defer { client.close() }
        var ids = try await b.publish("before", count: 5)
        try await PostgresServer.restart()
        // Publishes fail while it is away (typed, as 500s here), then go through.
        for number in 1...10 {
            var published: [String] = []
            for _ in 0..<200 where published.isEmpty {
                published = (try? await b.publish("after-\(number)"))?.filter { idNumber($0) != nil } ?? []
                if published.isEmpty {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            ids += published
        }
        #expect(ids.count == 15)
        let events = try await client.read(until: 15)
        #expect(events.map(\.id) == ids)
        #expect(events.map(\.data) == Array(repeating: "before", count: 5) + (1...10).map { "after-\($0)" })
        // Both instances listen again.
        #expect(await until { try await a.status().contains("true") })
    }

    @Test("All instances restarted: clients resume from the table on the new ones")
    func restartAll() async throws {
        let table = PostgresServer.table()
        let a = try await Instance(table: table)
        let b = try await Instance(table: table)
        let client = try await a.openStream()
        let ids = try await b.publish("old", count: 3)
        let seen = try await client.read(until: 2)
        client.close()
        a.kill()
        b.kill()
        let a2 = try await Instance(table: table)
        let b2 = try await Instance(table: table)
        defer {
            a2.kill()
            b2.kill()
        }
        let more = try await b2.publish("new", count: 2)
        let resumed = try StreamClient("\(a2.base)/events", lastEventID: seen[1].id)
        defer { resumed.close() }
        let events = try await resumed.read(until: 3)
        #expect(events.map(\.id) == [ids[2]] + more)
        #expect(events.map(\.data) == ["old", "new", "new"])
    }
}
#endif
