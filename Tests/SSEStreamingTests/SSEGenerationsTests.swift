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

@Suite("Generations: producers that outlive their connections", .timeLimit(.minutes(1)))
struct SSEGenerationsTests {
    static func generations(_ change: (inout SSEGenerations.Configuration) -> Void = { _ in }) -> SSEGenerations {
        var configuration = SSEGenerations.Configuration()
        configuration.heartbeat = nil
        change(&configuration)
        return SSEGenerations(configuration: configuration)
    }

    /// Tokens a test hands a producer one at a time, and what the producer saw.
    final class Tokens: Sendable {
        let stream: AsyncStream<String>
        let continuation: AsyncStream<String>.Continuation
        let starts = Atomic(0)
        let cancellations = Atomic(0)
        let publishErrors = Mutex<[SSEGenerationError]>([])

        init() {
            (stream, continuation) = AsyncStream<String>.makeStream()
        }

        /// A producer that publishes each token as a `token` event until the tokens finish.
        var producer: @Sendable (SSEGenerations.Writer) async throws -> Void {
            { [self] writer in
                starts.add(1, ordering: .relaxed)
                try await withTaskCancellationHandler {
                    for await token in stream {
                        do throws(SSEGenerationError) {
                            try writer.publish(ServerSentEvent(type: "token", data: token))
                        } catch {
                            publishErrors.withLock { $0.append(error) }
                            throw error
                        }
                    }
                } onCancel: {
                    cancellations.add(1, ordering: .relaxed)
                }
            }
        }
    }

    /// Every event of a subscription, until it ends.
    static func events(_ subscription: SSEBroadcaster.Subscription?) async throws -> [ServerSentEvent] {
        guard let subscription else {
            Issue.record("no subscription")
            return []
        }
        var reader = SubscriptionReader(subscription)
        var events: [ServerSentEvent] = []
        while let event = try await reader.event() {
            events.append(event)
        }
        return events
    }

