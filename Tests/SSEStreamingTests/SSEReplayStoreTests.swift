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

/// A store that answers when the test says so, so that live events can be published while a
/// subscriber waits for it. (SSEPostgres's tests prove the seam against PostgreSQL.)
final class HeldStore: SSEReplayStore {
    struct Question: Sendable, Equatable {
        var lastEventID: String
        var topics: [String]
        var subscriberID: String?
    }

    private let state = Mutex<(questions: [Question], answer: CheckedContinuation<SSEReplay, Never>?)>(([], nil))

    var questions: [Question] { state.withLock { $0.questions } }

    func replay(after lastEventID: String, topics: [String], subscriberID: String?) async -> SSEReplay {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                state.questions.append(Question(lastEventID: lastEventID, topics: topics, subscriberID: subscriberID))
                state.answer = continuation
            }
        }
    }

    /// Answers the question asked, once there is one.
    func answer(_ replay: SSEReplay) async {
        while true {
            let continuation = state.withLock { state in
                defer { state.answer = nil }
                return state.answer
            }
            if let continuation {
                continuation.resume(returning: replay)
                return
            }
            try? await Task.sleep(for: .milliseconds(1))
        }
    }
}

@Suite("Broadcaster: a replay store answers what the replay log does not have")
struct SSEReplayStoreTests {
    static func broadcaster(_ store: HeldStore) -> SSEBroadcaster {
        var configuration = SSEBroadcaster.Configuration()
        configuration.idPrefix = ""
        configuration.heartbeat = nil
        configuration.replayStore = store
        return SSEBroadcaster(configuration: configuration)
    }

    @Test("An ID the log has is resumed from the log: the store is never asked")
    func logFirst() async throws {
        let store = HeldStore()
        let broadcaster = Self.broadcaster(store)
        for index in 1...3 {
            try broadcaster.publish(ServerSentEvent(data: "\(index)"), to: "news")
        }
        var reader = SubscriptionReader(broadcaster.subscribe(to: ["news"], lastEventID: "1"))
        #expect(try await reader.events(2).map(\.data) == ["2", "3"])
        #expect(store.questions.isEmpty)
    }

    @Test("A miss asks the store; its events come first, then the live ones it does not cover, once each")
    func storeThenLive() async throws {
        let store = HeldStore()
        let broadcaster = Self.broadcaster(store)
        try broadcaster.publish(ServerSentEvent(data: "old", id: "7"), to: "news")
        let subscription = broadcaster.subscribe(to: ["news"], subscriberID: "ada", lastEventID: "4")
        #expect(subscription.replayUnavailable == false)
        // Published while the store looks: 8 and 9 are in its answer too, 10 is not.
        try broadcaster.publish(ServerSentEvent(data: "eight", id: "8"), to: "news")
        try broadcaster.publish(ServerSentEvent(data: "nine", id: "9"), to: "news")
        try broadcaster.publish(ServerSentEvent(data: "ten", id: "10"), to: "news")
        await store.answer(
            .events(
                ["5", "6", "7", "8", "9"].map { (id: String) in ServerSentEvent(data: "stored \(id)", id: id) },
                throughID: "9"
            )
        )
        var reader = SubscriptionReader(subscription)
        let events = try await reader.events(6)
        #expect(events.map(\.id) == ["5", "6", "7", "8", "9", "10"])
        #expect(events.last?.data == "ten")
        #expect(store.questions == [HeldStore.Question(lastEventID: "4", topics: ["news"], subscriberID: "ada")])
    }

    @Test("Nothing is delivered before the store answers, however many live events wait")
    func waitsForTheStore() async throws {
        let store = HeldStore()
        let broadcaster = Self.broadcaster(store)
        let subscription = broadcaster.subscribe(to: ["news"], lastEventID: "elsewhere")
        let first = Task {
            var reader = SubscriptionReader(subscription)
            return try await reader.events(2)
        }
        try broadcaster.publish(ServerSentEvent(data: "live", id: "2"), to: "news")
        while store.questions.isEmpty {
            try await Task.sleep(for: .milliseconds(1))
        }
        await store.answer(.events([ServerSentEvent(data: "missed", id: "1")], throughID: "1"))
        #expect(try await first.value.map(\.data) == ["missed", "live"])
    }

