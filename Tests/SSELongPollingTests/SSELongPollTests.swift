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

import HTTPTypes
import SSECodec
import SSELongPolling
import SSEStreaming
import Testing

/// The long poll on its own, without a server: what an answer holds, when it goes, and its limits.
@Suite("SSELongPoll", .timeLimit(.minutes(1)))
struct SSELongPollTests {
    static func broadcaster(heartbeat: Duration? = nil) -> SSEBroadcaster {
        var configuration = SSEBroadcaster.Configuration()
        configuration.idPrefix = ""
        configuration.heartbeat = heartbeat
        return SSEBroadcaster(configuration: configuration)
    }

    static func configuration(
        timeout: Duration = .seconds(20),
        maximumEvents: Int = 1000,
        maximumWaiting: Int = 100
    ) -> SSELongPoll.Configuration {
        var configuration = SSELongPoll.Configuration()
        configuration.timeout = timeout
        configuration.minimumInterval = .zero
        configuration.retry = .milliseconds(1500)
        configuration.maximumEvents = maximumEvents
        configuration.maximumWaiting = maximumWaiting
        return configuration
    }

    /// The body as a client's parser reads it: its events, the retry it sets, and the last ID.
    static func parse(_ body: [UInt8]) throws -> (events: [ServerSentEvent], retry: Int?, lastEventID: String) {
        var decoder = SSEDecoder()
        var events: [ServerSentEvent] = []
        var retry: Int?
        try decoder.decode(body) { output in
            switch output {
            case .event(let event): events.append(event)
            case .retry(let milliseconds): retry = milliseconds
            case .lastEventID, .comment: break
            }
        }
        // A complete answer: nothing is left unfinished.
        let discarded = decoder.finish()
        #expect(!discarded)
        return (events, retry, decoder.lastEventID ?? "")
    }

