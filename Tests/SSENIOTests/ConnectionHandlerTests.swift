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
import NIOCore
import NIOEmbedded
import NIOHTTP1
import SSECodec
@testable import SSENIO
import SSEStreaming
import SSETestSupport
import Synchronization
import Testing

/// The connection handler's state machine, driven without sockets (as swift-nio tests handlers):
/// bytes in, bytes out, and virtual time for the timeouts.
@Suite("Embedded server: one connection, without sockets", .timeLimit(.minutes(1)))
struct ConnectionHandlerTests {
    /// A connection to a server with these routes, on a testing channel with the server's HTTP
    /// pipeline.
    struct Connection {
        let channel: NIOAsyncTestingChannel
        let loop: NIOAsyncTestingEventLoop
        var received = ""

        init(
            _ configuration: SSEServer.Configuration = .init(port: 0),
            router: SSERouter,
            countingWritesInto writes: BodyWrites? = nil
        ) async throws {
            loop = NIOAsyncTestingEventLoop()
            channel = NIOAsyncTestingChannel(loop: loop)
            let server = SSEServer(configuration: configuration, router: router)
            let channel = self.channel
            let loop = self.loop
            try await loop.submit {
                let pipeline = channel.pipeline.syncOperations
                try server.addHTTPHandlers(to: pipeline, eventLoop: loop, secure: false)
                if let writes {
                    // Below the conversion to swift-http-types, where NIO's HTTP/1 parts pass.
                    let versions = try pipeline.handler(type: HTTP1VersionHandler.self)
                    try pipeline.addHandler(BodyWriteCounter(writes: writes), position: .before(versions))
                }
            }.get()
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        }

        func send(_ text: String) async throws {
            try await channel.writeInbound(ByteBuffer(string: text))
        }

        /// Collects what the server writes until `text` has appeared in all written so far.
        mutating func receive(until text: String) async throws -> String {
            var found = received.contains(text)
            while !found {
                let data = try await channel.waitForOutboundWrite(as: IOData.self)
                if case .byteBuffer(let buffer) = data {
                    let added = String(buffer: buffer)
                    received += added
                    // Only the end can hold a new match: what was added, and the text's length before it.
                    let end = received.utf8.suffix(added.utf8.count + text.utf8.count)
                    found = String(decoding: end, as: UTF8.self).contains(text)
                }
            }
            return received
        }

        var isOpen: Bool {
            get async throws { try await loop.submit { channel.isActive }.get() }
        }
    }

    static func router() -> SSERouter {
        var router = SSERouter()
        router.get("/") { _ in .text("home") }
        router.get("/second") { _ in .text("second") }
        router.post("/upload") { request in .text("got \(request.body.count)") }
        router.get("/slow") { _ in
            try await Task.sleep(for: .seconds(600))
            return .text("late")
        }
        return router
    }

    @Test("Keep-alive: requests on one connection are answered in order, and it stays open")
    func keepAlive() async throws {
        var connection = try await Connection(router: Self.router())
        try await connection.send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n")
        let output = try await connection.receive(until: "second")
        let first = try #require(output.range(of: "home"))
        let second = try #require(output.range(of: "second"))
        #expect(first.upperBound <= second.lowerBound)
        #expect(output.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
        #expect(!output.lowercased().contains("connection: close"))
        #expect(try await connection.isOpen)
    }

    @Test("HEAD gets the head with the Content-Length of the GET, and no body")
    func head() async throws {
        var connection = try await Connection(router: Self.router())
        try await connection.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n")
        let output = try await connection.receive(until: "second")
        #expect(output.hasPrefix("HTTP/1.1 200 OK"))
        #expect(output.lowercased().contains("content-length: 4\r\n"))
        #expect(!output.contains("home"))
    }

