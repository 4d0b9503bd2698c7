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
            (audiences: "t:news\u{1F}s:ada", type: "message", key: "", data: "héllo\nwörld"),
            (audiences: "t:news", type: "tick", key: "price", data: ""),
        ]
        let payload = "5f3a9c01 42 " + NotificationPayload.encode(events)
        let decoded = try #require(NotificationPayload.decode(payload))
        #expect(decoded.epoch == "5f3a9c01")
        #expect(decoded.ids == 41...42)
        #expect(
            decoded.events == [
                StoredEvent(
                    epoch: "5f3a9c01",
                    id: 41,
                    audiences: ["t:news", "s:ada"],
                    type: "message",
                    data: "héllo\nwörld"
                ),
                StoredEvent(
                    epoch: "5f3a9c01",
                    id: 42,
                    audiences: ["t:news"],
                    type: "tick",
                    data: "",
                    coalescingKey: "price"
                ),
            ]
        )
    }

    @Test("Events too large for a notification, or holding U+0000, leave only their IDs: they are read from the table")
    func fromTheTable() throws {
        let large = NotificationPayload.encode([("t:a", "message", "", String(repeating: "x", count: 8_000))])
        #expect(large == "1 f\n")
        let nul = NotificationPayload.encode([("t:a", "message", "", "a\u{0}b")])
        #expect(nul == "1 f\n")
        let decoded = try #require(NotificationPayload.decode("e0 9 1 f\n"))
        #expect(decoded.ids == 9...9)
        #expect(decoded.events == nil)
    }

    @Test(
        "What is not a notification of ours is ignored, not misread",
        arguments: [
            "", "x", "5", "e 5 0 i\n", "e 3 5 i\n", "e 5 1 i\n1 1 1 9\nabc", "9 1 f\n", "E1 9 1 f\n",
            "seventeen-letters 9 1 f\n",
        ]
    )
    func foreign(_ payload: String) {
        #expect(NotificationPayload.decode(payload) == nil)
    }
}
#endif
