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

public import SSECodec
public import SSELongPolling
public import SSEStreaming
import SSETestSupport
import Synchronization

/// What every server test serves, whatever the server (the embedded one, Hummingbird, Vapor):
///
/// - `GET /`: a small HTML page, ``page``;
/// - `GET /events`: the request's subscription to ``broadcaster``'s `news` topic, resumed from its
///   last event ID;
/// - `GET /ticks`: a stream of events (``ticks()``) that stays quiet, to see that its task ends
///   when the client goes;
/// - `GET /finite`: ``finite()``, a stream of events that ends;
/// - `GET /updates`: ``longPoll``'s answer on the `news` topic: a long poll with
///   `?transport=poll`, else a stream.
/// - `GET /answers/:id`: an answer of ``generations``: started (or joined) by a request without a
///   last event ID (``startAnswer(_:)``), then the request's stream of it (`204` when there is
///   nothing for it); `POST /answers/:id/stop` stops it (`204`, or `404` when it is not running).
public final class Fixture: Sendable {
    public static let page = "<!doctype html><title>demo</title>"

    /// IDs are plain publish numbers, and there are no heartbeats.
    public let broadcaster: SSEBroadcaster

    /// Long polling on ``broadcaster``: a 2-second wait, no minimum interval, `retry: 1000`.
    public let longPoll: SSELongPoll

    private let openTicks = Atomic(0)

    /// The answers, without heartbeats; their tokens come from ``emit(_:to:)``.
    public let generations: SSEGenerations = {
        var configuration = SSEGenerations.Configuration()
        configuration.heartbeat = nil
        return SSEGenerations(configuration: configuration)
    }()

    private let answerTokens = Mutex<[String: (AsyncStream<String>, AsyncStream<String>.Continuation)]>([:])
    private let producers = Atomic(0)
    private let cancelledProducers = Atomic(0)

    /// Starts the answer `id` (a producer that publishes each token ``emit(_:to:)`` gives it as a
    /// `token` event, until ``finishAnswer(_:)``), or joins it; whether it started.
    @discardableResult
    public func startAnswer(_ id: String) throws(SSEGenerationError) -> Bool {
        try generations.start(id) { [self] writer in
            producers.add(1, ordering: .relaxed)
            let tokens = tokens(id).0
            try await withTaskCancellationHandler {
                for await token in tokens {
                    try writer.publish(ServerSentEvent(type: "token", data: token))
                }
            } onCancel: {
                cancelledProducers.add(1, ordering: .relaxed)
            }
        }
    }

    private func tokens(_ id: String) -> (AsyncStream<String>, AsyncStream<String>.Continuation) {
        answerTokens.withLock { answers in
            if let channel = answers[id] {
                return channel
            }
            let channel = AsyncStream<String>.makeStream()
            answers[id] = channel
            return channel
        }
    }

    /// Gives the answer `id`'s producer its next token.
    public func emit(_ token: String, to id: String) {
        tokens(id).1.yield(token)
    }

    /// Ends the answer `id`'s tokens: its producer returns.
    public func finishAnswer(_ id: String) {
        tokens(id).1.finish()
    }

    /// How many answer producers have started, and how many were cancelled.
    public var answerProducers: (started: Int, cancelled: Int) {
        (producers.load(ordering: .relaxed), cancelledProducers.load(ordering: .relaxed))
    }

    public init() {
        var configuration = SSEBroadcaster.Configuration()
        configuration.idPrefix = ""
        configuration.heartbeat = nil
        broadcaster = SSEBroadcaster(configuration: configuration)
        var polling = SSELongPoll.Configuration()
        polling.timeout = .seconds(2)
        polling.minimumInterval = .zero
        polling.retry = .seconds(1)
        longPoll = SSELongPoll(broadcaster: broadcaster, configuration: polling)
    }

    /// A quiet stream of events, counted in ``openTickStreams`` until its reader stops.
    public func ticks() -> AsyncStream<ServerSentEvent> {
        let (stream, continuation) = AsyncStream<ServerSentEvent>.makeStream()
        openTicks.add(1, ordering: .relaxed)
        continuation.onTermination = { [self] _ in openTicks.subtract(1, ordering: .relaxed) }
        return stream
    }

    /// How many events ``finite()`` sends, and how large each one's data is.
    public static let finiteCount = 12_000
    public static let finiteSize = 1_000