    static func end(_ reason: String, _ id: String) -> ServerSentEvent {
        ServerSentEvent(type: SSEGenerations.endEventType, data: #"{"reason":"\#(reason)"}"#, id: id)
    }

    static func token(_ text: String, _ id: String) -> ServerSentEvent {
        ServerSentEvent(type: "token", data: text, id: id)
    }

    /// Waits (5 ms at a time, 30 s at most) until `condition` holds.
    static func until(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<6_000 where !condition() {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }

    /// Generation "g", attached to, after it has published the token "a".
    static func afterOneToken(
        _ generations: SSEGenerations
    ) async throws -> (Tokens, SSEBroadcaster.Subscription?) {
        let tokens = Tokens()
        try generations.start("g", producer: tokens.producer)
        let subscription = generations.subscribe(to: "g")
        tokens.continuation.yield("a")
        #expect(await Self.until { generations.status(of: "g")?.eventCount == 1 })
        return (tokens, subscription)
    }

    @Test("A generation's events get ordered IDs, and its streams end with the end event")
    func ordered() async throws {
        let generations = Self.generations()
        let tokens = Tokens()
        #expect(try generations.start("g", producer: tokens.producer))
        let subscription = generations.subscribe(to: "g")
        for text in ["a", "b", "c"] {
            tokens.continuation.yield(text)
        }
        tokens.continuation.finish()
        #expect(
            try await Self.events(subscription) == [
                Self.token("a", "g:1"), Self.token("b", "g:2"), Self.token("c", "g:3"), Self.end("completed", "g:4"),
            ]
        )
        let status = try #require(generations.status(of: "g"))
        #expect(status.endReason == .completed && status.eventCount == 3 && !status.isRunning)
        try generations.shutDown()
    }

    @Test("Clients attach from the start or resume after their last event ID, while it runs and after it ends")
    func attachAndResume() async throws {
        let generations = Self.generations()
        let tokens = Tokens()
        try generations.start("g", producer: tokens.producer)
        let first = generations.subscribe(to: "g")
        tokens.continuation.yield("a")
        tokens.continuation.yield("b")
        #expect(await Self.until { generations.status(of: "g")?.eventCount == 2 })
        // A second tab from the start, a reconnection after "a", an ID of another generation.
        let second = generations.subscribe(to: "g")
        let resumed = generations.subscribe(to: "g", lastEventID: "g:1")
        let other = generations.subscribe(to: "g", lastEventID: "h:7")
        // An ID of generation "g:x", not of "g".
        let longer = generations.subscribe(to: "g", lastEventID: "g:x:1")
        tokens.continuation.yield("c")
        tokens.continuation.finish()
        let whole = [
            Self.token("a", "g:1"), Self.token("b", "g:2"), Self.token("c", "g:3"), Self.end("completed", "g:4"),
        ]
        #expect(try await Self.events(first) == whole)
        #expect(try await Self.events(second) == whole)
        #expect(try await Self.events(other) == whole)
        #expect(try await Self.events(longer) == whole)
        #expect(try await Self.events(resumed) == Array(whole.dropFirst()))
        // After the end, within the retention.
        #expect(try await Self.events(generations.subscribe(to: "g")) == whole)
        #expect(try await Self.events(generations.subscribe(to: "g", lastEventID: "g:2")) == Array(whole.suffix(2)))
        #expect(try await Self.events(generations.subscribe(to: "g", lastEventID: "g:3")) == [whole[3]])
        // A client that has the end, and a generation nobody started: nothing (a server's 204).
        #expect(generations.subscribe(to: "g", lastEventID: "g:4") == nil)
        #expect(generations.subscribe(to: "unknown") == nil)
        #expect(tokens.starts.load(ordering: .relaxed) == 1)
        try generations.shutDown()
    }

    @Test("A start under an ID that runs or is kept joins it: one producer")
    func idempotentStart() async throws {
        let generations = Self.generations()
        let tokens = Tokens()
        #expect(try generations.start("g", producer: tokens.producer))
        #expect(try !generations.start("g", producer: tokens.producer))
        #expect(try !generations.start("g", events: AsyncStream<ServerSentEvent> { $0.finish() }))
        tokens.continuation.yield("a")
        tokens.continuation.finish()
        #expect(await Self.until { generations.status(of: "g")?.isRunning == false })
        #expect(try !generations.start("g", producer: tokens.producer))
        #expect(await Self.until { generations.runningCount == 0 })
        #expect(tokens.starts.load(ordering: .relaxed) == 1)
        try generations.shutDown()
    }

    @Test("A stop cancels the producer and ends every stream; the producer's next publish throws ended")
    func stop() async throws {
        let generations = Self.generations()
        let (tokens, subscription) = try await Self.afterOneToken(generations)
        #expect(generations.stop("g"))
        #expect(try await Self.events(subscription) == [Self.token("a", "g:1"), Self.end("stopped", "g:2")])
        #expect(await Self.until { tokens.cancellations.load(ordering: .relaxed) == 1 })
        #expect(await Self.until { generations.runningCount == 0 })
        #expect(!generations.stop("g"))
        #expect(!generations.stop("unknown"))
        #expect(generations.status(of: "g")?.endReason == .stopped)
        try generations.shutDown()
    }

    @Test("A producer that throws ends the generation with failed and the configured message")
    func failure() async throws {
        struct ModelDown: Error {}
        let generations = Self.generations {
            $0.failureMessage = { error in error is ModelDown ? "The model is down; try again." : "?" }
        }
        try generations.start("g") { writer in
            try writer.publish(ServerSentEvent(data: "partial"))
            throw ModelDown()
        }
        let events = try await Self.events(generations.subscribe(to: "g"))
        #expect(
            events == [
                ServerSentEvent(data: "partial", id: "g:1"),
                ServerSentEvent(
                    type: SSEGenerations.endEventType,
                    data: #"{"reason":"failed","message":"The model is down; try again."}"#,
                    id: "g:2"
                ),
            ]
        )
        #expect(generations.status(of: "g")?.endReason == .failed)
        try generations.shutDown()
    }

