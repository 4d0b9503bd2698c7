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
import SSENIOCore

/// What one connection of the embedded server does next, decided without a channel: requests
/// assembled and answered in turn (keep-alive, pipelining), body limits, the request-head and
/// keep-alive timeouts, one event stream, shutdown. The handler (`SSEServer.ConnectionHandler`)
/// feeds it what happens and carries out the actions it returns; the stream's bytes are the
/// stream writer's (`SSEStreamWriter`).
///
/// One timer at a time is armed, by ``Action/armTimer(_:)``; it bounds the wait for a request
/// (head and body), the keep-alive wait for the next one, the read of a refused body, and every
/// write: an answer that does not reach the socket, or a stream that writes nothing (its client
/// stopped reading, or it has no heartbeats), for the write timeout closes the connection.
struct ConnectionStateMachine {
    struct Configuration {
        /// The most bytes a request body may have.
        var maximumBodySize: Int
        /// Requests a client may send before the one being answered is done; more closes the
        /// connection.
        var maximumWaitingRequests = Self.defaultMaximumWaitingRequests
        /// The time for a complete request (head, and body if any) on a new connection.
        var requestHeadTimeout: Duration
        /// The time for the next request on a kept-alive connection.
        var keepAliveTimeout: Duration
        /// The longest an answer may take to reach the socket, and a stream may go without a
        /// write.
        var writeTimeout: Duration

        static let defaultMaximumWaitingRequests = 16
    }

    /// A request refused by a limit: counted, logged, and the connection closes.
    struct Refusal: Equatable {
        var reason: SSEMetrics.Refusal
        /// The request it concerns, when its head arrived.
        var request: HTTPRequest?
    }

    enum Action: Equatable {
        case none
        /// Cancels the armed timer, if any, and arms one for this long; when it fires, call
        /// ``timerFired(at:)``.
        case armTimer(Duration)
        /// Cancels the armed timer and answers this request: its route runs, and then
        /// ``answered(_:)`` or ``streamStarted(at:)`` is called.
        case route(HTTPRequest, body: [UInt8])
        /// Answers `413 Payload Too Large` with `Connection: close`, then arms a timer for this
        /// long; call ``refusalWritten()`` once the answer has reached the socket. The refusal is
        /// counted and logged.
        case refuseBody(HTTPRequest, readingRestWithin: Duration)
        /// Answers `400 Bad Request` with `Connection: close`, ends the response and closes once
        /// it has reached the socket, then arms a timer for this long. The refusal is counted and
        /// logged.
        case badRequest(String, closingWithin: Duration)
        /// Closes the connection (counting and logging the refusal, if any). What is being
        /// answered ends as at a client's disconnect.
        case close(Refusal?)
        /// Cancels the route handler's task: its answer is the connection's last.
        case cancelRoute
        /// Ends the stream: its end is written once what it has is; when the channel is not
        /// writable, the connection closes at once instead (a client that does not read is not
        /// waited for). `draining`: a broadcaster subscription is left to end on its own, after
        /// its broadcaster's final event.
        case endStream(draining: Bool)
        /// The channel can take writes again: the stream goes on.
        case resumeStream
    }

    /// After a complete (not streamed) answer.
    enum Completion: Equatable {
        /// Write the answer with `Connection: close`, end it, and close once it has reached the
        /// socket; arm a timer for this long.
        case close(within: Duration)
        /// Write the answer, and arm a timer for this long; call ``responseWritten()`` once it has
        /// reached the socket.
        case keepAlive(within: Duration)
        /// Write the answer, then route this request, which was waiting.
        case next(HTTPRequest, body: [UInt8])
        /// The connection is gone: the answer is dropped.
        case drop
    }

    private enum Inbound {
        /// Between requests.
        case awaitingHead
        /// A request whose head arrived and whose end has not, with its body so far. Boxed: an
        /// `HTTPRequest` is a few hundred bytes, which every idle connection would otherwise carry.
        indirect case receiving(HTTPRequest, body: [UInt8])
        /// A refused body is read and dropped until its end.
        case discarding
    }

    private enum Outbound {
        /// Nothing is being answered; `keptAlive` once a response was.
        case idle(keptAlive: Bool)
        /// A route handler is answering.
        case answering
        /// An event stream holds the connection until it ends.
        case streaming
        /// A refused body's 413 is being written and the rest of its body read; the connection
        /// closes once both are done (closing earlier would reset it before the client reads).
        case refusing(written: Bool, bodyEnded: Bool)
        /// The last response is written; the connection closes once it has reached the socket.
        case closing
        case closed
    }