    /// 12 MB of events, then the end of the stream: more than the sockets hold, so that the end
    /// is written while a slow reader is still behind.
    public func finite() -> AsyncStream<ServerSentEvent> {
        // One data string shared by every event: the buffered stream costs next to nothing.
        let event = ServerSentEvent(data: String(repeating: "x", count: Self.finiteSize))
        let (stream, continuation) = AsyncStream<ServerSentEvent>.makeStream()
        for _ in 0..<Self.finiteCount {
            continuation.yield(event)
        }
        continuation.finish()
        return stream
    }

    /// How many ``ticks()`` streams are still being read.
    public var openTickStreams: Int { openTicks.load(ordering: .relaxed) }
}

/// A running server under test, on 127.0.0.1.
public protocol ServerUnderTest: Sendable {
    var port: Int { get }
    /// How many connections it has open, where the server can tell.
    var connectionCount: Int? { get }
    /// Whether a cross-origin page may read the response fields it names (`Retry-After`).
    var exposesHeadersToCrossOriginPages: Bool { get }
    func stop() async
}

extension ServerUnderTest {
    public var exposesHeadersToCrossOriginPages: Bool { true }

    public func url(_ path: String) -> String {
        "http://127.0.0.1:\(port)\(path)"
    }
}

/// The behaviour every adapter promises, checked with real clients (curl, raw sockets) against a
/// server serving a ``Fixture``.
public enum Scenarios {
    /// Starts a server for a fixture, with CORS for the given allowed origin (with credentials) or none.
    public typealias Start = @Sendable (_ fixture: Fixture, _ corsOrigin: String?) async throws -> any ServerUnderTest

