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
import SSECodec
import SSEPostgres
import SSEStreaming
import SSETestSupport
import Testing

extension SSEPostgresTests {
    /// Epochs: a table truncated or made anew is a history of its own, and a resume that cannot be
    /// checked is not answered as a loss.
    @Suite("SSEPostgres: epochs, and resumes while the database is down")
    struct Epochs {
        @Test("A truncated events table is a new epoch: resumes from before it are told so, live events go on")
        func truncatedTable() async throws {
            let table = PostgresServer.table()
            try await withBroadcaster(table: table) { a async throws in
                try await withBroadcaster(table: table) { b async throws in
                    var live = EventReader(b.broadcaster.subscribe(to: ["news"]))
                    let before = try await a.publish(ServerSentEvent(data: "before"), to: "news")
                    #expect(try await live.next()?.data == "before")
                    _ = try await PostgresServer.psql("TRUNCATE \(table)")
                    let after = try await a.publish(ServerSentEvent(data: "after"), to: "news")
                    #expect(after.prefix { $0 != "-" } != before.prefix { $0 != "-" }, "a new epoch")
                    #expect(idNumber(after)! > idNumber(before)!, "numbers go on")
                    let next = try await live.next()
                    #expect(next?.data == "after" && next?.id == after, "live events go on, with the new epoch")
                    // Both instances: the one that published, and one that learnt of the new epoch by
                    // its notification.
                    for instance in [a, b] {
                        var resumed = EventReader(instance.broadcaster.subscribe(to: ["news"], lastEventID: before))
                        // The local log still has the event: served from it, nothing lost in between.
                        #expect(try await resumed.next()?.data == "after")
                    }
                    try await withBroadcaster(table: table) { c async throws in
                        var resumed = EventReader(c.broadcaster.subscribe(to: ["news"], lastEventID: before))
                        let notice = try await resumed.next()
                        #expect(notice?.type == SSEBroadcaster.replayUnavailableEventType)
                        #expect(notice?.data.contains(#""reason":"epoch-changed""#) == true, "\(notice?.data ?? "")")
                        #expect(notice?.id == after)
                        var current = EventReader(c.broadcaster.subscribe(to: ["news"], lastEventID: after))
                        try await a.publish(ServerSentEvent(data: "later"), to: "news")
                        #expect(try await current.next()?.data == "later")
                    }
                }
            }
        }

        @Test(
            "A table dropped and made again is a new epoch: an old ID of the same number is not taken for a new event"
        )
        func recreatedTable() async throws {
            let table = PostgresServer.table()
            let old = try await withBroadcaster(table: table) { first async throws in
                var ids: [String] = []
                for number in 1...3 {
                    ids.append(try await first.publish(ServerSentEvent(data: "old \(number)"), to: "news"))
                }
                return ids
            }
            _ = try await PostgresServer.psql("DROP TABLE \(table), \(table)_state, \(table)_keys")
            try await withBroadcaster(table: table) { again async throws in
                var ids: [String] = []
                for number in 1...5 {
                    ids.append(try await again.publish(ServerSentEvent(data: "new \(number)"), to: "news"))
                }
                #expect(idNumber(ids[0]) == idNumber(old[0]), "the numbering started again")
                var resumed = EventReader(again.broadcaster.subscribe(to: ["news"], lastEventID: old[1]))
                let notice = try await resumed.next()
                #expect(notice?.type == SSEBroadcaster.replayUnavailableEventType)
                #expect(notice?.data.contains(#""reason":"epoch-changed""#) == true, "\(notice?.data ?? "")")
                #expect(notice?.id == ids[4])
            }
        }

        @Test(
            "A resume while the database is down is answered 503 with Retry-After, not as lost history; then it is served"
        )
        func resumeDuringOutage() async throws {
            let table = PostgresServer.table()
            let a = try await Instance(table: table)
            defer { a.kill() }
            let ids = try await a.publish("before", count: 3)
            // Started after them: its own log has none, so a resume asks the table.
            let b = try await Instance(table: table)
            defer { b.kill() }
            try await PostgresServer.control("pause")
            let down = try await Self.head("\(b.base)/events", lastEventID: ids[0])
            let poll = try await Self.head("\(b.base)/poll", lastEventID: ids[0])
            try await PostgresServer.control("resume")
            #expect(down.status == 503, "\(down)")
            #expect((1...10).contains(down.retryAfter ?? 0), "\(down)")
            #expect(poll.status == 503 && poll.retryAfter != nil, "a long poll too: \(poll)")
            // Back: the same resume is served, with nothing lost.
            let served = await until { try await Self.head("\(b.base)/poll", lastEventID: ids[0]).status == 200 }
            #expect(served)
            let client = try StreamClient("\(b.base)/events", lastEventID: ids[0])
            defer { client.close() }
            #expect(try await client.read(until: 2).map(\.id) == Array(ids[1...]))
        }

        /// The status and `Retry-After` of a request (a stream is cut after its head, 20 s; the
        /// replay store's own limit is 5 s).
        static func head(_ url: String, lastEventID: String) async throws -> (status: Int, retryAfter: Int?) {
            let output = try await curl(
                "-o",
                "/dev/null",
                "--max-time",
                "20",
                "-H",
                "Last-Event-ID: \(lastEventID)",
                "-w",
                "%{http_code} %header{retry-after}",
                url
            )
            let parts = output.split(separator: " ")
            return (Int(parts.first ?? "") ?? 0, parts.count > 1 ? Int(parts[1]) : nil)
        }
    }
}
#endif
