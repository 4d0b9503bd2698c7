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

/// Polling a subscription (what the embedded server does from its event loops) must hand over
/// exactly the bytes the iterator would, in order, whatever the batch limit and however the
/// stream's events fall into its byte segments.
@Suite("Broadcaster: polling a subscription without a task")
struct SSEBroadcasterPollTests {
    static func configuration(
        _ change: (inout SSEBroadcaster.Configuration) -> Void = { _ in }
    ) -> SSEBroadcaster.Configuration {
        SSEBroadcasterTests.configuration(change)
    }

    /// Counts `onReady` calls.
    final class Wakes: Sendable {
        private let count = Atomic(0)
        var value: Int { count.load(ordering: .relaxed) }
        var callback: @Sendable () -> Void { { self.count.add(1, ordering: .relaxed) } }
    }

    /// Polls until nothing is ready; the bytes, and the result of the last poll.
    static func drain(
        _ subscription: SSEBroadcaster.Subscription,
        maximumBytes: Int = 64 * 1024,
        wakes: Wakes = Wakes()
    ) throws(SSEBroadcasterError) -> (bytes: [UInt8], polls: Int, last: SSEBroadcaster.Subscription.PollResult) {
        var bytes: [UInt8] = []
        var polls = 0
        while true {
            polls += 1
            let result = try subscription.poll(maximumBytes: maximumBytes, onReady: wakes.callback) {
                bytes.append(contentsOf: $0)
            }
            if result != .delivered {
                return (bytes, polls, result)
            }
        }
    }