    private let configuration: Configuration
    private var inbound = Inbound.awaitingHead
    private var outbound = Outbound.idle(keptAlive: false)
    /// Complete requests received while another is answered (pipelining), in order.
    private var waiting: [(request: HTTPRequest, body: [UInt8])] = []
    /// The server is stopping: streams end, keep-alive ends.
    private(set) var isShuttingDown = false
    /// When the stream last wrote while its client was reading.
    private var lastWrite = NIODeadline.distantPast

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    // MARK: The connection

    /// The connection is open: it has until the request-head timeout to send a complete request.
    mutating func connected() -> Action {
        .armTimer(configuration.requestHeadTimeout)
    }

    /// The connection has closed (or was closed before it became active).
    mutating func closed() {
        outbound = .closed
        inbound = .awaitingHead
        waiting = []
    }

    /// The armed timer has fired.
    ///
    /// - Parameter now: The time it fired.
    mutating func timerFired(at now: NIODeadline) -> Action {
        switch outbound {
        case .refusing:
            // The rest of a refused body did not come in time.
            return .close(nil)
        case .streaming:
            let silent = now - lastWrite
            guard silent < TimeAmount(configuration.writeTimeout) else {
                // Its client stopped reading, or it wrote nothing (no heartbeats) for too long.
                return .close(nil)
            }
            return .armTimer(Self.duration(TimeAmount(configuration.writeTimeout) - silent))
        case .closing:
            // The last answer did not reach the socket in time.
            return .close(nil)
        case .idle(let keptAlive):
            guard waiting.isEmpty else {
                return .none
            }
            if case .receiving(let request, _) = inbound {
                return .close(Refusal(reason: .requestTimeout, request: request))
            }
            // A kept-alive connection that sends nothing more is not refused: it is done.
            return .close(keptAlive ? nil : Refusal(reason: .requestTimeout))
        case .answering, .closed:
            // A connection whose route is answering is never closed by a timer.
            return .none
        }
    }

    /// The stream wrote, while its client was reading (the channel was writable).
    ///
    /// - Parameter now: The time of the write.
    mutating func wrote(at now: NIODeadline) {
        lastWrite = now
    }

    /// The server is stopping: an idle connection closes, a route handler's task is cancelled
    /// (its answer is the last), a stream ends.
    ///
    /// - Parameter drainingSubscriptions: A broadcaster subscription is left to end on its own:
    ///   the first step of a graceful shutdown, before a call with `false` ends what is left.
    mutating func shutDown(drainingSubscriptions: Bool) -> Action {
        isShuttingDown = true
        switch outbound {
        case .idle:
            return .close(nil)
        case .answering:
            return .cancelRoute
        case .streaming:
            return .endStream(draining: drainingSubscriptions)
        case .refusing, .closing, .closed:
            return .none
        }
    }

    /// What the connection is doing, for a log line: `idle`, `answering`, `streaming`,
    /// `refusing`, `closing` or `closed`.
    var activity: String {
        switch outbound {
        case .idle: "idle"
        case .answering: "answering"
        case .streaming: "streaming"
        case .refusing: "refusing"
        case .closing: "closing"
        case .closed: "closed"
        }
    }

    /// The channel's writability changed.
    mutating func writabilityChanged(isWritable: Bool) -> Action {
        guard isWritable, case .streaming = outbound else {
            return .none
        }
        return .resumeStream
    }

    // MARK: Requests

    /// A request's head arrived.
    mutating func receivedHead(_ request: HTTPRequest) -> Action {
        switch outbound {
        case .closing, .closed, .refusing:
            return .none
        case .idle, .answering, .streaming:
            break
        }
        inbound = .receiving(request, body: [])
        // A declared length over the limit is refused before its body is read.
        if let length = request.headerFields[.contentLength].flatMap({ Int($0) }),
            length > configuration.maximumBodySize
        {
            return bodyTooLarge(request)
        }
        return .none
    }

    /// A part of the request's body arrived.
    mutating func receivedBody(_ part: ByteBuffer) -> Action {
        guard case .receiving(let request, var body) = inbound else {
            return .none
        }
        guard body.count + part.readableBytes <= configuration.maximumBodySize else {
            return bodyTooLarge(request)
        }
        // Not held by `inbound` while it grows, so that it is not copied.
        inbound = .awaitingHead
        body += part.readableBytesView
        inbound = .receiving(request, body: body)
        return .none
    }

