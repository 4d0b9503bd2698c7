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

import Foundation
import SSECodec
import SSEStreaming
import Synchronization
import Testing

@Suite("Broadcaster: fan-out, topics, IDs and replay")
struct SSEBroadcasterTests {
    static func configuration(
        _ change: (inout SSEBroadcaster.Configuration) -> Void = { _ in }
    ) -> SSEBroadcaster.Configuration {
        var configuration = SSEBroadcaster.Configuration()
        configuration.idPrefix = ""
        configuration.heartbeat = nil
        change(&configuration)
        return configuration
    }

    static func message(_ data: String) -> ServerSentEvent {
        ServerSentEvent(data: data)
    }

    @Test("Every subscriber receives every event, in publish order, with increasing IDs")
    func fanOutInOrder() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        var readers = (0..<3).map { _ in SubscriptionReader(broadcaster.subscribe(to: ["news"])) }
        var ids: [String] = []
        for index in 1...100 {
            ids.append(try broadcaster.publish(Self.message("event \(index)"), to: "news"))
        }
        #expect(ids == (1...100).map(String.init))
        for index in readers.indices {
            let events = try await readers[index].events(100)
            #expect(events.map(\.data) == (1...100).map { "event \($0)" })
            #expect(events.map(\.id) == ids)
        }
    }

    @Test("An event is encoded once: all subscribers get the same bytes, in the same storage")
    func encodedOnce() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        var first = SubscriptionReader(broadcaster.subscribe(to: ["t"]))
        var second = SubscriptionReader(broadcaster.subscribe(to: ["t"]))
        try broadcaster.publish(ServerSentEvent(type: "tick", data: "a\nb"), to: "t")
        let one = try #require(try await first.chunk())
        let other = try #require(try await second.chunk())
        #expect(String(decoding: one, as: UTF8.self) == "event: tick\ndata: a\ndata: b\nid: 1\n\n")
        #expect(one.withUnsafeBufferPointer { $0.baseAddress } == other.withUnsafeBufferPointer { $0.baseAddress })
    }

    @Test("nextBatch hands over every chunk already waiting, in order, up to its byte limit")
    func nextBatch() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        var iterator = broadcaster.subscribe(to: ["t"]).makeAsyncIterator()
        for index in 1...5 {
            try broadcaster.publish(Self.message("\(index)"), to: "t")
        }
        var chunks: [String] = []
        #expect(try await iterator.nextBatch(maximumBytes: 30) { chunks.append(String(decoding: $0, as: UTF8.self)) })
        #expect(chunks == ["data: 1\nid: 1\n\n", "data: 2\nid: 2\n\n"], "15 bytes each: stops at 30")
        chunks = []
        #expect(try await iterator.nextBatch { chunks.append(String(decoding: $0, as: UTF8.self)) })
        #expect(chunks.count == 3)
        try broadcaster.shutDown()
        #expect(try await !iterator.nextBatch { _ in Issue.record("nothing after the end") })
    }

    @Test("A publisher's own IDs are kept; the generated ones carry the configured prefix")
    func idsGivenAndGenerated() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration { $0.idPrefix = "node7-" })
        var reader = SubscriptionReader(broadcaster.subscribe(to: ["t"]))
        #expect(try broadcaster.publish(Self.message("a"), to: "t") == "node7-1")
        #expect(try broadcaster.publish(ServerSentEvent(data: "b", id: "order-42"), to: "t") == "order-42")
        #expect(try broadcaster.publish(Self.message("c"), to: "t") == "node7-3")
        #expect(try await reader.events(3).map(\.id) == ["node7-1", "order-42", "node7-3"])
    }

    @Test("The default ID prefix differs between configurations")
    func randomPrefix() {
        let prefixes = Set((0..<20).map { _ in SSEBroadcaster.Configuration().idPrefix })
        #expect(prefixes.count > 1)
        #expect(prefixes.allSatisfy { $0.hasSuffix("-") && $0.count == 6 })
    }

    @Test("An event that cannot be encoded is refused and takes no ID")
    func invalidEventIsNotPublished() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        var reader = SubscriptionReader(broadcaster.subscribe(to: ["t"]))
        #expect(throws: SSEEncodingError.lineBreakInID) {
            try broadcaster.publish(ServerSentEvent(data: "x", id: "a\nretry: 1"), to: "t")
        }
        try broadcaster.publish(Self.message("ok"), to: "t")
        #expect(try await reader.event() == ServerSentEvent(data: "ok", id: "1"))
    }

    @Test("Topics: a subscriber receives its topics only, and an event for several of them once")
    func topics() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        var sports = SubscriptionReader(broadcaster.subscribe(to: ["sports"]))
        var both = SubscriptionReader(broadcaster.subscribe(to: ["sports", "weather"]))
        try broadcaster.publish(Self.message("goal"), to: "sports")
        try broadcaster.publish(Self.message("rain"), to: "weather")
        try broadcaster.publish(Self.message("rain stops play"), to: ["sports", "weather"])
        try broadcaster.publish(Self.message("nobody listens"), to: "finance")
        try broadcaster.shutDown()
        #expect(try await sports.events(10).map(\.data) == ["goal", "rain stops play"])
        #expect(try await both.events(10).map(\.data) == ["goal", "rain", "rain stops play"])
    }

    @Test("A topic named twice in one publish delivers the event once")
    func duplicateTopicsInPublish() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        var reader = SubscriptionReader(broadcaster.subscribe(to: ["news"]))
        try broadcaster.publish(Self.message("once"), to: ["news", "news"])
        try broadcaster.shutDown()
        #expect(try await reader.events(10).map(\.data) == ["once"])
    }

    @Test("Targeted events are replayed to a resuming subscription with that subscriber ID only")
    func targetedReplay() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        try broadcaster.publish(Self.message("start"), to: "chat")
        try broadcaster.publish(Self.message("for alice"), toSubscriber: "alice")
        try broadcaster.publish(Self.message("for bob"), toSubscriber: "bob")
        try broadcaster.publish(Self.message("all"), to: "chat")
        var alice = SubscriptionReader(broadcaster.subscribe(to: ["chat"], subscriberID: "alice", lastEventID: "1"))
        try broadcaster.shutDown()
        #expect(try await alice.events(10).map(\.data) == ["for alice", "all"])
    }

    @Test("Targeted delivery reaches every subscription of that subscriber ID, and only those")
    func targetedDelivery() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        var aliceTab1 = SubscriptionReader(broadcaster.subscribe(to: ["chat"], subscriberID: "alice"))
        var aliceTab2 = SubscriptionReader(broadcaster.subscribe(to: [], subscriberID: "alice"))
        var bob = SubscriptionReader(broadcaster.subscribe(to: ["chat"], subscriberID: "bob"))
        try broadcaster.publish(Self.message("hello all"), to: "chat")
        try broadcaster.publish(Self.message("for alice"), toSubscriber: "alice")
        try broadcaster.shutDown()
        #expect(try await aliceTab1.events(10).map(\.data) == ["hello all", "for alice"])
        #expect(try await aliceTab2.events(10).map(\.data) == ["for alice"])
        #expect(try await bob.events(10).map(\.data) == ["hello all"])
    }

    // MARK: Replay

    @Test("Resuming replays exactly the events after the last ID, of the subscriber's topics, then live ones")
    func resumeReplaysThenLive() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        for index in 1...10 {
            try broadcaster.publish(Self.message("\(index)"), to: index.isMultiple(of: 2) ? "even" : "odd")
        }
        var reader = SubscriptionReader(broadcaster.subscribe(to: ["even"], lastEventID: "4"))
        try broadcaster.publish(Self.message("12"), to: "even")
        try broadcaster.publish(Self.message("13"), to: "odd")
        try broadcaster.publish(Self.message("14"), to: "even")
        let events = try await reader.events(5)
        #expect(events.map(\.data) == ["6", "8", "10", "12", "14"])
        // IDs count every publish, whatever its topic.
        #expect(events.map(\.id) == ["6", "8", "10", "11", "13"])
    }

    @Test("Resuming from the newest ID replays nothing; an empty last event ID means live only")
    func resumeFromNewest() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration())
        try broadcaster.publish(Self.message("old"), to: "t")
        var upToDate = SubscriptionReader(broadcaster.subscribe(to: ["t"], lastEventID: "1"))
        var fresh = SubscriptionReader(broadcaster.subscribe(to: ["t"], lastEventID: ""))
        try broadcaster.publish(Self.message("new"), to: "t")
        #expect(try await upToDate.event()?.data == "new")
        #expect(try await fresh.event()?.data == "new")
    }

    @Test("An ID the log no longer has is reported in-band, with the ID to go on from; then live events")
    func replayUnavailable() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration { $0.maximumReplayCount = 3 })
        for index in 1...10 {
            try broadcaster.publish(Self.message("\(index)"), to: "t")
        }
        var tooOld = SubscriptionReader(broadcaster.subscribe(to: ["t"], lastEventID: "5"))
        var unknown = SubscriptionReader(broadcaster.subscribe(to: ["t"], lastEventID: "from \"elsewhere\"\n"))
        try broadcaster.publish(Self.message("11"), to: "t")

        let signal = try #require(try await tooOld.event())
        #expect(signal.type == SSEBroadcaster.replayUnavailableEventType)
        #expect(signal.data == #"{"lastEventID":"5","reason":"too-old","currentLastEventID":"10"}"#)
        #expect(signal.id == "10")
        #expect(try await tooOld.event()?.data == "11")

        let other = try #require(try await unknown.event())
        #expect(other.type == SSEBroadcaster.replayUnavailableEventType)
        #expect(
            other.data == #"{"lastEventID":"from \"elsewhere\"\n","reason":"unknown","currentLastEventID":"10"}"#
        )
        #expect(try await unknown.event()?.data == "11")
    }

    @Test("Each reason a resume cannot be served is told apart: another epoch, too old, unknown")
    func replayUnavailableReasons() async throws {
        func configuration() -> SSEBroadcaster.Configuration {
            var configuration = SSEBroadcaster.Configuration()
            configuration.maximumReplayCount = 2
            return configuration
        }
        let before = SSEBroadcaster(configuration: configuration())
        let first = try before.publish(Self.message("a"), to: "t")
        // Started anew, as after a restart: the default prefix (the epoch) is made again.
        let restarted = SSEBroadcaster(configuration: configuration())
        var ids: [String] = []
        for index in 1...4 {
            ids.append(try restarted.publish(Self.message("\(index)"), to: "t"))
        }
        let cases: [(String, SSEBroadcaster.ReplayUnavailableReason)] = [
            (first, .epochChanged), (ids[0], .tooOld), (ids[3].dropLast() + "9", .unknown), ("order:7", .unknown),
        ]
        for (lastEventID, reason) in cases {
            let subscription = restarted.subscribe(to: ["t"], lastEventID: lastEventID)
            #expect(subscription.replayUnavailableReason == reason, "\(lastEventID)")
            var reader = SubscriptionReader(subscription)
            let notice = try #require(try await reader.event())
            let data = try JSONDecoder().decode([String: String].self, from: Data(notice.data.utf8))
            #expect(data == ["lastEventID": lastEventID, "reason": reason.rawValue, "currentLastEventID": ids[3]])
            #expect(notice.id == ids[3])
        }
        let resumed = restarted.subscribe(to: ["t"], lastEventID: ids[2])
        #expect(resumed.replayUnavailableReason == nil && !resumed.replayUnavailable)
        #expect(SSEBroadcaster.ReplayUnavailableReason(rawValue: "epoch-changed") == .epochChanged)
        #expect(SSEBroadcaster.ReplayUnavailableReason(rawValue: "lost") == nil)
    }

    @Test("The ID of the last event to leave the log still resumes, with nothing missed")
    func resumeAtTheEvictionBoundary() async throws {
        let broadcaster = SSEBroadcaster(configuration: Self.configuration { $0.maximumReplayCount = 3 })
        for index in 1...6 {
            try broadcaster.publish(Self.message("\(index)"), to: "t")
        }
        var reader = SubscriptionReader(broadcaster.subscribe(to: ["t"], lastEventID: "3"))
        #expect(try await reader.events(3).map(\.data) == ["4", "5", "6"])
    }

    @Test("The replay log is bounded by bytes")
    func replayBoundedByBytes() async throws {
        // Each event is "data: N\nid: N\n\n": 15 bytes for one digit.
        let broadcaster = SSEBroadcaster(configuration: Self.configuration { $0.maximumReplayBytes = 45 })
        for index in 1...9 {
            try broadcaster.publish(Self.message("\(index)"), to: "t")
        }
        var kept = SubscriptionReader(broadcaster.subscribe(to: ["t"], lastEventID: "6"))
        var lost = SubscriptionReader(broadcaster.subscribe(to: ["t"], lastEventID: "5"))
        try broadcaster.shutDown()
        #expect(try await kept.events(5).map(\.data) == ["7", "8", "9"])
        #expect(try await lost.events(5).map(\.type) == [SSEBroadcaster.replayUnavailableEventType])
    }

    @Test("The replay log is bounded by age")
    func replayBoundedByAge() async throws {
        let clock = ManualClock()
        let broadcaster = SSEBroadcaster(
            configuration: Self.configuration { $0.maximumReplayAge = .seconds(60) },
            clock: clock
        )
        try broadcaster.publish(Self.message("old"), to: "t")
        clock.advance(by: .seconds(30))
        try broadcaster.publish(Self.message("newer"), to: "t")
        clock.advance(by: .seconds(31))
        var resumed = SubscriptionReader(broadcaster.subscribe(to: ["t"], lastEventID: "1"))
        var tooOld = SubscriptionReader(broadcaster.subscribe(to: ["t"], lastEventID: "0"))
        try broadcaster.shutDown()
        #expect(try await resumed.events(5).map(\.data) == ["newer"])
        #expect(try await tooOld.events(5).map(\.type) == [SSEBroadcaster.replayUnavailableEventType])
    }

    @Test(
        "Resuming while events are being published: no gap and no duplicate at the seam",
        .timeLimit(.minutes(1))
    )
    func resumeSeamUnderConcurrentPublishing() async throws {
        let total = 3_000
        let broadcaster = SSEBroadcaster(
            configuration: Self.configuration {
                $0.maximumReplayCount = total
                $0.maximumQueuedEvents = total
            }
        )
        let published = PublishedIDs()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for index in 0..<total {
                    let id = try broadcaster.publish(Self.message("\(index)"), to: "t")
                    published.ids.withLock { $0.append(id) }
                    if index.isMultiple(of: 64) {
                        await Task.yield()
                    }
                }
            }
            for resumer in 0..<16 {
                group.addTask {
                    // Resume from whatever was published last, as a reconnecting client would.
                    var lastID: String?
                    while lastID == nil {
                        lastID = published.ids.withLock { $0.count > resumer * 100 ? $0.last : nil }
                        await Task.yield()
                    }
                    var reader = SubscriptionReader(broadcaster.subscribe(to: ["t"], lastEventID: lastID))
                    let start = Int(lastID!)!
                    let events = try await reader.events(total - start)
                    #expect(events.map(\.id) == (start + 1...total).map { String($0) })
                }
            }
            try await group.waitForAll()
        }
    }
}

/// The IDs published so far, shared between a publishing task and resuming ones.
final class PublishedIDs: Sendable {
    let ids = Mutex<[String]>([])
}
