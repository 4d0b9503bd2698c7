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
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import SSENIOCore
import SSEStreaming

extension SSEServer {
    /// One client connection, driven from its event loop: it feeds what happens to its
    /// ``ConnectionStateMachine`` and carries out the actions that come back (requests answered
    /// in turn, limits, timers, shutdown), and it writes the connection's event stream with the
    /// stream writer (see `ConnectionHandler+Stream.swift`).
    ///
    /// Nothing waits in a task on a quiet connection: a route handler runs in a task only while it
    /// answers, and a broadcaster subscription is polled from the event loop whenever it has
    /// something and the socket can take it (which is what keeps an idle stream to a few KiB).
    /// Only a stream of another async sequence has a task, which pulls it on the connection's
    /// event loop.
    final class ConnectionHandler: ChannelInboundHandler, RemovableChannelHandler, SSEServerConnection {
        typealias InboundIn = HTTPRequestPart
        typealias OutboundOut = HTTPResponsePart

        let server: SSEServer
        let eventLoop: any EventLoop
        var machine: ConnectionStateMachine
        var context: ChannelHandlerContext?
        /// The one armed timer (see ``ConnectionStateMachine/Action/armTimer(_:)``).
        private var timer: Scheduled<Void>?
        /// The route handler's task, while one answers.
        private var routing: Task<Void, Never>?
        /// Runs route handlers on the connection's event loop; made at the first request.
        private lazy var routeExecutor = EventLoopTaskExecutor(eventLoop)
        /// The event stream being written, once the route answered with one.
        var stream: Stream?
        /// The connection is counted in ``SSEMetrics/connections``.
        private var connectionCounted = false
        /// One stream of an HTTP/2 connection, which answers one request: the connection is
        /// counted by its own handler (``HTTP2ConnectionHandler``).
        let isHTTP2Stream: Bool

        init(server: SSEServer, eventLoop: any EventLoop, isHTTP2Stream: Bool = false) {
            self.server = server
            self.eventLoop = eventLoop
            self.isHTTP2Stream = isHTTP2Stream
            machine = ConnectionStateMachine(
                configuration: .init(
                    maximumBodySize: server.configuration.maximumBodySize,
                    requestHeadTimeout: server.configuration.requestHeadTimeout,
                    keepAliveTimeout: server.configuration.keepAliveTimeout,
                    writeTimeout: server.configuration.writeTimeout
                )
            )
        }

        var bound: NIOLoopBound<ConnectionHandler> {
            NIOLoopBound(self, eventLoop: eventLoop)
        }

        var metrics: SSEMetrics? { server.metrics }
        var logger: Logger? { server.logger }

        // MARK: Channel events

