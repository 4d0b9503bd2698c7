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
@testable import SSEPostgres
import Testing

@Suite("SSEPostgres: the notification a write sends")
struct NotificationPayloadTests {
    @Test("Events that fit go inline, and read back whole, byte lengths and all")
    func inline() throws {
        let events = [
            (audiences: "t:news\u{1F}s:ada", type: "message", key: "", data: "héllo\nwörld", trace: ""),
            (audiences: "t:news", type: "tick", key: "price", data: "", trace: ""),
        ]
        let written = NotificationPayload.encode(events)
        // The database puts the epoch and last ID in front, and the write's time after the head.
        let payload = "5f3a9c01 42 " + written.head + "1765100000123456\n" + written.inline
        let decoded = try #require(NotificationPayload.decode(payload))
        #expect(decoded.epoch == "5f3a9c01")
        #expect(decoded.ids == 41...42)
        #expect(decoded.writtenAt == 1_765_100_000_123_456)
        #expect(
            decoded.events == [
                StoredEvent(
                    epoch: "5f3a9c01",
                    id: 41,
                    audiences: ["t:news", "s:ada"],
                    type: "message",
                    data: "héllo\nwörld",
                    writtenAt: 1_765_100_000_123_456
                ),
                StoredEvent(
                    epoch: "5f3a9c01",
                    id: 42,
                    audiences: ["t:news"],
                    type: "tick",
                    data: "",
                    coalescingKey: "price",
                    writtenAt: 1_765_100_000_123_456
                ),
            ]
        )
    }

    @Test("Events too large for a notification, or holding U+0000, leave only their IDs: they are read from the table")
    func fromTheTable() throws {
        let large = NotificationPayload.encode([("t:a", "message", "", String(repeating: "x", count: 8_000), "")])
        #expect(large == ("1 F\n", ""))
        let nul = NotificationPayload.encode([("t:a", "message", "", "a\u{0}b", "")])
        #expect(nul == ("1 F\n", ""))
        let decoded = try #require(NotificationPayload.decode("e0 9 1 F\n1765100000123456\n"))
        #expect(decoded.ids == 9...9)
        #expect(decoded.events == nil)
        #expect(decoded.writtenAt == 1_765_100_000_123_456)
    }

    @Test("A write with trace contexts sends T: each event's context (or none) comes back with it")
    func traced() throws {
        let events = [
            (audiences: "t:news", type: "message", key: "", data: "one", trace: "traceparent: 00-abc-def-01"),
            (audiences: "t:news", type: "message", key: "k", data: "two\nlines", trace: ""),
        ]
        let written = NotificationPayload.encode(events)
        #expect(written.head == "2 T\n")
        let decoded = try #require(NotificationPayload.decode("e0 9 " + written.head + "17\n" + written.inline))
        #expect(decoded.events?.map(\.data) == ["one", "two\nlines"])
        #expect(decoded.events?.map(\.trace) == ["traceparent: 00-abc-def-01", nil])
        #expect(decoded.events?.map(\.coalescingKey) == [nil, "k"])
        #expect(decoded.writtenAt == 17)
        // A context too large to go inline sends the IDs alone, as any event too large.
        let large = NotificationPayload.encode([("t:a", "message", "", "x", String(repeating: "t", count: 8_000))])
        #expect(large == ("1 F\n", ""))
        // Malformed: four lengths where T has five.
        #expect(NotificationPayload.decode("e0 9 1 T\n17\n3 7 0 3\nt:amessageone") == nil)
    }

    @Test("A notification from an instance before the time line (i and f, no time) is still read")
    func before() throws {
        let inline = try #require(NotificationPayload.decode("e0 9 1 i\n4 7 0 2\nt:abmessagehi"))
        #expect(inline.events?.map(\.data) == ["hi"] && inline.writtenAt == nil)
        let fromTable = try #require(NotificationPayload.decode("e0 9 1 f\n"))
        #expect(fromTable.events == nil && fromTable.writtenAt == nil)
    }

    @Test("A kind of a later version (another capital letter) is read from the table, its IDs kept")
    func later() throws {
        let decoded = try #require(NotificationPayload.decode("e0 9 2 X\nwhatever a later version sends"))
        #expect(decoded.ids == 8...9 && decoded.events == nil)
    }

    @Test(
        "What is not a notification of ours is ignored, not misread",
        arguments: [
            "", "x", "5", "e 5 0 i\n", "e 3 5 i\n", "e 5 1 i\n1 1 1 9\nabc", "9 1 f\n", "E1 9 1 f\n",
            "seventeen-letters 9 1 f\n", "e 9 1 x\n", "e 9 1 7\n", "e 9 1 I\n", "e 9 1 F\nsoon\n",
            "e 9 1 I\n17\n1 1 1 9\nabc",
        ]
    )
    func foreign(_ payload: String) {
        #expect(NotificationPayload.decode(payload) == nil)
    }
}
#endif
