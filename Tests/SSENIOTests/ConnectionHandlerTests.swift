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

        init(_ configuration: SSEServer.Configuration = .init(port: 0), router: SSERouter) async throws {
            loop = NIOAsyncTestingEventLoop()
            channel = NIOAsyncTestingChannel(loop: loop)
            let server = SSEServer(configuration: configuration, router: router)
            let channel = self.channel
            let loop = self.loop
            try await loop.submit {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                    withPipeliningAssistance: false,
                    withErrorHandling: true
                )
                try channel.pipeline.syncOperations.addHandler(
                    SSEServer.ConnectionHandler(server: server, eventLoop: loop)
                )
            }.get()
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        }

        func send(_ text: String) async throws {
            try await channel.writeInbound(ByteBuffer(string: text))
        }

        /// Collects what the server writes until `text` has appeared in all written so far.
        mutating func receive(until text: String) async throws -> String {
            while !received.contains(text) {
                let data = try await channel.waitForOutboundWrite(as: IOData.self)
                if case .byteBuffer(let buffer) = data {
                    received += String(buffer: buffer)
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
        let waiting = SSEServer.ConnectionHandler.maximumWaitingRequests
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

    /// Endless events of 1 KiB, counting how many were pulled.
    struct CountedEvents: AsyncSequence, Sendable {
        let counter: Counter

        struct AsyncIterator: AsyncIteratorProtocol {
            let counter: Counter
            let data = String(repeating: "x", count: 1_024)

            mutating func next() async -> ServerSentEvent? {
                let count = counter.pulled.add(1, ordering: .relaxed).newValue
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
