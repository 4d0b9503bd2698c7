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

#if NIOSupport
import Foundation
import NIOPosix
import SSECodec
import SSENIO
import SSEStreaming
import SSEServerTestSupport
import SSETestSupport
import Synchronization
import Testing

@Suite("Embedded server", .serialized, .timeLimit(.minutes(2)), .requires(.curl, .python3))
struct SSEServerTests {
    static let start: Scenarios.Start = { fixture, corsOrigin in
        try await TestServer.start(fixture, corsOrigin: corsOrigin)
    }

    @Test("What every adapter promises", arguments: Scenario.all)
    func scenario(_ scenario: Scenario) async throws {
        try await scenario.run(Self.start)
    }

    @Test("Bad requests get clear 4xx answers; static pages keep the connection alive")
    func badRequests() async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await TestServer.start(fixture, corsOrigin: nil)
        let raw = try RawConnection(port: server.port)
        raw.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await blocking { raw.read(until: "</title>") }.hasPrefix("HTTP/1.1 200 OK"))
        raw.send("GET /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await blocking { raw.read(until: "Not found\n") }.hasPrefix("HTTP/1.1 404 Not Found"))
        raw.send("DELETE /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let notAllowed = try await blocking { raw.read(until: "not allowed\n") }
        #expect(notAllowed.hasPrefix("HTTP/1.1 405 Method Not Allowed"))
        #expect(notAllowed.lowercased().contains("allow: get\r\n"))
        raw.close()

        let garbage = try RawConnection(port: server.port)
        garbage.send("NOT HTTP AT ALL\r\n\r\n")
        #expect(try await blocking { garbage.read(until: "\r\n\r\n") }.hasPrefix("HTTP/1.1 400 Bad Request"))
        garbage.close()
        #expect(broadcaster.subscriberCount == 0)
        await server.stop()
    }

    /// Opens `count` connections to `port` that each send `request`, then reports how many the
    /// server closed (read returned the end) before `limit` seconds: a Python client, independent
    /// of the server's stack.
    static func heldConnections(port: Int, count: Int, request: String, limit: Int = 60) throws -> Child {
        let script = """
            import socket, sys, time
            port, count, limit = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
            request = sys.argv[4].encode()
            sockets = []
            for _ in range(count):
                s = socket.create_connection(("127.0.0.1", port))
                s.sendall(request)
                sockets.append(s)
            print("open", len(sockets), flush=True)
            closed = 0
            deadline = time.monotonic() + limit
            for s in sockets:
                s.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    while True:
                        data = s.recv(65536)
                        if not data:
                            closed += 1
                            break
                except socket.timeout:
                    pass
                except ConnectionResetError:
                    closed += 1
            print("closed", closed, flush=True)
            """
        return try Child(["python3", "-c", script, String(port), String(count), String(limit), request])
    }

    @Test("200 half-open requests (a head without its end) are all closed by the request-head timeout")
    func halfOpenRequestsAreClosed() async throws {
        var configuration = SSEServer.Configuration(port: 0)
        configuration.requestHeadTimeout = .milliseconds(500)
        var router = SSERouter()
        router.get("/") { _ in .html(Fixture.page) }
        let server = try await TestServer.start(configuration, router: router)
        let client = try Self.heldConnections(port: server.port, count: 200, request: "GET / HTTP/1.1\r\nHost: x\r\n")
        var output = ""
        // The script prints "closed N" and exits: reading stops at the full line or at its end.
        #expect(try await client.receive("closed 200\n", into: &output, timeout: 90))
        #expect(output.contains("open 200\n"))
        #expect(output.contains("closed 200\n"))
        #expect(await eventually { server.server.connectionCount == 0 })
        await server.stop()
    }

    @Test("A kept-alive connection with no next request is closed by the keep-alive timeout; a stream is not")
    func keepAliveTimeout() async throws {
        var configuration = SSEServer.Configuration(port: 0)
        configuration.keepAliveTimeout = .milliseconds(500)
        configuration.requestHeadTimeout = .milliseconds(500)
        let fixture = Fixture()
        var router = SSERouter()
        router.get("/") { _ in .html(Fixture.page) }
        router.get("/events") { request in
            .stream(fixture.broadcaster.subscribe(to: ["news"], lastEventID: request.lastEventID))
        }
        let server = try await TestServer.start(configuration, router: router)
        let idle = try Self.heldConnections(
            port: server.port,
            count: 20,
            request: "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        var output = ""
        #expect(try await idle.receive("closed 20\n", into: &output, timeout: 90))
        // A stream after a plain request on the same kept-alive connection outlives both
        // timeouts: an event published after them still arrives.
        let stream = try RawConnection(port: server.port)
        stream.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await blocking { stream.read(until: "</title>") }.hasPrefix("HTTP/1.1 200 OK"))
        stream.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await blocking { stream.read(until: "\r\n\r\n") }.hasPrefix("HTTP/1.1 200 OK"))
        #expect(await eventually { fixture.broadcaster.subscriberCount == 1 })
        try await Task.sleep(for: .seconds(2))
        try fixture.broadcaster.publish(ServerSentEvent(data: "still here"), to: "news")
        #expect(try await blocking { stream.read(until: "still here") }.contains("data: still here"))
        stream.close()
        await server.stop()
    }

    /// curl posting `size` bytes of `x` to `/echo`, chunked or with a Content-Length; the status
    /// line and body it got.
    static func post(port: Int, size: Int, chunked: Bool) async throws -> (status: Int, body: String) {
        var arguments = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--data-binary", "@-"]
        if chunked {
            arguments += ["-H", "Transfer-Encoding: chunked"]
        }
        arguments.append("http://127.0.0.1:\(port)/echo")
        let payload = String(repeating: "x", count: size)
        let output = try await blocking { [arguments] in
            let process = TestProcess()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Written from its own thread: curl may stop reading once it has the 413.
            Thread {
                try? input.fileHandleForWriting.write(contentsOf: Data(payload.utf8))
                try? input.fileHandleForWriting.close()
            }.start()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test("Request bodies up to maximumBodySize reach the route, chunked or not; one byte over is a 413")
    func requestBodies() async throws {
        var configuration = SSEServer.Configuration(port: 0)
        configuration.maximumBodySize = 1000
        var router = SSERouter()
        router.post("/echo") { request in
            .complete(
                contentType: "text/plain",
                body: Array("\(request.body.count) \(request.bodyText.prefix(3))".utf8)
            )
        }
        router.get("/") { _ in .html(Fixture.page) }
        let server = try await TestServer.start(configuration, router: router)
        for chunked in [false, true] {
            #expect(try await Self.post(port: server.port, size: 5, chunked: chunked) == (200, "5 xxx"))
            #expect(try await Self.post(port: server.port, size: 1000, chunked: chunked) == (200, "1000 xxx"))
            let over = try await Self.post(port: server.port, size: 1001, chunked: chunked)
            #expect(over.status == 413)
            #expect(over.body.contains("over 1000 bytes"))
            let far = try await Self.post(port: server.port, size: 5_000_000, chunked: chunked)
            #expect(far.status == 413)
        }
        // The server goes on serving other requests.
        let raw = try RawConnection(port: server.port)
        raw.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await blocking { raw.read(until: "</title>") }.hasPrefix("HTTP/1.1 200 OK"))
        raw.close()
        #expect(await eventually { server.server.connectionCount == 0 })
        await server.stop()
    }

    @Test("A second run() while one runs fails with alreadyRunning; once it has returned, run() serves again")
    func runTwice() async throws {
        var router = SSERouter()
        router.get("/") { _ in .html(Fixture.page) }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = SSEServer(
            configuration: .init(host: "127.0.0.1", port: 0),
            router: router,
            onServerRunning: { continuation.yield($0) }
        )
        var announced = ports.makeAsyncIterator()
        let running = Task { try await server.run() }
        let firstPort = try #require(await announced.next())
        await #expect(throws: SSEServerError.alreadyRunning) {
            try await server.run()
        }
        // The first run was not disturbed by the refused second one.
        let first = try RawConnection(port: firstPort)
        first.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await blocking { first.read(until: "</title>") }.hasPrefix("HTTP/1.1 200 OK"))
        first.close()
        running.cancel()
        try await running.value

        // The same server value, run again: it announces its port once more, serves, and stops again.
        let again = Task { try await server.run() }
        let port = try #require(await announced.next())
        let second = try RawConnection(port: port)
        second.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await blocking { second.read(until: "</title>") }.hasPrefix("HTTP/1.1 200 OK"))
        second.close()
        again.cancel()
        try await again.value
        #expect(server.connectionCount == 0)
    }

    @Test("A subscription that outruns a slow reader is written as the socket takes it: all of it, in order")
    func subscriptionToSlowReader() async throws {
        var configuration = SSEBroadcaster.Configuration()
        configuration.idPrefix = ""
        configuration.heartbeat = nil
        configuration.maximumQueuedEvents = 10_000
        configuration.maximumQueuedBytes = 64 << 20
        let broadcaster = SSEBroadcaster(configuration: configuration)
        var router = SSERouter()
        router.get("/events") { _ in .stream(broadcaster.subscribe(to: ["t"])) }
        let server = try await TestServer.start(router: router)
        let connection = try RawConnection(port: server.port)
        connection.send("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        _ = try await blocking { connection.read(until: "\r\n\r\n") }
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        // 4,000 events of 1 KiB: megabytes more than the socket buffers hold, so the connection
        // waits for the socket again and again.
        let data = String(repeating: "x", count: 1_024)
        for _ in 0..<4_000 {
            try broadcaster.publish(ServerSentEvent(data: data), to: "t")
        }
        var received = try await blocking { connection.readSlowly(untilSuffix: "id: 4000\n\n\r\n") }
        var ids: [String] = []
        var decoder = SSEDecoder()
        try decoder.decode(received) { output in
            if case .event(let event) = output, event.data == data {
                ids.append(event.id ?? "")
            }
        }
        #expect(ids == (1...4_000).map(String.init))
        // Stopping the server ends the response properly.
        await server.stop()
        received = Array(try await blocking { connection.read(until: "0\r\n\r\n") }.utf8)
        #expect(received.suffix(5).elementsEqual("0\r\n\r\n".utf8))
        #expect(broadcaster.subscriberCount == 0)
        connection.close()
    }

    @Test(
        "With a minimum write interval, events published one by one arrive over a real socket, all of them, in order, in whole chunks"
    )
    func minimumWriteIntervalOverASocket() async throws {
        var configuration = SSEBroadcaster.Configuration()
        configuration.idPrefix = ""
        configuration.heartbeat = nil
        let broadcaster = SSEBroadcaster(configuration: configuration)
        var router = SSERouter()
        router.get("/events") { _ in .stream(broadcaster.subscribe(to: ["t"])) }
        var serverConfiguration = SSEServer.Configuration(port: 0)
        serverConfiguration.minimumWriteInterval = .milliseconds(50)
        let server = try await TestServer.start(serverConfiguration, router: router)
        let connection = try RawConnection(port: server.port)
        connection.send("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        var received = try await blocking { connection.read(until: "\r\n\r\n") }
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        // Published one at a time, the test reading what came every 20 events: the timers of the
        // interval run on the real event loop, and nothing is lost, doubled or reordered.
        for number in 1...200 {
            try broadcaster.publish(ServerSentEvent(data: "event \(number)"), to: "t")
            if number.isMultiple(of: 20) {
                received += try await blocking { connection.read(until: "id: \(number)\n\n\r\n") }
            }
        }
        let body = String(received[received.range(of: "\r\n\r\n")!.upperBound...])
        // De-chunk strictly: every write is whole chunks; count them.
        var chunks = 0
        var events = ""
        var rest = Substring(body)
        while let line = rest.range(of: "\r\n") {
            let size = try #require(Int(rest[..<line.lowerBound], radix: 16))
            let bytes = rest.utf8[line.upperBound...].prefix(size)
            events += String(decoding: bytes, as: UTF8.self)
            rest = Substring(String(decoding: rest.utf8[line.upperBound...].dropFirst(size + 2), as: UTF8.self))
            chunks += 1
        }
        var data: [String] = []
        var decoder = SSEDecoder()
        try decoder.decode(Array(events.utf8)) { output in
            if case .event(let event) = output {
                data.append(event.data)
            }
        }
        #expect(data == (1...200).map { "event \($0)" })
        #expect(chunks < 200)
        await server.stop()
        connection.close()
    }

    @Test("Stopping the server ends open streams and returns")
    func stopEndsStreams() async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await TestServer.start(fixture, corsOrigin: nil)
        let curl = try Child(["curl", "-sN", server.url("/events")])
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        await server.stop()
        _ = try await blocking { curl.readToEnd() }
        #expect(broadcaster.subscriberCount == 0)
    }

    @Test("A source whose iterator has only next() is pulled on the connection's event loop, all of it, in order")
    func plainIteratorRunsOnTheEventLoop() async throws {
        let offLoop = OffLoopCount()
        var router = SSERouter()
        router.get("/plain") { _ in .events(PlainCount(limit: 2_000, offLoop: offLoop)) }
        let server = try await TestServer.start(router: router)
        let raw = try RawConnection(port: server.port)
        raw.send("GET /plain HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let received = try await blocking { raw.read(until: "data: 2000\n\n") }
        raw.close()
        // Bytes, not Characters: the chunk framing's CR LF is one Character in Swift.
        let lines = received.utf8.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        let numbers = lines.filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
        #expect(numbers == (1...2_000).map { String($0) })
        // Without the loop as the pull's task executor, every next() ran on the global executor.
        #expect(offLoop.calls.load(ordering: .relaxed) == 0)
        await server.stop()
    }
}

/// How many calls of `next()` did not run on an event loop's thread.
private final class OffLoopCount: Sendable {
    let calls = Atomic<Int>(0)
}

/// Counts from 1 to `limit` with only `next()`, as most hand-written iterators do.
private struct PlainCount: AsyncSequence, Sendable {
    let limit: Int
    let offLoop: OffLoopCount

    struct AsyncIterator: AsyncIteratorProtocol {
        let limit: Int
        let offLoop: OffLoopCount
        var number = 0

        mutating func next() async -> ServerSentEvent? {
            if MultiThreadedEventLoopGroup.currentEventLoop == nil {
                offLoop.calls.add(1, ordering: .relaxed)
            }
            guard number < limit else {
                return nil
            }
            number += 1
            return ServerSentEvent(data: String(number))
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(limit: limit, offLoop: offLoop)
    }
}
#endif