    /// `curl -N` receives the response head at once, then each event before the next is
    /// published, with the SSE header fields.
    public static func streamsEvents(_ start: Start) async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await start(fixture, nil)
        // The stream opens (its head arrives) before any event: a browser fires `open` then.
        // Nothing is published before the head is read, so a head at all is the proof.
        let quiet = try RawConnection(port: server.port)
        quiet.send("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        try check(try await blocking { quiet.read(until: "\r\n\r\n") }.hasPrefix("HTTP/1.1 200 OK\r\n"))
        quiet.close()
        try check(await eventually { broadcaster.subscriberCount == 0 })
        let curl = try Child(["curl", "-sN", "-i", server.url("/events")])
        try check(await eventually { broadcaster.subscriberCount == 1 })
        var output = ""
        for index in 1...3 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
            try check(try await curl.receive("data: event \(index)\nid: \(index)\n\n", into: &output))
        }
        try broadcaster.shutDown(finalEvent: ServerSentEvent(type: "bye", data: "done"))
        output += try await blocking { curl.readToEnd() }
        let lowercased = output.lowercased()
        try check(lowercased.hasPrefix("http/1.1 200"))
        try check(lowercased.contains("content-type: text/event-stream; charset=utf-8\r\n"))
        try check(lowercased.contains("cache-control: no-cache\r\n"))
        try check(lowercased.contains("x-accel-buffering: no\r\n"))
        try check(output.hasSuffix("event: bye\ndata: done\n\n"))
        await server.stop()
    }

    /// `Last-Event-ID`, as a header or as the `lastEventId` query parameter, resumes after that
    /// event; the head says where the stream begins, and why a resume cannot be served.
    public static func resumesFromLastEventID(_ start: Start) async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        for index in 1...5 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
        }
        let server = try await start(fixture, nil)
        let header = try Child(["curl", "-sN", "-D", "-", "-H", "Last-Event-ID: 3", server.url("/events")])
        let query = try Child(["curl", "-sN", server.url("/events?lastEventId=4")])
        // An ID this broadcaster never reached: the head says so, with the newest ID.
        let unknown = try Child(["curl", "-sN", "-D", "-", "-H", "Last-Event-ID: 99", server.url("/events")])
        try check(await eventually { broadcaster.subscriberCount == 3 })
        try broadcaster.shutDown()
        let resumed = try await blocking { header.readToEnd() }
        try check(resumed.hasSuffix("\r\n\r\ndata: event 4\nid: 4\n\ndata: event 5\nid: 5\n\n"), resumed)
        try check(resumed.lowercased().contains("\r\nsse-newest-event-id: 5\r\n"), resumed)
        try check(!resumed.lowercased().contains("sse-replay-unavailable:"), resumed)
        try check(try await blocking { query.readToEnd() } == "data: event 5\nid: 5\n\n")
        let lost = try await blocking { unknown.readToEnd() }
        try check(lost.lowercased().contains("\r\nsse-newest-event-id: 5\r\n"), lost)
        try check(lost.lowercased().contains("\r\nsse-replay-unavailable: unknown\r\n"), lost)
        try check(
            lost.hasSuffix(
                "\r\n\r\nid: 5\nevent: sse-replay-unavailable\n"
                    + #"data: {"lastEventID":"99","reason":"unknown","currentLastEventID":"5"}"# + "\n\n"
            ),
            lost
        )
        await server.stop()
    }

    /// Long polling on the same broadcaster as the streams, through the adapter: what is ready at
    /// once, the next event for a waiting poll, the cursor when nothing came, and a stream from
    /// the same URL without `transport=poll`.
    public static func longPolls(_ start: Start) async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        for index in 1...3 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
        }
        let server = try await start(fixture, nil)
        let retry = "retry: 1000\n\n"
        let ready = try Child(["curl", "-s", "-D", "/dev/stderr", server.url("/updates?transport=poll&lastEventId=1")])
        try check(
            try await blocking { ready.readToEnd() } == retry + "data: event 2\nid: 2\n\ndata: event 3\nid: 3\n\n"
        )
        let headers = try Child(["curl", "-s", "-o", "/dev/null", "-D", "-", server.url("/updates?transport=poll")])
        let head = try await blocking { headers.readToEnd() }.lowercased()
        try check(head.hasPrefix("http/1.1 200"), "a long poll answers 200: \(head)")
        try check(head.contains("content-type: text/event-stream"), "a long poll's body is an event stream: \(head)")
        try check(head.contains("content-length: \(retry.utf8.count + "id: 3\n\n".utf8.count)"), "\(head)")

        let waiting = try Child(["curl", "-s", "-H", "Last-Event-ID: 3", server.url("/updates?transport=poll")])
        try check(await eventually { fixture.longPoll.waitingCount == 1 })
        try broadcaster.publish(ServerSentEvent(data: "event 4"), to: "news")
        try check(try await blocking { waiting.readToEnd() } == retry + "data: event 4\nid: 4\n\n")

        // Nothing comes: the answer ends after the wait, and hands back the newest ID.
        let quiet = try Child(["curl", "-s", server.url("/updates?transport=poll&lastEventId=4")])
        try check(try await blocking { quiet.readToEnd() } == retry + "id: 4\n\n")
        let fresh = try Child(["curl", "-s", server.url("/updates?transport=poll")])
        try check(try await blocking { fresh.readToEnd() } == retry + "id: 4\n\n")
        let stale = try Child(["curl", "-s", server.url("/updates?transport=poll&lastEventId=nope")])
        try check(try await blocking { stale.readToEnd() }.contains("event: sse-replay-unavailable\n"))

        let stream = try Child(["curl", "-sN", server.url("/updates?lastEventId=3")])
        // A stream without a cursor starts with one: the newest ID, in a block that dispatches nothing.
        let cursorless = try Child(["curl", "-sN", server.url("/updates")])
        try check(await eventually { broadcaster.subscriberCount == 2 })
        try broadcaster.shutDown()
        try check(try await blocking { stream.readToEnd() } == retry + "data: event 4\nid: 4\n\n")
        try check(try await blocking { cursorless.readToEnd() } == retry + "id: 4\n\n")
        await server.stop()
    }

    /// A client that disconnects from a quiet stream is noticed without a heartbeat (the fixture
    /// sends none), and everything it held is released: a subscription, and a sequence's task.
    public static func quietDisconnectIsNoticed(_ start: Start) async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await start(fixture, nil)
        let subscriber = try Child(["curl", "-sN", server.url("/events")])
        let ticks = try Child(["curl", "-sN", server.url("/ticks")])
        try check(await eventually { broadcaster.subscriberCount == 1 && fixture.openTickStreams == 1 })
        try await blocking {
            subscriber.kill()
            ticks.kill()
        }
        try check(
            await eventually {
                broadcaster.subscriberCount == 0 && fixture.openTickStreams == 0 && (server.connectionCount ?? 0) == 0
            }
        )
        await server.stop()
    }

    /// `cycles` connect-and-disconnect cycles, half on each kind of stream, leave nothing behind.
    public static func connectDisconnectCycles(_ start: Start, cycles: Int = 10_000) async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await start(fixture, nil)
        let port = server.port
        try await blocking {
            for cycle in 0..<cycles {
                let connection = try RawConnection(port: port)
                let path = cycle.isMultiple(of: 2) ? "/events" : "/ticks"
                connection.send("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n")
                _ = connection.read(until: "\r\n\r\n")
                connection.close()
            }
        }
        try check(
            await eventually(within: 60) {
                broadcaster.subscriberCount == 0 && fixture.openTickStreams == 0 && (server.connectionCount ?? 0) == 0
            }
        )
        await server.stop()
    }

    /// gzip when the client asks (curl --compressed decodes each event as it arrives), with
    /// `Content-Encoding` and `Vary`; not when gzip's weight is 0.
    public static func gzipNegotiated(_ start: Start) async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await start(fixture, nil)
        let compressed = try Child(["curl", "-sN", "--compressed", server.url("/events")])
        let head = try RawConnection(port: server.port)
        head.send("GET /events HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: br, gzip\r\n\r\n")
        let raw = try RawConnection(port: server.port)
        raw.send("GET /events HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip;q=0, identity\r\n\r\n")
        try check(await eventually { broadcaster.subscriberCount == 3 })
        let gzipHead = try await blocking { head.read(until: "\r\n\r\n") }.lowercased()
        try check(gzipHead.contains("content-encoding: gzip\r\n"))
        try check(gzipHead.contains("vary: accept-encoding\r\n"))
        head.close()
        var output = ""
        for index in 1...3 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
            try check(try await compressed.receive("data: event \(index)\nid: \(index)\n\n", into: &output))
        }
        let plain = try await blocking { raw.read(until: "data: event 3\nid: 3\n\n") }
        try check(!plain.lowercased().contains("content-encoding"))
        try check(plain.contains("data: event 1\nid: 1\n\n"))
        raw.close()
        try broadcaster.shutDown()
        try check(
            try await output + blocking { compressed.readToEnd() }
                == (1...3).map { "data: event \($0)\nid: \($0)\n\n" }.joined()
        )
        await server.stop()
    }

    /// A stream that ends arrives whole, its end included, at a client that reads slowly: the
    /// connection is not closed while the end of the response is still on its way.
    public static func finiteStreamArrivesWhole(_ start: Start) async throws {
        let fixture = Fixture()
        let server = try await start(fixture, nil)
        let connection = try RawConnection(port: server.port)
        connection.send("GET /finite HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let received = try await blocking { connection.readSlowly(untilSuffix: "\r\n0\r\n\r\n") }
        try check(received.suffix(7).elementsEqual("\r\n0\r\n\r\n".utf8))
        // The head's lines and the chunk sizes between writes are lines the decoder ignores.
        var decoder = SSEDecoder()
        var events = 0
        try decoder.decode(received) { output in
            if case .event(let event) = output, event.data.utf8.count == Fixture.finiteSize {
                events += 1
            }
        }
        try check(events == Fixture.finiteCount)
        connection.close()
        await server.stop()
    }

    /// A last event ID with NULL, CR or LF, or over 1,024 bytes, is a `400 Bad Request` saying so.
    public static func malformedLastEventIDIsRefused(_ start: Start) async throws {
        let fixture = Fixture()
        let server = try await start(fixture, nil)
        let query = try RawConnection(port: server.port)
        query.send("GET /events?lastEventId=a%00b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        let nul = try await blocking { query.read(until: "LF") }
        try check(nul.hasPrefix("HTTP/1.1 400 Bad Request"))
        try check(nul.contains("Last-Event-ID contains NULL, CR or LF"))
        query.close()
        let header = try RawConnection(port: server.port)
        let longID = String(repeating: "x", count: 2_000)
        header.send("GET /events HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nLast-Event-ID: \(longID)\r\n\r\n")
        let long = try await blocking { header.read(until: "bytes") }
        try check(long.hasPrefix("HTTP/1.1 400 Bad Request"))
        try check(long.contains("Last-Event-ID is longer than 1024 bytes"))
        header.close()
        try check(fixture.broadcaster.subscriberCount == 0)
        await server.stop()
    }

    /// CORS with credentials: the allowed origin is named (never `*`), on streams and in preflight
    /// answers; other origins get no CORS header fields.
    public static func cors(_ start: Start) async throws {
        let fixture = Fixture()
        let server = try await start(fixture, "https://app.example")
        let allowed = try RawConnection(port: server.port)
        allowed.send("GET /events HTTP/1.1\r\nHost: localhost\r\nOrigin: https://app.example\r\n\r\n")
        let allowedHead = try await blocking { allowed.read(until: "\r\n\r\n") }.lowercased()
        try check(allowedHead.contains("access-control-allow-origin: https://app.example\r\n"))
        try check(allowedHead.contains("access-control-allow-credentials: true\r\n"))
        try check(
            !server.exposesHeadersToCrossOriginPages
                || allowedHead.contains(
                    "access-control-expose-headers: retry-after, sse-newest-event-id, sse-replay-unavailable\r\n"
                )
        )
        try check(!allowedHead.contains("access-control-allow-origin: *"))
        allowed.close()

        let preflight = try RawConnection(port: server.port)
        preflight.send(
            "OPTIONS /events HTTP/1.1\r\nHost: localhost\r\nOrigin: https://app.example\r\n"
                + "Access-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: last-event-id\r\n\r\n"
        )
        let preflightHead = try await blocking { preflight.read(until: "\r\n\r\n") }.lowercased()
        // Any 2xx passes a preflight (Fetch §4.8); Vapor's middleware answers 200.
        try check(preflightHead.hasPrefix("http/1.1 204") || preflightHead.hasPrefix("http/1.1 200"))
        try check(preflightHead.contains("access-control-allow-origin: https://app.example\r\n"))
        try check(preflightHead.contains("access-control-allow-headers: last-event-id"))
        preflight.close()

        let other = try RawConnection(port: server.port)
        other.send("GET / HTTP/1.1\r\nHost: localhost\r\nOrigin: https://evil.example\r\nConnection: close\r\n\r\n")
        let otherResponse = try await blocking { other.read(until: "</title>") }.lowercased()
        try check(otherResponse.hasPrefix("http/1.1 200"))
        try check(!otherResponse.contains("access-control-allow-origin"))
        other.close()
        await server.stop()
    }
}

/// One of the ``Scenarios``, as a test argument: every server's suite runs them all.
public struct Scenario: Sendable, CustomStringConvertible {
    public let description: String
    private let body: @Sendable (Scenarios.Start) async throws -> Void

    /// Runs the scenario against servers started by `start`.
    public func run(_ start: Scenarios.Start) async throws {
        try await body(start)
    }

    public static let all: [Scenario] = [
        Scenario(
            description:
                "the head arrives at once, then curl -N receives each event as it is published, with the SSE headers",
            body: Scenarios.streamsEvents
        ),
        Scenario(
            description: "Last-Event-ID, as a header or a query parameter, resumes after that event",
            body: Scenarios.resumesFromLastEventID
        ),
        Scenario(
            description: "a client that disconnects from a quiet stream is noticed without a heartbeat, and released",
            body: Scenarios.quietDisconnectIsNoticed
        ),
        Scenario(
            description: "10,000 connect-and-disconnect cycles leave no subscriber, task or connection behind",
            body: { try await Scenarios.connectDisconnectCycles($0) }
        ),
        Scenario(
            description: "gzip when the client asks (curl --compressed decodes it as it streams), not otherwise",
            body: Scenarios.gzipNegotiated
        ),
        Scenario(
            description: "a stream that ends arrives whole, its end included, at a slow reader",
            body: Scenarios.finiteStreamArrivesWhole
        ),
        Scenario(
            description: "a malformed Last-Event-ID is a 400 saying what is wrong",
            body: Scenarios.malformedLastEventIDIsRefused
        ),
        Scenario(
            description: "long polling on the same URL and broadcaster: ready events, a wait, the cursor, a stream",
            body: Scenarios.longPolls
        ),
        Scenario(
            description: "CORS: an allowed origin is named (never * with credentials); others get no CORS headers",
            body: Scenarios.cors
        ),
        Scenario(
            description:
                "a generation: dropped mid-answer and resumed, a second tab, stopped from another connection, 204 after",
            body: Scenarios.generations
        ),
    ]
}

/// A scenario's expectation that did not hold: thrown, so that the test running the scenario fails
/// with where and what. (This target is not a test target: it does not use the Testing library.)
public struct ScenarioFailure: Error, CustomStringConvertible {
    public let description: String
}

/// Throws a ``ScenarioFailure`` naming the caller's line unless `condition` holds.
func check(
    _ condition: Bool,
    _ message: @autoclosure () -> String = "",
    fileID: String = #fileID,
    line: Int = #line
) throws(ScenarioFailure) {
    guard condition else {
        throw ScenarioFailure(description: "\(fileID):\(line): expectation failed \(message())")
    }
}