    @Test("The event limit ends the generation with tooLarge; the producer is cancelled and told")
    func eventLimit() async throws {
        let generations = Self.generations { $0.maximumEvents = 3 }
        let tokens = Tokens()
        try generations.start("g", producer: tokens.producer)
        let subscription = generations.subscribe(to: "g")
        for text in ["a", "b", "c", "d", "e"] {
            tokens.continuation.yield(text)
        }
        let events = try await Self.events(subscription)
        #expect(events.map(\.data).dropLast() == ["a", "b", "c"])
        #expect(events.last == Self.end("tooLarge", "g:4"))
        #expect(await Self.until { tokens.publishErrors.withLock { $0 } == [.ended] })
        #expect(await Self.until { generations.runningCount == 0 })
        try generations.shutDown()
    }

    @Test("The byte limit ends the generation with tooLarge")
    func byteLimit() async throws {
        let generations = Self.generations { $0.maximumBytes = 1_000 }
        let tokens = Tokens()
        try generations.start("g", producer: tokens.producer)
        let subscription = generations.subscribe(to: "g")
        for _ in 0..<10 {
            tokens.continuation.yield(String(repeating: "x", count: 200))
        }
        let events = try await Self.events(subscription)
        let status = try #require(generations.status(of: "g"))
        #expect(events.count == status.eventCount + 1)
        #expect(events.last == Self.end("tooLarge", "g:\(events.count)"))
        // As many as fit, and no more.
        #expect(status.byteCount <= 1_000 && status.byteCount + status.byteCount / status.eventCount > 1_000)
        try generations.shutDown()
    }

    @Test("The duration limit ends a producer that never returns with timedOut")
    func durationLimit() async throws {
        let generations = Self.generations { $0.maximumDuration = .milliseconds(50) }
        let tokens = Tokens()
        try generations.start("g", producer: tokens.producer)
        #expect(try await Self.events(generations.subscribe(to: "g")) == [Self.end("timedOut", "g:1")])
        #expect(await Self.until { tokens.cancellations.load(ordering: .relaxed) == 1 })
        try generations.shutDown()
    }

