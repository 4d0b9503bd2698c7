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
import SSECompression
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
                    // In front of the channel, where a stream's batches go (below NIO's encoder).
                    try pipeline.addHandler(BodyWriteCounter(writes: writes), position: .first)
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

    /// Counts the writes of a stream's body that reach the channel (all but the head's). On the
    /// first, it queues a task on the event loop, as another connection's work would be: the task
    /// runs once the connection gives the loop back.
    final class BodyWriteCounter: ChannelOutboundHandler {
        typealias OutboundIn = IOData
        typealias OutboundOut = IOData

        let writes: BodyWrites

        init(writes: BodyWrites) {
            self.writes = writes
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if case .byteBuffer(let buffer) = unwrapOutboundIn(data),
                !buffer.readableBytesView.starts(with: "HTTP/".utf8)
            {
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

    @Test("A stream a route returns after its client went is ended: its subscription does not stay")
    func streamAfterClientWent() async throws {
        let broadcaster = SSEBroadcaster()
        let (gate, _) = AsyncStream<Void>.makeStream()
        let returned = Counter()
        var router = SSERouter()
        router.get("/events") { _ in
            // Returns once the route's task is cancelled: the client went.
            for await _ in gate {}
            let subscription = broadcaster.subscribe(to: ["t"])
            returned.pulled.store(1, ordering: .relaxed)
            return .stream(subscription)
        }
        let connection = try await Connection(router: router)
        try await connection.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        try await connection.channel.close()
        var ended = false
        for _ in 0..<2_000 where !ended {
            await connection.loop.run()
            ended = returned.pulled.load(ordering: .relaxed) == 1 && broadcaster.subscriberCount == 0
            if !ended {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        #expect(returned.pulled.load(ordering: .relaxed) == 1)
        #expect(broadcaster.subscriberCount == 0)
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

    /// Every write that reaches the channel, one string each, until one ends with `suffix`.
    static func writes(of connection: Connection, until suffix: String) async throws -> [String] {
        var writes: [String] = []
        while !(writes.last ?? "").hasSuffix(suffix) {
            let data = try await connection.channel.waitForOutboundWrite(as: IOData.self)
            if case .byteBuffer(let buffer) = data {
                writes.append(String(buffer: buffer))
            }
        }
        return writes
    }

    /// A stream of events of growing sizes (across the 1-, 2-, 3- and 4-digit chunk sizes), then
    /// its end.
    static func growingStream(_ request: String, until suffix: String) async throws -> [String] {
        let broadcaster = SSEBroadcaster()
        var router = SSERouter()
        router.get("/events") { _ in .stream(broadcaster.subscribe(to: ["t"])) }
        let connection = try await Connection(router: router)
        try await connection.send(request)
        _ = try await Self.writes(of: connection, until: "\r\n\r\n")
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        for size in [1, 14, 200, 3_000] {
            try broadcaster.publish(ServerSentEvent(data: String(repeating: "d", count: size)), to: "t")
        }
        try broadcaster.shutDown(finalEvent: ServerSentEvent(type: "bye", data: "end"))
        return try await Self.writes(of: connection, until: suffix)
    }

    @Test(
        "An HTTP/1.1 stream's batches reach the socket as one write each, each a whole chunk; the body ends with the last chunk"
    )
    func chunkedBatches() async throws {
        let writes = try await Self.growingStream("GET /events HTTP/1.1\r\nHost: x\r\n\r\n", until: "0\r\n\r\n")
        var events: [String] = []
        for write in writes.dropLast() + [writes.last!.replacingOccurrences(of: "0\r\n\r\n", with: "")]
        where !write.isEmpty {
            // SIZE CRLF bytes CRLF, with nothing before or after.
            let line = try #require(write.range(of: "\r\n"))
            let size = try #require(Int(write[..<line.lowerBound], radix: 16))
            let rest = write[line.upperBound...]
            #expect(rest.utf8.count == size + 2)
            #expect(rest.hasSuffix("\r\n"))
            // Bytes, not characters: "\n" then "\r\n" are two characters of three bytes.
            events.append(String(decoding: rest.utf8.dropLast(2), as: UTF8.self))
        }
        let body = events.joined()
        for size in [1, 14, 200, 3_000] {
            #expect(body.contains("data: \(String(repeating: "d", count: size))\n"))
        }
        #expect(body.hasSuffix("data: end\n\n"))
        #expect(writes.joined().hasSuffix("\r\n0\r\n\r\n"))
    }

    @Test(
        "With a minimum write interval, events that come sooner after a write go out together once it has passed; an event after a quiet spell and a backlog go at once"
    )
    func minimumWriteInterval() async throws {
        var broadcasterConfiguration = SSEBroadcaster.Configuration()
        broadcasterConfiguration.idPrefix = ""
        let broadcaster = SSEBroadcaster(configuration: broadcasterConfiguration)
        var router = SSERouter()
        router.get("/events") { request in
            .stream(broadcaster.subscribe(to: ["t"], lastEventID: request.lastEventID))
        }
        var configuration = SSEServer.Configuration(port: 0)
        configuration.minimumWriteInterval = .seconds(1)
        let connection = try await Connection(configuration, router: router)
        try await connection.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try await Self.writes(of: connection, until: "\r\n\r\n")
        #expect(await eventually { broadcaster.subscriberCount == 1 })

        // The stream's start was a write; after the interval (virtual time moves only when this
        // test says so), the first event goes at once.
        await connection.loop.advanceTime(by: .seconds(1))
        let a = try broadcaster.publish(ServerSentEvent(data: "a"), to: "t")
        let first = try await Self.writes(of: connection, until: "id: \(a)\n\n\r\n")
        #expect(first.count == 1)

        // Three more within the interval wait for it, and then go as one write.
        var d = ""
        for data in ["b", "c", "d"] {
            d = try broadcaster.publish(ServerSentEvent(data: data), to: "t")
        }
        try await connection.loop.submit {}.get()
        #expect(try await connection.channel.readOutbound(as: IOData.self) == nil)
        await connection.loop.advanceTime(by: .milliseconds(999))
        #expect(try await connection.channel.readOutbound(as: IOData.self) == nil)
        await connection.loop.advanceTime(by: .milliseconds(1))
        let together = try await Self.writes(of: connection, until: "id: \(d)\n\n\r\n")
        #expect(together.count == 1)
        #expect(together[0].contains("data: b\n") && together[0].contains("data: c\n"))

        // After a quiet spell longer than the interval, the next event goes at once.
        await connection.loop.advanceTime(by: .seconds(2))
        let e = try broadcaster.publish(ServerSentEvent(data: "e"), to: "t")
        #expect(try await Self.writes(of: connection, until: "id: \(e)\n\n\r\n").count == 1)

        // A backlog (a resume 300 events back, about 40 batches) is written without waiting.
        let resumeFrom = try broadcaster.publish(ServerSentEvent(data: "f"), to: "t")
        for _ in 0..<300 {
            try broadcaster.publish(ServerSentEvent(data: String(repeating: "x", count: 1_000)), to: "t")
        }
        let last = try broadcaster.publish(ServerSentEvent(data: "last"), to: "t")
        let resumed = try await Connection(configuration, router: router)
        try await resumed.send("GET /events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: \(resumeFrom)\r\n\r\n")
        let backlog = try await Self.writes(of: resumed, until: "id: \(last)\n\n\r\n")
        #expect(backlog.count > 2 * SSEServer.ConnectionHandler.maximumBatchesPerTurn)
        try await connection.channel.close()
        try await resumed.channel.close()
    }

    @Test("A gzip stream over HTTP/1.1 is chunked the same way, and decodes to every event")
    func chunkedGzipBatches() async throws {
        let broadcaster = SSEBroadcaster()
        var router = SSERouter()
        router.get("/events") { _ in .stream(broadcaster.subscribe(to: ["t"])) }
        let connection = try await Connection(router: router)
        try await connection.send("GET /events HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
        let head = try await Self.writes(of: connection, until: "\r\n\r\n")
        #expect(head.joined().lowercased().contains("content-encoding: gzip"))
        var bytes: [UInt8] = []
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        for size in [1, 14, 200, 3_000] {
            try broadcaster.publish(ServerSentEvent(data: String(repeating: "d", count: size)), to: "t")
        }
        try broadcaster.shutDown(finalEvent: ServerSentEvent(type: "bye", data: "end"))
        while !bytes.suffix(5).elementsEqual("0\r\n\r\n".utf8) {
            let data = try await connection.channel.waitForOutboundWrite(as: IOData.self)
            guard case .byteBuffer(let buffer) = data else {
                continue
            }
            bytes += buffer.readableBytesView
        }
        // De-chunk strictly, then gunzip.
        var compressed: [UInt8] = []
        var rest = bytes[...]
        while true {
            let crlf = try #require(rest.firstRange(of: [0x0D, 0x0A]))
            let size = try #require(Int(String(decoding: rest[..<crlf.lowerBound], as: UTF8.self), radix: 16))
            rest = rest[crlf.upperBound...]
            if size == 0 {
                #expect(Array(rest) == [0x0D, 0x0A])
                break
            }
            compressed += rest.prefix(size)
            rest = rest.dropFirst(size)
            #expect(Array(rest.prefix(2)) == [0x0D, 0x0A])
            rest = rest.dropFirst(2)
        }
        var gunzip = try SSEGzipDecoder()
        var text = ""
        try gunzip.decompress(compressed) { text += String(decoding: $0, as: UTF8.self) }
        #expect(text.contains("data: \(String(repeating: "d", count: 3_000))\n"))
        #expect(text.hasSuffix("event: bye\ndata: end\n\n"))
    }

    @Test("An HTTP/1.0 stream's body is not chunked: its bytes as they are, ended by the close")
    func http10Stream() async throws {
        let writes = try await Self.growingStream("GET /events HTTP/1.0\r\n\r\n", until: "data: end\n\n")
        let body = writes.joined()
        #expect(!body.contains("\r\n"))
        #expect(body.hasSuffix("event: bye\ndata: end\n\n"))
    }

    @Test(
        "A batch is framed in place when it has room before it, in a buffer of its own when not",
        arguments: [1, 15, 16, 255, 4_096, 70_000]
    )
    func framing(size: Int) {
        let bytes = [UInt8](repeating: 0x61, count: size)
        var roomy = ByteBufferAllocator().buffer(capacity: size + 12)
        roomy.moveWriterIndex(forwardBy: 10)
        roomy.moveReaderIndex(forwardBy: 10)
        roomy.writeBytes(bytes)
        let tight = ByteBuffer(bytes: bytes)
        let expected = String(size, radix: 16) + "\r\n" + String(repeating: "a", count: size) + "\r\n"
        #expect(String(buffer: SSEServer.DirectBody.framed(roomy)) == expected)
        #expect(String(buffer: SSEServer.DirectBody.framed(tight)) == expected)
        // A buffer shared with another is copied, not changed under it.
        let shared = roomy
        _ = SSEServer.DirectBody.framed(roomy)
        #expect(String(buffer: shared) == String(repeating: "a", count: size))
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