    /// The request's end arrived.
    mutating func receivedEnd() -> Action {
        switch inbound {
        case .awaitingHead:
            // The end of a head that was refused as malformed.
            return .none
        case .discarding:
            inbound = .awaitingHead
            guard case .refusing(let written, _) = outbound else {
                return .none
            }
            outbound = .refusing(written: written, bodyEnded: true)
            return written ? .close(nil) : .none
        case .receiving(let request, let body):
            inbound = .awaitingHead
            switch outbound {
            case .idle:
                outbound = .answering
                return .route(request, body: body)
            case .answering:
                waiting.append((request, body))
                if waiting.count > configuration.maximumWaitingRequests {
                    return .close(Refusal(reason: .tooManyPipelined, request: request))
                }
                return .none
            case .streaming, .refusing, .closing, .closed:
                // A stream holds the connection to its end; nothing more is answered.
                return .none
            }
        }
    }

    /// A request could not be read as HTTP (NIO's parser failed, or its method is not a token):
    /// answered 400 when nothing else is being answered, else the connection closes. Nothing
    /// more is read either way.
    mutating func receivedMalformedRequest(_ reason: String) -> Action {
        inbound = .awaitingHead
        switch outbound {
        case .idle where waiting.isEmpty:
            outbound = .closing
            return .badRequest(reason, closingWithin: configuration.writeTimeout)
        case .idle, .answering, .streaming:
            return .close(Refusal(reason: .malformed))
        case .refusing:
            // Reading the rest of a refused body: it was refused already.
            return .close(nil)
        case .closing, .closed:
            return .none
        }
    }

    /// The request being received has a body over the limit: `413 Payload Too Large` when
    /// nothing else is being answered, and the connection closes either way. The rest of the
    /// body is read and dropped until its end (for at most the request timeout).
    private mutating func bodyTooLarge(_ request: HTTPRequest) -> Action {
        inbound = .discarding
        guard case .idle = outbound, waiting.isEmpty else {
            // Something is being answered: closing ends it as a client's disconnect would.
            return .close(Refusal(reason: .bodyTooLarge, request: request))
        }
        outbound = .refusing(written: false, bodyEnded: false)
        return .refuseBody(request, readingRestWithin: configuration.requestHeadTimeout)
    }

    /// The 413 of a refused body has reached the socket.
    mutating func refusalWritten() -> Action {
        guard case .refusing(_, let bodyEnded) = outbound else {
            return .none
        }
        outbound = .refusing(written: true, bodyEnded: bodyEnded)
        return bodyEnded ? .close(nil) : .none
    }

    // MARK: Answers

    /// The route answered `request` with a complete response (not a stream).
    mutating func answered(_ request: HTTPRequest) -> Completion {
        guard case .answering = outbound else {
            return .drop
        }
        guard !isShuttingDown, Self.keepsAlive(request) else {
            outbound = .closing
            return .close(within: configuration.writeTimeout)
        }
        guard waiting.isEmpty else {
            let next = waiting.removeFirst()
            return .next(next.request, body: next.body)
        }
        outbound = .idle(keptAlive: true)
        return .keepAlive(within: configuration.writeTimeout)
    }

    /// A kept-alive answer has reached the socket: the keep-alive wait starts now, so that a slow
    /// reader of a large response is bounded by the write timeout, not by this.
    mutating func responseWritten() -> Action {
        guard case .idle = outbound, waiting.isEmpty, case .awaitingHead = inbound else {
            return .none
        }
        return .armTimer(configuration.keepAliveTimeout)
    }

    /// The route answered with an event stream: `nil` when it does not start (the connection is
    /// gone, or the server is stopping), else the timer to arm, which closes a stream that goes
    /// without a write for the write timeout.
    ///
    /// - Parameter now: The time the stream starts.
    mutating func streamStarted(at now: NIODeadline) -> Action? {
        guard case .answering = outbound else {
            return nil
        }
        guard !isShuttingDown else {
            outbound = .closing
            return nil
        }
        outbound = .streaming
        lastWrite = now
        return .armTimer(configuration.writeTimeout)
    }

    /// The stream has ended; its end is being written, and the connection closes after it.
    mutating func streamEnded() {
        if case .streaming = outbound {
            outbound = .closing
        }
    }

    /// A `TimeAmount` as a `Duration`.
    private static func duration(_ amount: TimeAmount) -> Duration {
        .nanoseconds(amount.nanoseconds)
    }

    /// Whether the client asks to keep the connection open: HTTP/1.1 unless it sends
    /// `Connection: close` (an HTTP/1.0 request arrives with `Connection: close` unless it asked
    /// for keep-alive; see `HTTP1VersionHandler`).
    static func keepsAlive(_ request: HTTPRequest) -> Bool {
        !request.headerFields[values: .connection].contains { value in
            value.split(separator: ",").contains(where: isClose)
        }
    }

    private static func isClose(_ token: Substring) -> Bool {
        var token = token
        while token.first == " " || token.first == "\t" {
            token = token.dropFirst()
        }
        while token.last == " " || token.last == "\t" {
            token = token.dropLast()
        }
        return token.lowercased() == "close"
    }
}

#endif