    @Test("Past maximumRunningGenerations a start is refused; a producer that returns makes room")
    func runningLimit() async throws {
        let generations = Self.generations { $0.maximumRunningGenerations = 2 }
        let first = Tokens()
        try generations.start("a", producer: first.producer)
        try generations.start("b", producer: Tokens().producer)
        #expect(throws: SSEGenerationError.tooManyGenerations) {
            try generations.start("c", producer: Tokens().producer)
        }
        // Joining a running one is no new generation.
        #expect(try !generations.start("a", producer: first.producer))
        first.continuation.finish()
        #expect(await Self.until { generations.runningCount == 1 })
        #expect(try generations.start("c", producer: Tokens().producer))
        try generations.shutDown()
    }

    @Test(
        "After its retention a generation is unknown, stopped or not; past maximumRetainedGenerations the oldest go first"
    )
    func retention() async throws {
        let generations = Self.generations { $0.retention = .milliseconds(20) }
        try generations.start("g") { _ in }
        #expect(await Self.until { generations.status(of: "g") == nil })
        #expect(generations.subscribe(to: "g") == nil)
        // Stopped: its producer's cancellation is not its retention's.
        let tokens = Tokens()
        try generations.start("s", producer: tokens.producer)
        #expect(generations.stop("s"))
        #expect(await Self.until { generations.status(of: "s") == nil })
        #expect(generations.subscribe(to: "s") == nil)
        #expect(try generations.start("s") { _ in })

        let kept = Self.generations { $0.maximumRetainedGenerations = 2 }
        for id in ["a", "b", "c"] {
            try kept.start(id) { _ in }
            #expect(await Self.until { kept.runningCount == 0 })
        }
        #expect(kept.status(of: "a") == nil)
        #expect(kept.status(of: "b")?.endReason == .completed)
        #expect(kept.status(of: "c")?.endReason == .completed)
        try generations.shutDown()
        try kept.shutDown()
    }

    @Test("The default limits are the documented ones")
    func defaults() {
        let configuration = SSEGenerations.Configuration()
        #expect(configuration.maximumRunningGenerations == 1_000)
        #expect(configuration.maximumDuration == .seconds(600))
        #expect(configuration.maximumEvents == 100_000)
        #expect(configuration.maximumBytes == 16 << 20)
        #expect(configuration.retention == .seconds(300))
        #expect(configuration.maximumRetainedGenerations == 1_000)
        #expect(configuration.heartbeat == .seconds(15))
        #expect(configuration.maximumQueuedEvents == 1_024 && configuration.maximumQueuedBytes == 1 << 20)
        #expect(configuration.failureMessage(CancellationError()) == "The generation failed.")
    }

    @Test("IDs that cannot go into an id: line are refused")
    func invalidIDs() {
        let generations = Self.generations()
        for id in ["", "a\nb", "a\rb", "a\0b", String(repeating: "x", count: 201)] {
            #expect(throws: SSEGenerationError.invalidID) {
                try generations.start(id) { _ in }
            }
        }
    }

    @Test("An event that cannot be encoded is refused; the generation goes on")
    func unencodable() async throws {
        let generations = Self.generations()
        try generations.start("g") { writer in
            #expect(throws: SSEGenerationError.unencodable) {
                try writer.publish(ServerSentEvent(type: "a\nb", data: "x"))
            }
            try writer.publish(ServerSentEvent(data: "fine"))
        }
        #expect(
            try await Self.events(generations.subscribe(to: "g"))
                == [ServerSentEvent(data: "fine", id: "g:1"), Self.end("completed", "g:2")]
        )
        try generations.shutDown()
    }

    @Test("A sequence of events as the producer; their own IDs are replaced")
    func sequenceProducer() async throws {
        let generations = Self.generations()
        let events = AsyncStream<ServerSentEvent> { continuation in
            continuation.yield(ServerSentEvent(data: "a", id: "mine"))
            continuation.yield(ServerSentEvent(type: "t", data: "b"))
            continuation.finish()
        }
        try generations.start("g", events: events)
        #expect(
            try await Self.events(generations.subscribe(to: "g")) == [
                ServerSentEvent(data: "a", id: "g:1"), ServerSentEvent(type: "t", data: "b", id: "g:2"),
                Self.end("completed", "g:3"),
            ]
        )
        try generations.shutDown()
    }

    @Test("A shutdown ends every stream with the final event, cancels the producers, and refuses starts")
    func shutDown() async throws {
        let generations = Self.generations()
        let (tokens, subscription) = try await Self.afterOneToken(generations)
        let bye = ServerSentEvent(type: "shutdown", data: "bye")
        try generations.shutDown(finalEvent: bye)
        let events = try await Self.events(subscription)
        // The final event has no ID of its own: a client keeps "g:1" as its last event ID.
        #expect(events == [Self.token("a", "g:1"), ServerSentEvent(type: "shutdown", data: "bye", id: "g:1")])
        #expect(await Self.until { tokens.cancellations.load(ordering: .relaxed) == 1 })
        #expect(throws: SSEGenerationError.shutDown) {
            try generations.start("h") { _ in }
        }
        // A client that comes later gets the final event alone; without one, nothing (204).
        #expect(try await Self.events(generations.subscribe(to: "g")).map(\.data) == ["bye"])
        let silent = Self.generations()
        try silent.start("g") { _ in }
        try silent.shutDown()
        #expect(silent.subscribe(to: "g") == nil)
    }

    @Test(
        "The generation ID in an event ID",
        arguments: [
            ("abc:12", "abc"), ("a:b:3", "a:b"), ("abc", nil), ("abc:", nil), (":3", nil), ("abc:x1", nil),
        ] as [(String, String?)]
    )
    func generationID(eventID: String, expected: String?) {
        #expect(SSEGenerations.generationID(of: eventID) == expected)
    }
}
