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

import SSECodec
import SSEStreaming
import Synchronization
import Testing

@Suite("Broadcaster: overflow policies, cancellation, shutdown and heartbeats")
struct SSEBroadcasterLifecycleTests {
    static func configuration(
        _ change: (inout SSEBroadcaster.Configuration) -> Void = { _ in }
    ) -> SSEBroadcaster.Configuration {
        SSEBroadcasterTests.configuration(change)
    }

    static func message(_ data: String) -> ServerSentEvent {
        ServerSentEvent(data: data)
    }

    // MARK: Overflow

    @Test("disconnect: a subscriber that fell behind its window is dropped with an error; the others get everything")
    func overflowDisconnects() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration { $0.maximumQueuedEvents = 4 })
        let stalled = broadcaster.subscribe(to: ["t"])
        var healthy = SubscriptionReader(broadcaster.subscribe(to: ["t"]))
        var received: [String] = []
        for index in 1...20 {
            try broadcaster.publish(Self.message("\(index)"), to: "t")
            received += try await healthy.events(1).map(\.data)
        }
        #expect(received == (1...20).map(String.init))

        var reader = SubscriptionReader(stalled)
        await #expect(throws: SSEBroadcasterError.subscriberTooSlow) {
            _ = try await reader.chunk()
        }
        #expect(broadcaster.subscriberCount == 1)
        #expect(try await reader.chunk() == nil, "the subscription has ended")
    }

    @Test("disconnect: the byte limit counts too")
    func overflowByBytes() async throws {
        // 15 bytes per event; two fit in 30.
        let broadcaster = SSEBroadcaster(configuration: Self.configuration { $0.maximumQueuedBytes = 30 })
        var inTime = SubscriptionReader(broadcaster.subscribe(to: ["t"]))
        var late = SubscriptionReader(broadcaster.subscribe(to: ["t"]))
        try broadcaster.publish(Self.message("1"), to: "t")
        try broadcaster.publish(Self.message("2"), to: "t")
        #expect(try await inTime.events(2).map(\.data) == ["1", "2"])
        try broadcaster.publish(Self.message("3"), to: "t")
        #expect(try await inTime.event()?.data == "3")
        await #expect(throws: SSEBroadcasterError.subscriberTooSlow) {
            _ = try await late.chunk()
        }
        #expect(broadcaster.subscriberCount == 1)
    }

    @Test("A single event larger than the byte limit still reaches a subscriber with an empty queue")
    func largeEventFitsAnEmptyQueue() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration { $0.maximumQueuedBytes = 10 })
        var reader = SubscriptionReader(broadcaster.subscribe(to: ["t"]))
        let large = String(repeating: "x", count: 1_000)
        try broadcaster.publish(Self.message(large), to: "t")
        #expect(try await reader.event()?.data == large)
    }

    @Test("dropOldest: the newest events are kept, after a gap event saying how many were dropped")
    func overflowDropsOldest() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration { $0.maximumQueuedEvents = 4 })
        var reader = SubscriptionReader(broadcaster.subscribe(to: ["t"], overflowPolicy: .dropOldest))
        try broadcaster.publish(Self.message("0"), to: "t")
        #expect(try await reader.event()?.id == "1")
        for index in 1...10 {
            try broadcaster.publish(Self.message("\(index)"), to: "t")
        }
        #expect(broadcaster.subscriberCount == 1)
        let gap = try #require(try await reader.event())
        #expect(gap.type == SSEBroadcaster.gapEventType)
        #expect(gap.data == #"{"dropped":6}"#)
        #expect(gap.id == "1", "a gap has no ID of its own: the client's last event ID is still the last it received")
        #expect(try await reader.events(4).map(\.data) == ["7", "8", "9", "10"])

        try broadcaster.publish(Self.message("11"), to: "t")
        #expect(try await reader.event()?.data == "11")
    }

    @Test("coalesce: a subscriber that is behind gets only the newest event of each key")
    func coalescesWhenBehind() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        var reader = SubscriptionReader(broadcaster.subscribe(to: ["prices"], overflowPolicy: .coalesce))
        let updates = [("AAPL", "1"), ("MSFT", "1"), ("AAPL", "2"), ("ORCL", "1"), ("MSFT", "2"), ("AAPL", "3")]
        for (symbol, price) in updates {
            try broadcaster.publish(Self.message("\(symbol) \(price)"), to: "prices", coalescingKey: symbol)
        }
        try broadcaster.publish(Self.message("market closed"), to: "prices")
        #expect(try await reader.events(4).map(\.data) == ["ORCL 1", "MSFT 2", "AAPL 3", "market closed"])

        // Caught up: every event again.
        try broadcaster.publish(Self.message("AAPL 4"), to: "prices", coalescingKey: "AAPL")
        #expect(try await reader.event()?.data == "AAPL 4")
    }

    @Test("coalesce: falling out of the window is reported as a gap, as with dropOldest")
    func coalesceReportsWindowOverflow() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration { $0.maximumQueuedEvents = 3 })
        var reader = SubscriptionReader(broadcaster.subscribe(to: ["prices"], overflowPolicy: .coalesce))
        let updates = [("AAPL", "1"), ("MSFT", "1"), ("AAPL", "2"), ("MSFT", "2"), ("AAPL", "3")]
        for (symbol, price) in updates {
            try broadcaster.publish(Self.message("\(symbol) \(price)"), to: "prices", coalescingKey: symbol)
        }
        let gap = try #require(try await reader.event())
        #expect(gap.type == SSEBroadcaster.gapEventType)
        #expect(gap.data == #"{"dropped":2}"#)
        #expect(try await reader.events(2).map(\.data) == ["MSFT 2", "AAPL 3"])
    }

    @Test("A stalled subscriber does not hold back the others", .timeLimit(.minutes(1)))
    func stalledSubscriberDoesNotBlock() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration { $0.maximumQueuedEvents = 16 })
        let stalled = broadcaster.subscribe(to: ["t"], overflowPolicy: .dropOldest)
        let live = broadcaster.subscribe(to: ["t"], overflowPolicy: .dropOldest)
        let count = 10_000
        let consumer = Task {
            // Every event is either received or counted in a gap event: none goes unaccounted for.
            var reader = SubscriptionReader(live)
            var seen = 0
            var dropped = 0
            while let event = try await reader.event() {
                if event.type == SSEBroadcaster.gapEventType {
                    dropped += Int(event.data.filter(\.isNumber))!
                    continue
                }
                seen += 1
                if event.data == "\(count)" {
                    break
                }
            }
            return (seen, dropped)
        }
        for index in 1...count {
            try broadcaster.publish(Self.message("\(index)"), to: "t")
            if index.isMultiple(of: 8) {
                await Task.yield()
            }
        }
        let (seen, dropped) = try await consumer.value
        #expect(seen + dropped == count)
        var reader = SubscriptionReader(stalled)
        #expect(try await reader.event()?.data == #"{"dropped":\#(count - 16)}"#)
        #expect(try await reader.events(16).map(\.data) == (count - 15...count).map(String.init))
    }

    @Test("A subscriber of several topics gets a gap event when it falls behind one of them")
    func gapWithSeveralTopics() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration { $0.maximumQueuedEvents = 4 })
        var reader = SubscriptionReader(broadcaster.subscribe(to: ["a", "b"], overflowPolicy: .dropOldest))
        try broadcaster.publish(Self.message("b1"), to: "b")
        for index in 1...10 {
            try broadcaster.publish(Self.message("a\(index)"), to: "a")
        }
        try broadcaster.publish(Self.message("b2"), to: "b")
        let gap = try #require(try await reader.event())
        #expect(gap.type == SSEBroadcaster.gapEventType)
        #expect(gap.data == #"{"dropped":6}"#)
        #expect(try await reader.events(6).map(\.data) == ["b1", "a7", "a8", "a9", "a10", "b2"])
    }

    // MARK: Releasing

    @Test("Cancelling subscribers' tasks releases them all", .timeLimit(.minutes(1)))
    func cancellationReleases() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        let started = Counter()
        let tasks = (0..<200).map { index in
            Task {
                var reader = SubscriptionReader(
                    broadcaster.subscribe(to: ["t", "u\(index)"], subscriberID: "s\(index)")
                )
                started.add()
                while try await reader.chunk() != nil {}
            }
        }
        while started.value < 200 {
            await Task.yield()
        }
        #expect(broadcaster.subscriberCount == 200)
        try broadcaster.publish(Self.message("before"), to: "t")
        for task in tasks {
            task.cancel()
        }
        for task in tasks {
            try await task.value
        }
        #expect(broadcaster.subscriberCount == 0)
        // The registry is consistent after the removals: a new subscriber gets what it should.
        var reader = SubscriptionReader(broadcaster.subscribe(to: ["t"]))
        try broadcaster.publish(Self.message("after"), to: "t")
        #expect(try await reader.event()?.data == "after")
    }

    @Test("cancel() ends a waiting subscription at once, from another task", .timeLimit(.minutes(1)))
    func cancelFromOutside() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        let subscription = broadcaster.subscribe(to: ["t"])
        let reader = Task {
            var reader = SubscriptionReader(subscription)
            return try await reader.chunk()
        }
        try await Task.sleep(for: .milliseconds(20))
        subscription.cancel()
        #expect(try await reader.value == nil)
        #expect(broadcaster.subscriberCount == 0)
    }

    @Test("A second iterator of one subscription throws alreadyIterated at once; the first goes on")
    func secondIteratorFails() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        let subscription = broadcaster.subscribe(to: ["t"])
        var first = SubscriptionReader(subscription)
        var second = subscription.makeAsyncIterator()
        await #expect(throws: SSEBroadcasterError.alreadyIterated) {
            _ = try await second.next()
        }
        try broadcaster.publish(Self.message("after"), to: "t")
        #expect(try await first.event()?.data == "after")
        #expect("\(SSEBroadcasterError.alreadyIterated)".contains("one consumer"))
    }

    @Test("A subscription dropped without being iterated unsubscribes")
    func droppedSubscriptionUnsubscribes() throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        do {
            let subscription = broadcaster.subscribe(to: ["t"])
            #expect(broadcaster.subscriberCount == 1)
            try broadcaster.publish(Self.message("queued"), to: "t")
            _ = subscription
        }
        #expect(broadcaster.subscriberCount == 0)
    }

    @Test("Subscribing, publishing and cancelling at once, from many tasks", .timeLimit(.minutes(1)))
    func concurrentChurn() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration { $0.maximumQueuedEvents = 64 })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for index in 0..<5_000 {
                    try broadcaster.publish(Self.message("\(index)"), to: "t\(index % 4)")
                    if index.isMultiple(of: 16) {
                        await Task.yield()
                    }
                }
            }
            for worker in 0..<8 {
                group.addTask {
                    for round in 0..<50 {
                        let subscription = broadcaster.subscribe(
                            to: ["t\(worker % 4)", "t\(round % 4)"],
                            overflowPolicy: round.isMultiple(of: 2) ? .dropOldest : .disconnect
                        )
                        let reader = Task {
                            var reader = SubscriptionReader(subscription)
                            _ = try? await reader.events(round % 7)
                        }
                        // Sooner or later: once publishing is over, a reader may wait for good.
                        if !round.isMultiple(of: 3) {
                            try await Task.sleep(for: .milliseconds(1))
                        }
                        reader.cancel()
                        await reader.value
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(broadcaster.subscriberCount == 0)
    }

    // MARK: Shutdown

    @Test(
        "Shutdown: queued events, then the final event, then the end; a later subscriber gets the final event alone (none without one)"
    )
    func shutDownGracefully() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        var reader = SubscriptionReader(broadcaster.subscribe(to: ["t"]))
        try broadcaster.publish(Self.message("last news"), to: "t")
        try broadcaster.shutDown(finalEvent: ServerSentEvent(type: "bye", data: "restarting"))
        #expect(broadcaster.subscriberCount == 1, "still draining")
        #expect(try await reader.event()?.data == "last news")
        #expect(try await reader.event() == ServerSentEvent(type: "bye", data: "restarting", id: "1"))
        #expect(try await reader.chunk() == nil)
        #expect(broadcaster.subscriberCount == 0)

        // A page that reconnects while its server is still stopping is told so too, without replay.
        let lateSubscription = broadcaster.subscribe(to: ["t"], lastEventID: "0")
        #expect(lateSubscription.lastPublishedEventID == nil)
        #expect(!lateSubscription.replayUnavailable)
        var late = SubscriptionReader(lateSubscription)
        #expect(try await late.event() == ServerSentEvent(type: "bye", data: "restarting"))
        #expect(try await late.chunk() == nil)
        #expect(broadcaster.subscriberCount == 0)

        let silent = SSEBroadcaster(configuration: Self.configuration())
        try silent.shutDown()
        var none = SubscriptionReader(silent.subscribe(to: ["t"]))
        #expect(try await none.chunk() == nil)
        #expect(silent.subscriberCount == 0)
    }

    @Test("Shutdown with a reconnection window: each subscriber gets a retry of its own before the final event")
    func shutDownSpreadsReconnections() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        let subscriptions = (0..<200).map { _ in broadcaster.subscribe(to: ["t"]) }
        try broadcaster.shutDown(finalEvent: Self.message("bye"), reconnectionWindow: .seconds(1)...(.seconds(3)))
        var retries: Set<Int> = []
        for subscription in subscriptions {
            var chunks: [[UInt8]] = []
            for try await chunk in subscription {
                chunks.append(chunk)
            }
            let text = String(decoding: chunks.joined(), as: UTF8.self)
            let retry = try #require(text.wholeMatch(of: /retry: ([0-9]+)\n\ndata: bye\n\n/)?.1)
            let milliseconds = try #require(Int(retry))
            #expect((1_000...3_000).contains(milliseconds))
            retries.insert(milliseconds)
        }
        #expect(retries.count > 100, "drawn for each subscriber")
        var late: [UInt8] = []
        for try await chunk in broadcaster.subscribe(to: ["t"]) {
            late += chunk
        }
        #expect(String(decoding: late, as: UTF8.self).wholeMatch(of: /retry: [0-9]+\n\ndata: bye\n\n/) != nil)
    }

    @Test("Shutdown wakes subscribers that are waiting", .timeLimit(.minutes(1)))
    func shutDownWakesWaiters() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        let subscriptions = (0..<50).map { _ in broadcaster.subscribe(to: ["t"]) }
        let readers = subscriptions.map { subscription in
            Task {
                var reader = SubscriptionReader(subscription)
                return try await reader.events(10).map(\.data)
            }
        }
        // Most readers are parked by then; a reader that is not still ends the same way.
        try await Task.sleep(for: .milliseconds(50))
        try broadcaster.shutDown(finalEvent: Self.message("bye"))
        try broadcaster.publish(Self.message("too late"), to: "t")
        for reader in readers {
            #expect(try await reader.value == ["bye"])
        }
        #expect(broadcaster.subscriberCount == 0)
    }

    // MARK: Heartbeats

    @Test("A subscriber that read nothing for a whole interval gets a heartbeat; one that read an event does not")
    func heartbeats() async throws {
        let clock = ManualClock()
        let broadcaster = SSEBroadcaster(
            configuration: Self.configuration { $0.heartbeat = .seconds(15) },
            clock: clock
        )
        var quiet = SubscriptionReader(broadcaster.subscribe(to: ["quiet"]))
        var busy = SubscriptionReader(broadcaster.subscribe(to: ["busy"]))
        #expect(await clock.waitForSleepers(1))

        /// Moves to the next tick and waits until the timer has handled it.
        func tick() async {
            clock.advance(by: .seconds(15))
            #expect(await clock.waitForSleepers(1))
        }

        // Tick 1: neither has been idle for a whole interval yet. A marker proves no heartbeat is queued.
        await tick()
        try broadcaster.publish(Self.message("marker"), to: ["quiet", "busy"])
        #expect(try await quiet.text()?.hasPrefix("data: marker") == true)
        #expect(try await busy.text()?.hasPrefix("data: marker") == true)

        // Tick 2: both read an event since tick 1.
        await tick()
        try broadcaster.publish(Self.message("news"), to: "busy")
        #expect(try await busy.event()?.data == "news")

        // Tick 3: quiet read nothing for a whole interval; busy read "news".
        await tick()
        #expect(try await quiet.text() == ":\n")
        try broadcaster.publish(Self.message("marker 2"), to: "busy")
        #expect(try await busy.text()?.hasPrefix("data: marker 2") == true)

        // Tick 4: a heartbeat is not an event: quiet gets another.
        await tick()
        #expect(try await quiet.text() == ":\n")
    }

    @Test("Shutdown stops the heartbeat timer")
    func shutDownStopsHeartbeats() async throws {
        let clock = ManualClock()
        let broadcaster = SSEBroadcaster(configuration: Self.configuration { $0.heartbeat = .seconds(1) }, clock: clock)
        let subscription = broadcaster.subscribe(to: ["t"])
        #expect(await clock.waitForSleepers(1))
        try broadcaster.shutDown()
        #expect(await eventually { clock.sleeperCount == 0 })
        _ = subscription
    }
}

/// A count shared between tasks.
final class Counter: Sendable {
    private let count = Atomic(0)

    var value: Int { count.load(ordering: .acquiring) }

    func add() {
        count.add(1, ordering: .releasing)
    }
}