        func handlerAdded(context: ChannelHandlerContext) {
            self.context = context
            let registered = server.connections.add(
                ObjectIdentifier(self),
                NIOLoopBound(self as any SSEServerConnection, eventLoop: eventLoop),
                isHTTP2Stream: isHTTP2Stream
            )
            if !registered {
                context.close(promise: nil)
                return
            }
            if !isHTTP2Stream {
                connectionCounted = true
                metrics?.connection(opened: true)
            }
            perform(machine.connected())
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            closed()
            self.context = nil
            if connectionCounted {
                connectionCounted = false
                metrics?.connection(opened: false)
            }
            // A channel closed before it became active never reports `channelInactive`: without
            // this, a shutdown would wait for it for ever.
            server.connections.remove(ObjectIdentifier(self))
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let request):
                perform(machine.receivedHead(request))
            case .body(let part):
                perform(machine.receivedBody(part))
            case .end:
                perform(machine.receivedEnd())
            }
        }

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            perform(machine.writabilityChanged(isWritable: context.channel.isWritable))
            context.fireChannelWritabilityChanged()
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed()
            server.connections.remove(ObjectIdentifier(self))
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            switch error {
            case is HTTP1TypeConversionError:
                // A head NIO's parser took but HTTP cannot: a method that is not a token.
                perform(machine.receivedMalformedRequest("The method is not a token"))
            case let error as HTTPParserError:
                perform(machine.receivedMalformedRequest("The request is not valid HTTP/1.1 (\(error))"))
            default:
                context.close(promise: nil)
            }
        }

        /// The server is stopping (see ``ConnectionStateMachine/shutDown(drainingSubscriptions:)``).
        func shutDown(drainingSubscriptions: Bool = false) {
            perform(machine.shutDown(drainingSubscriptions: drainingSubscriptions))
        }

        func closeNow() {
            context?.channel.close(promise: nil)
        }

        var activity: String {
            (isHTTP2Stream ? "HTTP/2 stream " : "HTTP/1.1 connection ") + machine.activity
        }

        /// The connection is gone: everything it started stops.
        private func closed() {
            machine.closed()
            timer?.cancel()
            timer = nil
            routing?.cancel()
            routing = nil
            streamClosed()
        }

        // MARK: Actions

        func perform(_ action: ConnectionStateMachine.Action) {
            switch action {
            case .none:
                break
            case .armTimer(let duration):
                armTimer(duration)
            case .route(let request, let body):
                cancelTimer()
                route(request, body: body)
            case .refuseBody(let request, let within):
                refuseBody(request)
                armTimer(within)
            case .badRequest(let reason, let within):
                refused(.malformed, nil, "Refused a request: \(reason)")
                writeComplete(
                    status: .badRequest,
                    fields: [.connection: "close"],
                    body: Array((reason + "\n").utf8),
                    headOnly: false
                )
                endResponseAndClose()
                armTimer(within)
            case .close(let refusal):
                if let refusal {
                    refused(refusal.reason, refusal.request, Self.message(refusal.reason))
                }
                context?.close(promise: nil)
            case .cancelRoute:
                routing?.cancel()
            case .endStream(let draining):
                endStream(draining: draining)
            case .resumeStream:
                resumeStream()
            }
        }

        private func armTimer(_ duration: Duration) {
            timer?.cancel()
            let bound = self.bound
            timer = eventLoop.scheduleTask(in: TimeAmount(duration)) {
                let handler = bound.value
                handler.timer = nil
                handler.perform(handler.machine.timerFired(at: handler.eventLoop.now))
            }
        }

        private func cancelTimer() {
            timer?.cancel()
            timer = nil
        }

        /// What the log says of a connection closed by a limit.
        private static func message(_ reason: SSEMetrics.Refusal) -> Logger.Message {
            switch reason {
            case .bodyTooLarge: "Closed a connection whose pipelined request body is over maximumBodySize"
            case .requestTimeout: "Closed a connection without a complete request in time"
            case .tooManyPipelined: "Closed a connection that pipelined too many requests"
            case .malformed: "Closed a connection that sent a malformed request"
            case .streamRate: "Refused a stream over maximumStreamsPerSecond"
            case .connectionLimit: "Refused a connection over maximumConnections"
            }
        }

        /// Counts and logs a request refused by a limit.
        private func refused(_ reason: SSEMetrics.Refusal, _ request: HTTPRequest?, _ message: Logger.Message) {
            metrics?.refused(reason)
            logger?.notice(message, metadata: SSEServer.metadata(request, ["sse.refusal": "\(reason.rawValue)"]))
        }

        /// `413 Payload Too Large`; the connection closes once it is written and the rest of the
        /// body is read (see ``ConnectionStateMachine/refusalWritten()``).
        private func refuseBody(_ request: HTTPRequest) {
            guard let context else {
                return
            }
            refused(.bodyTooLarge, request, "Refused a request body over maximumBodySize: answered 413")
            let message = "Payload Too Large: the body is over \(server.configuration.maximumBodySize) bytes\n"
            writeComplete(
                status: HTTPResponse.Status(code: 413, reasonPhrase: "Payload Too Large"),
                fields: [.connection: "close"],
                body: Array(message.utf8),
                headOnly: false
            )
            let bound = self.bound
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
            written.futureResult.whenSuccess {
                let handler = bound.value
                handler.perform(handler.machine.refusalWritten())
            }
        }

        // MARK: Answering

        private func route(_ request: HTTPRequest, body: [UInt8]) {
            let bound = self.bound
            let server = self.server
            let sseRequest = SSERequest(request, body: body)
            // On the connection's event loop (a task executor preference): the handler's
            // nonisolated code runs there, and so does the answer, with no thread hop to the
            // global executor and back per request.
            let tracing = server.configuration.stream.tracing
            routing = Task(executorPreference: routeExecutor) {
                let (answered, response) =
                    if let tracing {
                        await tracing.run(inContextOf: request.headerFields) { await server.respond(to: sseRequest) }
                    } else {
                        await server.respond(to: sseRequest)
                    }
                if bound.eventLoop.inEventLoop {
                    bound.value.answer(request, answered, response)
                } else {
                    bound.eventLoop.execute {
                        bound.value.answer(request, answered, response)
                    }
                }
            }
        }

        private func answer(_ request: HTTPRequest, _ sseRequest: SSERequest, _ response: SSEResponse) {
            routing = nil
            guard context != nil else {
                return
            }
            let status: HTTPResponse.Status
            var fields = response.headers
            let body: [UInt8]
            switch response.body {
            case .complete(let completeStatus, let contentType, let completeBody):
                status = completeStatus
                body = completeBody
                if let contentType {
                    fields[.contentType] = contentType
                }
            case .asset(let asset):
                let acceptsGzip = SSEStreamConfiguration.acceptsGzip(sseRequest.headers[.acceptEncoding])
                let answer = asset.answer(to: sseRequest.headers, acceptsGzip: acceptsGzip)
                status = answer.status
                fields.append(contentsOf: answer.fields)
                body = answer.body
            case .stream(let streamBody):
                guard let timer = machine.streamStarted(at: eventLoop.now) else {
                    streamBody.end?()
                    context?.close(promise: nil)
                    return
                }
                perform(timer)
                startStream(streamBody, request: sseRequest, fields: response.headers)
                return
            }
            let completion = machine.answered(request)
            if completion == .drop {
                return
            }
            // No Content-Length on a 304 or 204 (RFC 9110 §8.6): neither has a body.
            if status != .notModified && status != .noContent {
                fields[.contentLength] = String(body.count)
            }
            if case .close = completion {
                fields[.connection] = "close"
            }
            writeComplete(status: status, fields: fields, body: body, headOnly: request.method == .head)
            switch completion {
            case .drop:
                break
            case .close(let within):
                endResponseAndClose()
                armTimer(within)
            case .next(let next, let nextBody):
                context?.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                route(next, body: nextBody)
            case .keepAlive(let within):
                guard let context else {
                    return
                }
                armTimer(within)
                let written = context.eventLoop.makePromise(of: Void.self)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
                let bound = self.bound
                written.futureResult.whenSuccess {
                    let handler = bound.value
                    handler.perform(handler.machine.responseWritten())
                }
            }
        }

        /// Writes a response's head and body (not its end).
        private func writeComplete(status: HTTPResponse.Status, fields: HTTPFields, body: [UInt8], headOnly: Bool) {
            guard let context else {
                return
            }
            context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
            if !body.isEmpty && !headOnly {
                context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
            }
        }

        /// Ends the response, and closes the connection once everything has reached the socket:
        /// closing drops writes still pending, and a slow reader would lose the end of a stream.
        func endResponseAndClose() {
            guard let context else {
                return
            }
            let channel = context.channel
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
            written.futureResult.whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }
}
#endif
