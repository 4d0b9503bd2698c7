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
import HTTPTypes
import NIOCore
@testable import SSENIO
import Testing

/// The connection state machine alone: what the embedded server's connection does next, with no
/// channel, no event loop and no time.
@Suite("Embedded server: the connection state machine")
struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine

    static let configuration = Machine.Configuration(
        maximumBodySize: 10,
        maximumWaitingRequests: 2,
        requestHeadTimeout: .seconds(10),
        keepAliveTimeout: .seconds(15),
        writeTimeout: .seconds(60)
    )

    /// A moment, for the inputs that take one.
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    static func request(_ path: String, _ fields: HTTPFields = [:], method: HTTPRequest.Method = .get) -> HTTPRequest {
        HTTPRequest(method: method, scheme: "http", authority: "x", path: path, headerFields: fields)
    }

    /// A machine that has routed `path` and is answering it.
    static func answering(_ path: String = "/") -> (Machine, HTTPRequest) {
        var machine = Machine(configuration: configuration)
        #expect(machine.connected() == .armTimer(.seconds(10)))
        let request = request(path)
        #expect(machine.receivedHead(request) == .none)
        #expect(machine.receivedEnd() == .route(request, body: []))
        return (machine, request)
    }

    @Test("A new connection has the request-head timeout to send a request; then it is refused")
    func requestHeadTimeout() {
        var machine = Machine(configuration: Self.configuration)
        #expect(machine.connected() == .armTimer(.seconds(10)))
        #expect(machine.timerFired(at: Self.start) == .close(.init(reason: .requestTimeout)))
    }

    @Test("Half a request when the timer fires: refused, naming the request")
    func halfRequest() {
        var machine = Machine(configuration: Self.configuration)
        _ = machine.connected()
        let request = Self.request("/upload", [.contentLength: "5"], method: .post)
        #expect(machine.receivedHead(request) == .none)
        #expect(machine.receivedBody(ByteBuffer(string: "ab")) == .none)
        #expect(machine.timerFired(at: Self.start) == .close(.init(reason: .requestTimeout, request: request)))
    }

    @Test("A body reaches the route whole, in parts")
    func body() {
        var machine = Machine(configuration: Self.configuration)
        _ = machine.connected()
        let request = Self.request("/upload", method: .post)
        _ = machine.receivedHead(request)
        #expect(machine.receivedBody(ByteBuffer(string: "hello ")) == .none)
        #expect(machine.receivedBody(ByteBuffer(string: "you!")) == .none)
        #expect(machine.receivedEnd() == .route(request, body: Array("hello you!".utf8)))
    }

    @Test("Keep-alive: the keep-alive wait starts once the answer is written, and its end closes quietly")
    func keepAlive() {
        var (machine, request) = Self.answering()
        #expect(machine.answered(request) == .keepAlive(within: .seconds(60)))
        // Answering never times out; written, the keep-alive wait begins.
        #expect(machine.responseWritten() == .armTimer(.seconds(15)))
        #expect(machine.timerFired(at: Self.start) == .close(nil))
    }

    @Test("Connection: close, and a shutdown, end keep-alive")
    func connectionClose() {
        var machine = Machine(configuration: Self.configuration)
        _ = machine.connected()
        let request = Self.request("/", [.connection: "keep-alive, Close"])
        _ = machine.receivedHead(request)
        _ = machine.receivedEnd()
        #expect(machine.answered(request) == .close(within: .seconds(60)))

        var (other, second) = Self.answering()
        #expect(other.shutDown(drainingSubscriptions: false) == .cancelRoute)
        #expect(other.answered(second) == .close(within: .seconds(60)))
    }

    @Test("Pipelining: requests wait in order behind the one answered; one too many closes")
    func pipelining() {
        var (machine, first) = Self.answering()
        let second = Self.request("/second")
        let third = Self.request("/third")
        _ = machine.receivedHead(second)
        #expect(machine.receivedEnd() == .none)
        _ = machine.receivedHead(third)
        #expect(machine.receivedEnd() == .none)
        // Not while the answer is written: the timer is not armed while requests wait.
        #expect(machine.timerFired(at: Self.start) == .none)
        #expect(machine.answered(first) == .next(second, body: []))
        #expect(machine.answered(second) == .next(third, body: []))
        #expect(machine.answered(third) == .keepAlive(within: .seconds(60)))

        var (crowded, _) = Self.answering()
        for path in ["/a", "/b"] {
            _ = crowded.receivedHead(Self.request(path))
            #expect(crowded.receivedEnd() == .none)
        }
        let tooMany = Self.request("/c")
        _ = crowded.receivedHead(tooMany)
        #expect(crowded.receivedEnd() == .close(.init(reason: .tooManyPipelined, request: tooMany)))
    }

    @Test("A declared body over the limit: 413 at once, and the close waits for the answer and the body's end")
    func declaredBodyTooLarge() {
        var machine = Machine(configuration: Self.configuration)
        _ = machine.connected()
        let request = Self.request("/upload", [.contentLength: "11"], method: .post)
        #expect(machine.receivedHead(request) == .refuseBody(request, readingRestWithin: .seconds(10)))
        #expect(machine.receivedBody(ByteBuffer(string: "01234567890")) == .none)
        #expect(machine.refusalWritten() == .none)
        #expect(machine.receivedEnd() == .close(nil))

        // The other order: the body ends first.
        var other = Machine(configuration: Self.configuration)
        _ = other.connected()
        _ = other.receivedHead(request)
        #expect(other.receivedEnd() == .none)
        #expect(other.refusalWritten() == .close(nil))
    }

    @Test("A body that outgrows the limit while arriving: 413; behind another request: the connection closes")
    func bodyOutgrowsLimit() {
        var machine = Machine(configuration: Self.configuration)
        _ = machine.connected()
        let request = Self.request("/upload", method: .post)
        _ = machine.receivedHead(request)
        #expect(machine.receivedBody(ByteBuffer(string: "0123456")) == .none)
        #expect(
            machine.receivedBody(ByteBuffer(string: "7890")) == .refuseBody(request, readingRestWithin: .seconds(10))
        )
        // The rest of the body does not come: the timer closes the connection.
        #expect(machine.timerFired(at: Self.start) == .close(nil))

        var (busy, _) = Self.answering()
        _ = busy.receivedHead(request)
        #expect(
            busy.receivedBody(ByteBuffer(string: "01234567890"))
                == .close(.init(reason: .bodyTooLarge, request: request))
        )
    }

    @Test("A malformed head: 400 when idle; behind another request, the connection closes")
    func malformedHead() {
        var machine = Machine(configuration: Self.configuration)
        _ = machine.connected()
        #expect(
            machine.receivedMalformedRequest("The method is not a token")
                == .badRequest("The method is not a token", closingWithin: .seconds(60))
        )

        var (busy, _) = Self.answering()
        #expect(busy.receivedMalformedRequest("The method is not a token") == .close(.init(reason: .malformed)))
    }

    @Test("A stream holds the connection: later requests are not answered, writability resumes it")
    func stream() {
        var (machine, _) = Self.answering("/events")
        let started = machine.streamStarted(at: Self.start)
        #expect(started == .armTimer(.seconds(60)))
        _ = machine.receivedHead(Self.request("/"))
        #expect(machine.receivedEnd() == .none)
        // The write timeout goes on from the stream's start, whatever was received.
        #expect(machine.timerFired(at: Self.start + .seconds(10)) == .armTimer(.seconds(50)))
        #expect(machine.writabilityChanged(isWritable: false) == .none)
        #expect(machine.writabilityChanged(isWritable: true) == .resumeStream)
        machine.streamEnded()
        #expect(machine.writabilityChanged(isWritable: true) == .none)
    }

    @Test("A stream that goes without a write for the write timeout is closed; one that writes is not")
    func writeTimeout() {
        var (machine, _) = Self.answering("/events")
        let started = machine.streamStarted(at: Self.start)
        #expect(started == .armTimer(.seconds(60)))
        // It wrote 20 s in: the timer that fires at 60 s waits for the rest, 20 s more.
        machine.wrote(at: Self.start + .seconds(20))
        #expect(machine.timerFired(at: Self.start + .seconds(60)) == .armTimer(.seconds(20)))
        // Nothing since (its client stopped reading): closed.
        #expect(machine.timerFired(at: Self.start + .seconds(80)) == .close(nil))
    }

    @Test("An answer that does not reach the socket within the write timeout closes the connection")
    func unwrittenAnswer() {
        var (machine, request) = Self.answering()
        #expect(machine.answered(request) == .keepAlive(within: .seconds(60)))
        // Not written (responseWritten never came): the timer closes it.
        #expect(machine.timerFired(at: Self.start) == .close(nil))

        var closing = Machine(configuration: Self.configuration)
        _ = closing.connected()
        let last = Self.request("/", [.connection: "close"])
        _ = closing.receivedHead(last)
        _ = closing.receivedEnd()
        #expect(closing.answered(last) == .close(within: .seconds(60)))
        #expect(closing.timerFired(at: Self.start) == .close(nil))
    }

    @Test("Shutdown mid-stream ends the stream (draining first, when graceful); an idle connection closes")
    func shutdownMidStream() {
        var (machine, _) = Self.answering("/events")
        let started = machine.streamStarted(at: Self.start)
        #expect(started == .armTimer(.seconds(60)))
        #expect(machine.shutDown(drainingSubscriptions: true) == .endStream(draining: true))
        #expect(machine.shutDown(drainingSubscriptions: false) == .endStream(draining: false))
        machine.streamEnded()
        #expect(machine.shutDown(drainingSubscriptions: false) == .none)

        var idle = Machine(configuration: Self.configuration)
        _ = idle.connected()
        #expect(idle.shutDown(drainingSubscriptions: true) == .close(nil))
    }

    @Test("A stream answered during a shutdown does not start")
    func streamDuringShutdown() {
        var (machine, _) = Self.answering("/events")
        #expect(machine.shutDown(drainingSubscriptions: false) == .cancelRoute)
        let started = machine.streamStarted(at: Self.start)
        #expect(started == nil)
    }

    @Test("A connection closed before its answer: the answer is dropped, no stream starts, nothing more happens")
    func closedBeforeAnswer() {
        var (machine, request) = Self.answering()
        machine.closed()
        #expect(machine.answered(request) == .drop)
        let started = machine.streamStarted(at: Self.start)
        #expect(started == nil)
        #expect(machine.receivedHead(Self.request("/")) == .none)
        #expect(machine.timerFired(at: Self.start) == .none)
        #expect(machine.shutDown(drainingSubscriptions: false) == .none)

        // Closed before it was ever active: a shutdown has nothing to wait for.
        var never = Machine(configuration: Self.configuration)
        never.closed()
        #expect(never.shutDown(drainingSubscriptions: false) == .none)
    }
}
#endif