    @Test(
        "Polled bytes are the iterator's bytes, in order, for any batch limit and event sizes",
        arguments: [1, 100, 4_096, 64 * 1024]
    )
    func sameBytesAsTheIterator(maximumBytes: Int) async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        let polled = broadcaster.subscribe(to: ["t"])
        var iterator = broadcaster.subscribe(to: ["t"]).makeAsyncIterator()
        // Sizes from 1 byte to 100 KiB: events cross segment boundaries and outgrow segments.
        var generator = SystemRandomNumberGenerator()
        var expected: [UInt8] = []
        for index in 0..<300 {
            let size =
                index % 50 == 0
                ? Int.random(in: 60_000...100_000, using: &generator) : Int.random(in: 1...900, using: &generator)
            try broadcaster.publish(ServerSentEvent(data: String(repeating: "x", count: size)), to: "t")
            let chunk = try #require(try await iterator.next())
            expected += chunk
        }
        let (bytes, polls, last) = try Self.drain(polled, maximumBytes: maximumBytes)
        #expect(last == .pending)
        #expect(bytes == expected)
        if maximumBytes == 1 {
            #expect(polls == 301, "one event per poll when the limit is a byte")
        }
    }

    @Test("A batch stops at the first event that reaches the limit; the rest comes with the next poll")
    func batchLimit() throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        let subscription = broadcaster.subscribe(to: ["t"])
        for index in 1...5 {
            try broadcaster.publish(ServerSentEvent(data: "\(index)"), to: "t")
        }
        var pieces: [String] = []
        let wakes = Wakes()
        // Each event is 15 bytes: "data: 1\nid: 1\n\n".
        #expect(
            try subscription.poll(maximumBytes: 30, onReady: wakes.callback) {
                pieces.append(String(decoding: $0, as: UTF8.self))
            } == .delivered
        )
        #expect(pieces.joined() == "data: 1\nid: 1\n\ndata: 2\nid: 2\n\n")
        pieces = []
        #expect(
            try subscription.poll(maximumBytes: 16, onReady: wakes.callback) {
                pieces.append(String(decoding: $0, as: UTF8.self))
            } == .delivered
        )
        #expect(pieces.joined() == "data: 3\nid: 3\n\ndata: 4\nid: 4\n\n", "the event that crosses the limit comes too")
        pieces = []
        #expect(
            try subscription.poll(onReady: wakes.callback) { pieces.append(String(decoding: $0, as: UTF8.self)) }
                == .delivered
        )
        #expect(pieces == ["data: 5\nid: 5\n\n"])
        #expect(try subscription.poll(onReady: wakes.callback) { _ in Issue.record("nothing is ready") } == .pending)
        #expect(wakes.value == 0)
    }

    @Test("onReady is called once when an event is published, and not again until the next poll finds nothing")
    func onReadyOnce() throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        let subscription = broadcaster.subscribe(to: ["t"])
        let wakes = Wakes()
        #expect(try Self.drain(subscription, wakes: wakes).last == .pending)
        try broadcaster.publish(ServerSentEvent(data: "a"), to: "t")
        try broadcaster.publish(ServerSentEvent(data: "b"), to: "t")
        #expect(wakes.value == 1)
        let (bytes, _, last) = try Self.drain(subscription, wakes: wakes)
        #expect(String(decoding: bytes, as: UTF8.self) == "data: a\nid: 1\n\ndata: b\nid: 2\n\n")
        #expect(last == .pending)
        try broadcaster.publish(ServerSentEvent(data: "c"), to: "t")
        #expect(wakes.value == 2)
    }

    @Test("Cancelling calls onReady, and the next poll finds the subscription finished and released")
    func cancelFinishes() throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        let subscription = broadcaster.subscribe(to: ["t"])
        let wakes = Wakes()
        #expect(try Self.drain(subscription, wakes: wakes).last == .pending)
        subscription.cancel()
        #expect(wakes.value == 1)
        #expect(broadcaster.subscriberCount == 0)
        #expect(
            try subscription.poll(onReady: wakes.callback) { _ in Issue.record("nothing after cancel") } == .finished
        )
    }

    @Test("Shutdown: what is queued, then the final event, then finished")
    func shutDown() throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        let subscription = broadcaster.subscribe(to: ["t"])
        let wakes = Wakes()
        #expect(try Self.drain(subscription, wakes: wakes).last == .pending)
        try broadcaster.publish(ServerSentEvent(data: "last"), to: "t")
        try broadcaster.shutDown(finalEvent: ServerSentEvent(type: "bye", data: "restarting"))
        let (bytes, _, last) = try Self.drain(subscription, wakes: wakes)
        #expect(String(decoding: bytes, as: UTF8.self) == "data: last\nid: 1\n\nevent: bye\ndata: restarting\n\n")
        #expect(last == .finished)
        #expect(broadcaster.subscriberCount == 0)
    }

    @Test("Overflow: disconnect throws subscriberTooSlow; dropOldest hands over the gap event first")
    func overflow() throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration { $0.maximumQueuedEvents = 3 })
        let disconnected = broadcaster.subscribe(to: ["t"])
        let dropping = broadcaster.subscribe(to: ["t"], overflowPolicy: .dropOldest)
        for index in 1...5 {
            try broadcaster.publish(ServerSentEvent(data: "\(index)"), to: "t")
        }
        #expect(throws: SSEBroadcasterError.subscriberTooSlow) {
            try disconnected.poll(onReady: {}, { _ in })
        }
        let (bytes, _, _) = try Self.drain(dropping)
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == "event: sse-gap\ndata: {\"dropped\":2}\n\ndata: 3\nid: 3\n\ndata: 4\nid: 4\n\ndata: 5\nid: 5\n\n"
        )
    }

    @Test("Resuming and several topics: the replay, then both topics merged in publish order, each event once")
    func replayAndTopics() throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        try broadcaster.publish(ServerSentEvent(data: "old 1"), to: "a")
        try broadcaster.publish(ServerSentEvent(data: "old 2"), to: "a")
        let subscription = broadcaster.subscribe(to: ["a", "b"], lastEventID: "1")
        try broadcaster.publish(ServerSentEvent(data: "b 3"), to: "b")
        try broadcaster.publish(ServerSentEvent(data: "both 4"), to: ["a", "b"])
        let (bytes, _, last) = try Self.drain(subscription)
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == "data: old 2\nid: 2\n\ndata: b 3\nid: 3\n\ndata: both 4\nid: 4\n\n"
        )
        #expect(last == .pending)
    }

    @Test("A quiet subscriber is woken for its heartbeat comment")
    func heartbeat() async throws {
        let clock = ManualClock()
        let broadcaster = SSEBroadcaster(
            configuration: Self.configuration { $0.heartbeat = .seconds(15) },
            clock: clock
        )
        let subscription = broadcaster.subscribe(to: ["t"])
        let wakes = Wakes()
        #expect(try Self.drain(subscription, wakes: wakes).last == .pending)
        // The first tick finds it idle since it subscribed, the second sends the heartbeat.
        for _ in 0..<2 {
            #expect(await clock.waitForSleepers(1))
            clock.advance(by: .seconds(15))
        }
        try await waitUntil { wakes.value == 1 }
        let (bytes, _, _) = try Self.drain(subscription, wakes: wakes)
        #expect(String(decoding: bytes, as: UTF8.self) == ":\n")
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        #expect(await eventually(condition))
    }
}
