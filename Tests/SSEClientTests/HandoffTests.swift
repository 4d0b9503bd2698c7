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

#if AsyncHTTPClientSupport
import SSECodec
import Testing

@testable import SSEClient

/// The hand-off between a session and its reader, in process (an extra to the tests against real
/// servers, which drive it end to end).
@Suite("Handoff: batches keep their order and move their events")
struct HandoffTests {
    private static func event(_ data: String) -> ServerSentEvent {
        ServerSentEvent(data: data)
    }

    @Test("Batches sent while the reader is busy merge with every update where it was")
    func mergedBatchesKeepOrder() async throws {
        let handoff = Handoff()
        var first = Handoff.Batch(.state(.connecting))
        first.append(Self.event("a"))
        first.append(.comment("between"))
        first.append(Self.event("b"))
        var second = Handoff.Batch()
        second.append(.retry(milliseconds: 5))
        second.append(Self.event("c"))
        second.append(.comment("last"))
        #expect(await handoff.send(first, bytes: 10))
        #expect(await handoff.send(second, bytes: 10))

        var batch = try #require(try await handoff.receive(isolation: nil))
        var updates: [SSEClient.Update] = []
        var eventsRead = 0
        var nextOther = 0
        // The order `updates` reads them in: each other update after `position` events.
        while true {
            if nextOther < batch.others.count && batch.others[nextOther].position == eventsRead {
                updates.append(batch.others[nextOther].update)
                nextOther += 1
            } else if let event = batch.events.popFirst() {
                updates.append(.event(event))
                eventsRead += 1
            } else {
                break
            }
        }
        #expect(
            updates == [
                .state(.connecting), .event(Self.event("a")), .comment("between"), .event(Self.event("b")),
                .retry(milliseconds: 5), .event(Self.event("c")), .comment("last"),
            ]
        )
        #expect(batch.events.isEmpty)
    }

    @Test("The reader's emptied storage goes back for the next batch, unless it grew too large")
    func storageIsRecycled() async throws {
        let handoff = Handoff()
        var batch = Handoff.Batch(events: Handoff.EventQueue(capacity: 64))
        for index in 0..<64 {
            batch.append(Self.event("\(index)"))
        }
        #expect(await handoff.send(batch, bytes: 64))
        var received = try #require(try await handoff.receive(isolation: nil))
        var count = 0
        while received.events.popFirst() != nil {
            count += 1
        }
        #expect(count == 64)
        handoff.recycle(received.events)
        let spare = try #require(handoff.spareEvents())
        #expect(spare.isEmpty && spare.capacity >= 64)
        #expect(handoff.spareEvents() == nil)

        handoff.recycle(Handoff.EventQueue(capacity: 100_000))
        #expect(handoff.spareEvents() == nil)
    }

    @Test("A reader that is gone ends the session's sends and drops the spare storage")
    func cancelledHandoff() async {
        let handoff = Handoff()
        handoff.recycle(Handoff.EventQueue(capacity: 8))
        handoff.cancel()
        #expect(handoff.spareEvents() == nil)
        var batch = Handoff.Batch()
        batch.append(Self.event("late"))
        #expect(await handoff.send(batch, bytes: 1) == false)
    }
}
#endif