    @Test("An unknown path is a 404; a known path with another method a 405 with Allow")
    func notFoundAndNotAllowed() async throws {
        var connection = try await Connection(router: Self.router())
        try await connection.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await connection.receive(until: "Not found\n").hasPrefix("HTTP/1.1 404 Not Found"))
        try await connection.send("DELETE /upload HTTP/1.1\r\nHost: x\r\n\r\n")
        let output = try await connection.receive(until: "not allowed\n")
        #expect(output.contains("HTTP/1.1 405 Method Not Allowed"))
        #expect(output.lowercased().contains("allow: post\r\n"))
        #expect(try await connection.isOpen)
    }

    @Test("A declared body over the limit is a 413 at once; the connection closes after the body ends")
    func bodyTooLarge() async throws {
        var configuration = SSEServer.Configuration(port: 0)
        configuration.maximumBodySize = 10
        var connection = try await Connection(configuration, router: Self.router())
        try await connection.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n")
        let output = try await connection.receive(until: "bytes\n")
        #expect(output.hasPrefix("HTTP/1.1 413 Payload Too Large"))
        #expect(output.lowercased().contains("connection: close"))
        #expect(try await connection.isOpen)
        try await connection.send("hello world")
        #expect(try await !connection.isOpen)
    }

    @Test("A body within the limit reaches the route")
    func bodyWithinLimit() async throws {
        var configuration = SSEServer.Configuration(port: 0)
        configuration.maximumBodySize = 10
        var connection = try await Connection(configuration, router: Self.router())
        try await connection.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
        #expect(try await connection.receive(until: "got 10").hasPrefix("HTTP/1.1 200 OK"))
    }

    @Test("More pipelined requests than allowed, behind a slow one, close the connection")
    func pipeliningCap() async throws {
        let connection = try await Connection(router: Self.router())
        try await connection.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        let waiting = ConnectionStateMachine.Configuration.defaultMaximumWaitingRequests
        try await connection.send(String(repeating: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", count: waiting))
        #expect(try await connection.isOpen)
        try await connection.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await !connection.isOpen)
    }

    @Test("Half a request head is closed by the request-head timeout, not before")
    func requestHeadTimeout() async throws {
        var configuration = SSEServer.Configuration(port: 0)
        configuration.requestHeadTimeout = .seconds(10)
        let connection = try await Connection(configuration, router: Self.router())
        try await connection.send("GET / HTTP/1.1\r\nHost: x\r\n")
        await connection.loop.advanceTime(by: .seconds(9))
        #expect(try await connection.isOpen)
        await connection.loop.advanceTime(by: .seconds(1))
        #expect(try await !connection.isOpen)
    }

    @Test("A kept-alive connection is closed by the keep-alive timeout once its response is written")
    func keepAliveTimeout() async throws {
        var configuration = SSEServer.Configuration(port: 0)
        configuration.keepAliveTimeout = .seconds(15)
        configuration.requestHeadTimeout = .seconds(5)
        var connection = try await Connection(configuration, router: Self.router())
        try await connection.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try await connection.receive(until: "home")
        await connection.loop.advanceTime(by: .seconds(14))
        #expect(try await connection.isOpen)
        await connection.loop.advanceTime(by: .seconds(1))
        #expect(try await !connection.isOpen)
    }

    @Test("A stream that writes nothing for the write timeout (no heartbeats, nothing published) is closed")
    func writeTimeout() async throws {
        var configuration = SSEServer.Configuration(port: 0)
        configuration.writeTimeout = .seconds(60)
        let broadcaster = SSEBroadcaster()
        var router = SSERouter()
        router.get("/events") { _ in .stream(broadcaster.subscribe(to: ["quiet"])) }
        var connection = try await Connection(configuration, router: router)
        try await connection.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try await connection.receive(until: "text/event-stream")
        await connection.loop.advanceTime(by: .seconds(40))
        try broadcaster.publish(ServerSentEvent(data: "one"), to: "quiet")
        _ = try await connection.receive(until: "data: one")
        // 60 s after the stream began, but only 20 s after its last write: open.
        await connection.loop.advanceTime(by: .seconds(20))
        #expect(try await connection.isOpen)
        await connection.loop.advanceTime(by: .seconds(40))
        #expect(try await !connection.isOpen)
    }

    /// Endless events of 1 KiB, counting how many were pulled. Every 64th waits a millisecond, as a
    /// real source waits now and then: `NIOAsyncTestingEventLoop` runs the tasks queued from its
    /// own thread until none is left, so a source that never waits, pulled on the loop (the pull's
    /// task executor), would keep it from everything queued from outside, the test's close included.
    struct CountedEvents: AsyncSequence, Sendable {
        let counter: Counter

        struct AsyncIterator: AsyncIteratorProtocol {
            let counter: Counter
            let data = String(repeating: "x", count: 1_024)

            mutating func next() async -> ServerSentEvent? {
                let count = counter.pulled.add(1, ordering: .relaxed).newValue
                if count.isMultiple(of: 64) {
                    try? await Task.sleep(for: .milliseconds(1))
                }
                return ServerSentEvent(data: data, id: String(count))
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(counter: counter) }
    }

    final class Counter: Sendable {
        let pulled = Atomic(0)
    }

    @Test("A connection's own stream stops being pulled while the channel is not writable, and goes on when it is")
    func pullFollowsWritability() async throws {
        let counter = Counter()
        var router = SSERouter()
        router.get("/own") { _ in .events(CountedEvents(counter: counter)) }
        var connection = try await Connection(router: router)
        connection.channel.isWritable = false
        try await connection.send("GET /own HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try await connection.receive(until: "data: ")
        // At most one batch (three quarters of the 8 KiB write buffer, the event that crosses it
        // included) is pulled before the pull waits for writability.
        let stopped = counter.pulled.load(ordering: .relaxed)
        #expect(stopped > 0)
        #expect(stopped <= 8)
        connection.channel.isWritable = true
        let channel = connection.channel
        try await connection.loop.submit { channel.pipeline.fireChannelWritabilityChanged() }.get()
        #expect(await eventually { counter.pulled.load(ordering: .relaxed) > stopped + 100 })
        // Closing the connection cancels the pull: the count stops.
        try await connection.channel.close()
        #expect(await eventually { !connection.channel.isActive })
    }

    /// How many body parts the connection has written, and how many it had written when a task
    /// queued on its event loop during the first one ran.
    final class BodyWrites: Sendable {
        let written = Atomic(0)
        let whenQueuedTaskRan = Atomic(-1)
    }

    /// Counts the body parts the connection handler writes. On the first, it queues a task on the
    /// event loop, as another connection's work would be: the task runs once the connection gives
    /// the loop back.
    final class BodyWriteCounter: ChannelOutboundHandler {
        typealias OutboundIn = HTTPServerResponsePart
        typealias OutboundOut = HTTPServerResponsePart

        let writes: BodyWrites

        init(writes: BodyWrites) {
            self.writes = writes
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if case .body = unwrapOutboundIn(data) {
                let count = writes.written.add(1, ordering: .relaxed).newValue
                if count == 1 {
                    let writes = self.writes
                    context.eventLoop.execute {
                        writes.whenQueuedTaskRan.store(writes.written.load(ordering: .relaxed), ordering: .relaxed)
                    }
                }
            }
            context.write(data, promise: promise)
        }
    }

    @Test("One connection with a long backlog gives its event loop back after a few batches")
    func fairnessCap() async throws {
        var configuration = SSEBroadcaster.Configuration()
        configuration.idPrefix = ""
        let broadcaster = SSEBroadcaster(configuration: configuration)
        let data = String(repeating: "x", count: 1_000)
        let first = try broadcaster.publish(ServerSentEvent(data: "first"), to: "t")
        var last = first
        for _ in 0..<900 {
            last = try broadcaster.publish(ServerSentEvent(data: data), to: "t")
        }
        var router = SSERouter()
        router.get("/events") { request in
            .stream(broadcaster.subscribe(to: ["t"], lastEventID: request.lastEventID))
        }
        let writes = BodyWrites()
        var connection = try await Connection(router: router, countingWritesInto: writes)
        // The replay of 900 events of 1 KB is about 130 batches of three quarters of 8 KiB, all
        // ready at once, and the testing channel is always writable.
        try await connection.send("GET /events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: \(first)\r\n\r\n")
        _ = try await connection.receive(until: "id: \(last)\n")
        let total = writes.written.load(ordering: .relaxed)
        let atQueuedTask = writes.whenQueuedTaskRan.load(ordering: .relaxed)
        #expect(total > 10 * SSEServer.ConnectionHandler.maximumBatchesPerTurn)
        // Without the cap, the task would run only after the whole backlog had been written.
        #expect(atQueuedTask > 0)
        #expect(atQueuedTask <= SSEServer.ConnectionHandler.maximumBatchesPerTurn + 1)
        try await connection.channel.close()
    }

    @Test("Shutdown does not wait for a connection that closed before it became active")
    func shutdownWithConnectionNeverActive() async throws {
        let server = SSEServer(configuration: .init(port: 0), router: Self.router())
        let loop = NIOAsyncTestingEventLoop()
        let channel = NIOAsyncTestingChannel(loop: loop)
        try await loop.submit {
            try channel.pipeline.syncOperations.addHandler(
                SSEServer.ConnectionHandler(server: server, eventLoop: loop),
                name: "connection"
            )
        }.get()
        #expect(server.connectionCount == 1)
        // A socket channel closed before it became active fires no `channelInactive` (NIOPosix:
        // `.preActivation` to `.closed`); its handlers are removed. The testing channel always
        // fires it on close, so the handler is removed as such a close removes it.
        try await loop.submit {
            channel.pipeline.syncOperations.fireChannelUnregistered()
        }.get()
        try await channel.pipeline.removeHandler(name: "connection").get()
        #expect(server.connectionCount == 0)
        // Before the fix this waited for ever: the wait is in a task of its own, so that the test
        // fails instead.
        let stopped = Atomic(false)
        let connections = server.connections
        Task {
            await connections.shutDown(gracePeriod: nil)
            stopped.store(true, ordering: .relaxed)
        }
        #expect(await eventually { stopped.load(ordering: .relaxed) })
    }

    @Test("HTTP/1.0 without keep-alive gets Connection: close, and the connection closes")
    func http10() async throws {
        var connection = try await Connection(router: Self.router())
        try await connection.send("GET / HTTP/1.0\r\n\r\n")
        let output = try await connection.receive(until: "home")
        #expect(output.hasPrefix("HTTP/1.0 200 OK"))
        #expect(output.lowercased().contains("connection: close"))
        await connection.loop.run()
        #expect(try await !connection.isOpen)
    }
}
#endif