    @Test("The store's 'unavailable' is told in-band, with its through ID, and the live events after it follow")
    func unavailable() async throws {
        let store = HeldStore()
        let broadcaster = Self.broadcaster(store)
        let subscription = broadcaster.subscribe(to: ["news"], lastEventID: "gone")
        try broadcaster.publish(ServerSentEvent(data: "a", id: "41"), to: "news")
        try broadcaster.publish(ServerSentEvent(data: "b", id: "42"), to: "news")
        await store.answer(.unavailable(throughID: "41", reason: .tooOld))
        var reader = SubscriptionReader(subscription)
        let events = try await reader.events(2)
        #expect(events.first?.type == SSEBroadcaster.replayUnavailableEventType)
        #expect(events.first?.data == #"{"lastEventID":"gone","reason":"too-old","currentLastEventID":"41"}"#)
        #expect(events.first?.id == "41")
        #expect(events.last?.data == "b")
    }

    @Test("A store that cannot look ends the subscription with replayStoreUnavailable, never 'history lost'")
    func storeUnavailable() async throws {
        let store = HeldStore()
        let broadcaster = Self.broadcaster(store)
        let subscription = broadcaster.subscribe(to: ["news"], lastEventID: "elsewhere-7")
        try broadcaster.publish(ServerSentEvent(data: "a", id: "41"), to: "news")
        await store.answer(.storeUnavailable)
        #expect(await subscription.replayStoreAnswered() == false)
        var iterator = subscription.makeAsyncIterator()
        await #expect(throws: SSEBroadcasterError.replayStoreUnavailable) {
            _ = try await iterator.next()
        }
        #expect(broadcaster.subscriberCount == 0)
        let live = broadcaster.subscribe(to: ["news"])
        #expect(await live.replayStoreAnswered(), "nothing to look up: at once")
    }

    @Test("A subscriber that leaves while the store looks is not affected by its answer")
    func leaves() async throws {
        let store = HeldStore()
        let broadcaster = Self.broadcaster(store)
        let subscription = broadcaster.subscribe(to: ["news"], lastEventID: "x")
        subscription.cancel()
        #expect(broadcaster.subscriberCount == 0)
        await store.answer(.events([ServerSentEvent(data: "late", id: "1")], throughID: nil))
        var again = SubscriptionReader(broadcaster.subscribe(to: ["news"]))
        try broadcaster.publish(ServerSentEvent(data: "next", id: "2"), to: "news")
        #expect(try await again.event()?.data == "next")
    }

    @Test("A long poll waits for the store as a stream does")
    func poll() async throws {
        let store = HeldStore()
        let broadcaster = Self.broadcaster(store)
        let subscription = broadcaster.subscribe(to: ["news"], lastEventID: "3")
        let woken = Mutex(false)
        var text = ""
        let ready: @Sendable () -> Void = { woken.withLock { $0 = true } }
        let first = try subscription.poll(maximumBytes: 1 << 16, onReady: ready) { bytes in
            text += String(decoding: bytes, as: UTF8.self)
        }
        #expect(first == .pending)
        await store.answer(.events([ServerSentEvent(data: "four", id: "4")], throughID: nil))
        while !woken.withLock({ $0 }) {
            try await Task.sleep(for: .milliseconds(1))
        }
        let none: @Sendable () -> Void = {}
        _ = try subscription.poll(maximumBytes: 1 << 16, onReady: none) { bytes in
            text += String(decoding: bytes, as: UTF8.self)
        }
        #expect(text == "id: 4\ndata: four\n\n")
    }
}