    @Test("The events after the cursor that are ready come at once, with retry: and their IDs")
    func readyEvents() async throws {
        let broadcaster = Self.broadcaster()
        let poll = SSELongPoll(broadcaster: broadcaster, configuration: Self.configuration())
        for index in 1...4 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
        }
        let answer = await poll.respond(topics: ["news"], lastEventID: "2")
        #expect(answer.status == 200)
        #expect(answer.eventCount == 2)
        #expect(answer.headers[.contentType]?.hasPrefix("text/event-stream") == true)
        #expect(answer.headers[.contentLength] == String(answer.body.count))
        let (events, retry, lastEventID) = try Self.parse(answer.body)
        #expect(events.map(\.data) == ["event 3", "event 4"])
        #expect(retry == 1500)
        #expect(lastEventID == "4")
        #expect(broadcaster.subscriberCount == 0)
    }

    @Test("A waiting poll takes the next event; nothing is lost between two polls")
    func waitsForTheNextEvent() async throws {
        let broadcaster = Self.broadcaster()
        let poll = SSELongPoll(broadcaster: broadcaster, configuration: Self.configuration())
        try broadcaster.publish(ServerSentEvent(data: "first"), to: "news")
        let waiting = Task { await poll.respond(topics: ["news"], lastEventID: "1") }
        while poll.waitingCount == 0 {
            await Task.yield()
        }
        try broadcaster.publish(ServerSentEvent(data: "second"), to: "news")
        let answer = await waiting.value
        let (events, _, lastEventID) = try Self.parse(answer.body)
        #expect(events.map(\.data) == ["second"])
        // Published between two polls: the next one, from the cursor, has it.
        try broadcaster.publish(ServerSentEvent(data: "third"), to: "news")
        let next = try Self.parse(await poll.respond(topics: ["news"], lastEventID: lastEventID).body)
        #expect(next.events.map(\.data) == ["third"])
        #expect(poll.waitingCount == 0)
    }

    @Test("Nothing within the timeout: the answer holds only the cursor, which moves no event")
    func timeoutHandsBackTheCursor() async throws {
        let broadcaster = Self.broadcaster()
        let poll = SSELongPoll(broadcaster: broadcaster, configuration: Self.configuration(timeout: .milliseconds(300)))
        try broadcaster.publish(ServerSentEvent(data: "old"), to: "news")
        try broadcaster.publish(ServerSentEvent(data: "elsewhere"), to: "other")
        let answer = await poll.respond(topics: ["news"], lastEventID: "1")
        #expect(answer.eventCount == 0)
        #expect(String(decoding: answer.body, as: UTF8.self) == "retry: 1500\n\nid: 2\n\n")
        #expect(try Self.parse(answer.body).lastEventID == "2")
    }

    @Test("Without a cursor the answer comes at once with the newest ID; with no event ever, it waits")
    func firstPoll() async throws {
        let broadcaster = Self.broadcaster()
        let poll = SSELongPoll(broadcaster: broadcaster, configuration: Self.configuration())
        let waiting = Task { await poll.respond(topics: ["news"], lastEventID: nil) }
        while poll.waitingCount == 0 {
            await Task.yield()
        }
        try broadcaster.publish(ServerSentEvent(data: "hello"), to: "news")
        #expect(try Self.parse(await waiting.value.body).events.map(\.data) == ["hello"])
        let answer = await poll.respond(topics: ["news"], lastEventID: nil)
        #expect(String(decoding: answer.body, as: UTF8.self) == "retry: 1500\n\nid: 1\n\n")
    }

    @Test("A cursor the replay log no longer has is reported in-band, as a resuming stream's is")
    func replayUnavailable() async throws {
        let broadcaster = Self.broadcaster()
        let poll = SSELongPoll(broadcaster: broadcaster, configuration: Self.configuration())
        try broadcaster.publish(ServerSentEvent(data: "one"), to: "news")
        let (events, _, lastEventID) = try Self.parse(await poll.respond(topics: ["news"], lastEventID: "nope").body)
        #expect(events.map(\.type) == [SSEBroadcaster.replayUnavailableEventType])
        #expect(lastEventID == "1")
    }

    @Test("At most maximumEvents per answer; the next poll takes the rest at once")
    func maximumEvents() async throws {
        let broadcaster = Self.broadcaster()
        let poll = SSELongPoll(broadcaster: broadcaster, configuration: Self.configuration(maximumEvents: 2))
        try broadcaster.publish(ServerSentEvent(data: "zero"), to: "news")
        for index in 1...5 {
            try broadcaster.publish(ServerSentEvent(data: "\(index)"), to: "news")
        }
        var cursor = "1"
        var received: [String] = []
        while received.count < 5 {
            let (events, _, lastEventID) = try Self.parse(
                await poll.respond(topics: ["news"], lastEventID: cursor).body
            )
            #expect(events.count == min(2, 5 - received.count))
            received += events.map(\.data)
            cursor = lastEventID
        }
        #expect(received == ["1", "2", "3", "4", "5"])
    }

    @Test("Beyond maximumWaiting a poll is answered 503 with Retry-After at once, and the waiting one is not hurt")
    func busy() async throws {
        let broadcaster = Self.broadcaster()
        let poll = SSELongPoll(broadcaster: broadcaster, configuration: Self.configuration(maximumWaiting: 1))
        try broadcaster.publish(ServerSentEvent(data: "zero"), to: "news")
        let waiting = Task { await poll.respond(topics: ["news"], lastEventID: "1") }
        while poll.waitingCount == 0 {
            await Task.yield()
        }
        let refused = await poll.respond(topics: ["news"], lastEventID: "1")
        #expect(refused.status == 503)
        #expect(refused.headers[.retryAfter] == "5")
        try broadcaster.publish(ServerSentEvent(data: "one"), to: "news")
        #expect(try Self.parse(await waiting.value.body).events.map(\.data) == ["one"])
        #expect(poll.waitingCount == 0)
    }

    @Test("A subscriber ID and a topic of the same name are counted apart against maximumWaitingPerTopic")
    func subscriberIDsAreNotTopics() async throws {
        let broadcaster = Self.broadcaster()
        var configuration = Self.configuration()
        configuration.maximumWaitingPerTopic = 1
        let poll = SSELongPoll(broadcaster: broadcaster, configuration: configuration)
        try broadcaster.publish(ServerSentEvent(data: "zero"), to: "news")
        let onTopic = Task { await poll.respond(topics: ["news"], lastEventID: "1") }
        while poll.waitingCount == 0 {
            await Task.yield()
        }
        let forSubscriber = Task { await poll.respond(topics: [], subscriberID: "news", lastEventID: "1") }
        while poll.waitingCount < 2 {
            await Task.yield()
        }
        try broadcaster.publish(ServerSentEvent(data: "one"), to: "news")
        try broadcaster.publish(ServerSentEvent(data: "two"), toSubscriber: "news")
        #expect(try Self.parse(await onTopic.value.body).events.map(\.data) == ["one"])
        #expect(try Self.parse(await forSubscriber.value.body).events.map(\.data) == ["two"])
    }

    @Test("Cancelling a waiting poll (the client went away) ends it at once, holding nothing")
    func cancellation() async throws {
        let broadcaster = Self.broadcaster()
        let poll = SSELongPoll(broadcaster: broadcaster, configuration: Self.configuration(timeout: .seconds(600)))
        try broadcaster.publish(ServerSentEvent(data: "zero"), to: "news")
        let waiting = Task { await poll.respond(topics: ["news"], lastEventID: "1") }
        while poll.waitingCount == 0 {
            await Task.yield()
        }
        waiting.cancel()
        let answer = await waiting.value
        #expect(answer.eventCount == 0)
        #expect(poll.waitingCount == 0)
        #expect(broadcaster.subscriberCount == 0)
    }

    @Test("Heartbeat comments do not end a wait; padding goes first when asked for")
    func heartbeatsAndPadding() async throws {
        let broadcaster = Self.broadcaster(heartbeat: .milliseconds(20))
        var configuration = Self.configuration(timeout: .milliseconds(400))
        configuration.paddingBytes = 2048
        let poll = SSELongPoll(broadcaster: broadcaster, configuration: configuration)
        try broadcaster.publish(ServerSentEvent(data: "zero"), to: "news")
        let answer = await poll.respond(topics: ["news"], lastEventID: "1")
        #expect(answer.eventCount == 0)
        let text = String(decoding: answer.body, as: UTF8.self)
        #expect(text.hasPrefix(":" + String(repeating: " ", count: 2048) + "\n\nretry: 1500\n\n"))
        #expect(text.hasSuffix("\n\nid: 1\n\n"))
        #expect(!text.contains(":\n:"))
    }

    @Test("Events for a subscriber ID reach its polls")
    func subscriberID() async throws {
        let broadcaster = Self.broadcaster()
        let poll = SSELongPoll(broadcaster: broadcaster, configuration: Self.configuration())
        try broadcaster.publish(ServerSentEvent(data: "zero"), to: "news")
        try broadcaster.publish(ServerSentEvent(data: "for alice"), toSubscriber: "alice")
        let answer = await poll.respond(topics: ["news"], subscriberID: "alice", lastEventID: "1")
        #expect(try Self.parse(answer.body).events.map(\.data) == ["for alice"])
    }
}
