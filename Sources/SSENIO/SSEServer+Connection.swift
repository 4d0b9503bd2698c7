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
import NIOCore
import NIOHTTP1
import SSECompression
import SSENIOCore
import SSEStreaming
import Synchronization

extension SSEServer {
    /// One client connection, driven from its event loop: requests answered in turn (keep-alive)
    /// until an event stream, which holds the connection until it ends or the client goes.
    ///
    /// Nothing waits in a task on a quiet connection: a route handler runs in a task only while it
    /// answers, and a broadcaster subscription is polled from the event loop whenever it has
    /// something and the socket can take it (which is what keeps an idle stream to a few KiB).
    /// Only a stream of another async sequence has a task, which reads and writes it.
    final class ConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private enum State {
            /// Waiting for a request.
            case idle
            /// A route handler is answering.
            case routing(Task<Void, Never>)
            /// A subscription is polled and written from the event loop.
            case polling(SSEBroadcaster.Subscription)
            /// Another stream is written by its own task.
            case pumping(Task<Void, Never>)
            /// The last response is written; the connection closes once it has reached the socket.
            case closing
            case closed
        }

        /// Requests a client may send before the one being answered is done (pipelining); more
        /// closes the connection.
        private static let maximumWaitingRequests = 16

        private let server: SSEServer
        private let eventLoop: any EventLoop
        private var state = State.idle
        private var context: ChannelHandlerContext?
        /// The request whose head arrived and whose end has not.
        private var receiving: HTTPRequestHead?
        /// The body of `receiving` so far, up to the server's `maximumBodySize`.
        private var receivingBody: [UInt8] = []
        /// `receiving`'s body outgrew the limit: it is answered with 413 and the connection closes.
        private var receivingTooLarge = false
        /// Of a refused body: the 413 has reached the socket, and the body has been read to its
        /// end. The connection closes once both are true.
        private var refusalWritten = false
        private var refusedBodyEnded = false
        /// Requests received while another is answered, with their bodies.
        private var waiting: [(head: HTTPRequestHead, body: [UInt8])] = []
        /// Closes an idle connection whose next request head does not arrive in time.
        private var headTimer: Scheduled<Void>?
        /// The server is stopping: streams end, keep-alive ends.
        private var shuttingDown = false
        /// Calls ``pollSubscription()`` from the event loop; handed to the subscription while polling.
        private var onReady: (@Sendable () -> Void)?
        /// The gzip encoder of a polled subscription, when the client asked for gzip.
        private var compressor: BatchCompressor?
        /// The capacity of the next polled batch's buffer.
        private var batchCapacity = 256
        /// Completes when the channel can take more writes again, for a pumping task that waits.
        private var writable: EventLoopPromise<Void>?

        init(server: SSEServer, eventLoop: any EventLoop) {
            self.server = server
            self.eventLoop = eventLoop
        }

        private var bound: NIOLoopBound<ConnectionHandler> {
            NIOLoopBound(self, eventLoop: eventLoop)
        }

        // MARK: Channel events

        func handlerAdded(context: ChannelHandlerContext) {
            self.context = context
            if !server.connections.add(ObjectIdentifier(self), bound) {
                context.close(promise: nil)
                return
            }
            awaitRequestHead(within: server.configuration.requestHeadTimeout)
        }

        /// Closes the connection unless a complete request (head, and body if any) arrives within
        /// `timeout`: a client that sends half a request, or nothing, cannot hold a connection
        /// (slowloris). Only an idle connection is closed; one that is answering is never.
        private func awaitRequestHead(within timeout: Duration) {
            headTimer?.cancel()
            let bound = self.bound
            headTimer = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                let handler = bound.value
                handler.headTimer = nil
                guard case .idle = handler.state, handler.waiting.isEmpty else {
                    return
                }
                handler.context?.close(promise: nil)
            }
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            self.context = nil
            headTimer?.cancel()
            headTimer = nil
            // A channel closed before it became active never reports `channelInactive`: without
            // this, a shutdown would wait for it for ever.
            server.connections.remove(ObjectIdentifier(self))
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                receiving = head
                receivingBody = []
                receivingTooLarge = false
                // A declared length over the limit is refused before its body is read.
                if let length = head.headers.first(name: "Content-Length").flatMap({ Int($0) }),
                    length > server.configuration.maximumBodySize
                {
                    bodyTooLarge(context: context)
                }
            case .body(let buffer):
                guard !receivingTooLarge else {
                    return
                }
                guard receivingBody.count + buffer.readableBytes <= server.configuration.maximumBodySize else {
                    bodyTooLarge(context: context)
                    return
                }
                receivingBody += buffer.readableBytesView
            case .end:
                guard !receivingTooLarge else {
                    refusedBodyEnded = true
                    closeAfterRefusal()
                    return
                }
                guard let head = receiving else {
                    return
                }
                receiving = nil
                let body = receivingBody
                receivingBody = []
                // The whole request arrived in time: head, and body if any.
                headTimer?.cancel()
                headTimer = nil
                switch state {
                case .idle:
                    route(head, body: body)
                case .routing:
                    waiting.append((head, body))
                    if waiting.count > Self.maximumWaitingRequests {
                        context.close(promise: nil)
                    }
                case .polling, .pumping, .closing, .closed:
                    // A stream holds the connection to its end; nothing more is answered.
                    break
                }
            }
        }

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            if context.channel.isWritable {
                if let writable {
                    self.writable = nil
                    writable.succeed()
                }
                pollSubscription()
            }
            context.fireChannelWritabilityChanged()
        }

        func channelInactive(context: ChannelHandlerContext) {
            switch state {
            case .routing(let task), .pumping(let task):
                task.cancel()
            case .polling(let subscription):
                subscription.cancel()
            case .idle, .closing, .closed:
                break
            }
            state = .closed
            headTimer?.cancel()
            headTimer = nil
            onReady = nil
            compressor = nil
            writable?.fail(ChannelError.ioOnClosedChannel)
            writable = nil
            server.connections.remove(ObjectIdentifier(self))
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }

        /// The server is stopping: an idle connection closes, a stream ends (its end is written;
        /// a client that is not reading is not waited for), a route handler's task is cancelled and
        /// its answer is the last.
        func shutDown() {
            shuttingDown = true
            guard let context else {
                return
            }
            switch state {
            case .idle:
                context.close(promise: nil)
            case .routing(let task):
                task.cancel()
            case .pumping(let task):
                task.cancel()
                if !context.channel.isWritable {
                    context.close(promise: nil)
                }
            case .polling(let subscription):
                // The next poll finds it finished, and ends the response.
                subscription.cancel()
                if !context.channel.isWritable {
                    context.close(promise: nil)
                }
            case .closing, .closed:
                break
            }
        }

        // MARK: Answering

        /// The request being received has a body over the limit: `413 Payload Too Large` when
        /// nothing else is being answered, and the connection closes either way. The rest of the
        /// body is read and dropped until its end (for at most the request timeout), since closing
        /// with unread bytes would reset the connection before the client reads the answer. Other
        /// connections are not affected.
        private func bodyTooLarge(context: ChannelHandlerContext) {
            receivingTooLarge = true
            receivingBody = []
            guard case .idle = state, waiting.isEmpty, let head = receiving else {
                // Something is being answered: closing ends it as a client's disconnect would
                // (its task cancelled, its subscription released, by `channelInactive`).
                context.close(promise: nil)
                return
            }
            receiving = nil
            let message = Array(
                "Payload Too Large: the body is over \(server.configuration.maximumBodySize) bytes\n".utf8
            )
            var fields = HTTPHeaders()
            fields.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            fields.add(name: "Content-Length", value: String(message.count))
            fields.add(name: "Connection", value: "close")
            context.write(
                wrapOutboundOut(
                    .head(HTTPResponseHead(version: head.version, status: .payloadTooLarge, headers: fields))
                ),
                promise: nil
            )
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: message)))),
                promise: nil
            )
            let bound = self.bound
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
            written.futureResult.whenSuccess {
                bound.value.refusalWritten = true
                bound.value.closeAfterRefusal()
            }
            state = .closing
            headTimer?.cancel()
            headTimer = eventLoop.scheduleTask(in: TimeAmount(server.configuration.requestHeadTimeout)) {
                bound.value.context?.close(promise: nil)
            }
        }

        private func closeAfterRefusal() {
            if refusalWritten && refusedBodyEnded {
                context?.close(promise: nil)
            }
        }

        private func route(_ head: HTTPRequestHead, body: [UInt8]) {
            let bound = self.bound
            let server = self.server
            state = .routing(
                Task {
                    let (request, response) = await server.respond(to: head, body: body)
                    bound.eventLoop.execute {
                        bound.value.answer(head, request, response)
                    }
                }
            )
        }

        private func answer(_ head: HTTPRequestHead, _ request: SSERequest, _ response: SSEResponse) {
            // Closed meanwhile: the response is dropped (a subscription in it with it).
            guard case .routing = state, let context else {
                return
            }
            switch response.body {
            case .complete(let status, let contentType, let body):
                let keepAlive = head.isKeepAlive && !shuttingDown
                var fields = HTTPHeaders(response.headers)
                fields.replaceOrAdd(name: "Content-Type", value: contentType)
                fields.replaceOrAdd(name: "Content-Length", value: String(body.count))
                if !keepAlive {
                    fields.replaceOrAdd(name: "Connection", value: "close")
                }
                let responseHead = HTTPResponseHead(
                    version: head.version,
                    status: .init(statusCode: status),
                    headers: fields
                )
                context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
                if !body.isEmpty && head.method != .HEAD {
                    let buffer = context.channel.allocator.buffer(bytes: body)
                    context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                }
                guard keepAlive else {
                    endResponseAndClose()
                    return
                }
                state = .idle
                guard waiting.isEmpty else {
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                    let next = waiting.removeFirst()
                    route(next.head, body: next.body)
                    return
                }
                // The keep-alive wait starts once the response has reached the socket: a slow
                // reader of a large response is bounded by the write timeout, not by this.
                let written = context.eventLoop.makePromise(of: Void.self)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
                let bound = self.bound
                written.futureResult.whenSuccess {
                    let handler = bound.value
                    if case .idle = handler.state, handler.waiting.isEmpty {
                        handler.awaitRequestHead(within: handler.server.configuration.keepAliveTimeout)
                    }
                }
            case .stream(let body):
                guard !shuttingDown else {
                    state = .closing
                    context.close(promise: nil)
                    return
                }
                stream(body, head: head, request: request, headers: response.headers)
            }
        }

        private func stream(
            _ body: SSEStreamBody,
            head: HTTPRequestHead,
            request: SSERequest,
            headers: [(name: String, value: String)]
        ) {
            guard let context else {
                return
            }
            let configuration = server.configuration.stream
            let (standardFields, gzip) = configuration.responseHeaders(
                acceptEncoding: request.header("Accept-Encoding")
            )
            let responseHead = HTTPResponseHead(
                version: head.version,
                status: .ok,
                headers: HTTPHeaders(standardFields + headers)
            )
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            guard head.method != .HEAD else {
                endResponseAndClose()
                return
            }
            if let subscription = body.subscription {
                do {
                    compressor = try gzip.map { configuration throws(SSECompressionError) in
                        try BatchCompressor(configuration)
                    }
                } catch {
                    state = .closing
                    context.close(promise: nil)
                    return
                }
                let bound = self.bound
                let poll: @Sendable () -> Void = { bound.value.pollSubscription() }
                let loop = context.eventLoop
                // Called by whoever publishes: one hop to the event loop, no allocation per call.
                onReady = { loop.execute(poll) }
                state = .polling(subscription)
                context.flush()
                pollSubscription()
                return
            }
            context.flush()
            let bound = self.bound
            let allocator = context.channel.allocator
            let heartbeat = configuration.heartbeat
            state = .pumping(
                Task {
                    var ended = true
                    do {
                        try await body.write(gzip: gzip, heartbeat: heartbeat, allocator: allocator) { buffer in
                            try await bound.eventLoop.flatSubmit { bound.value.writeFromTask(buffer) }.get()
                        }
                    } catch {
                        ended = false
                    }
                    bound.eventLoop.execute { [ended] in
                        bound.value.pumped(ended: ended)
                    }
                }
            )
        }

        /// How many batches (of up to 64 KiB each) one connection writes in a row before the rest
        /// is queued behind the other work waiting on its event loop.
        static let maximumBatchesPerTurn = 4

        /// Writes what the subscription has while the socket takes it; when nothing is ready, the
        /// subscription calls ``onReady`` once something is.
        private func pollSubscription() {
            guard case .polling(let subscription) = state, let context, let onReady else {
                return
            }
            var batches = 0
            while context.channel.isWritable {
                // Fairness: after a few batches, the rest is queued behind the work already
                // waiting on the loop (other connections' polls and tasks).
                guard batches < Self.maximumBatchesPerTurn else {
                    onReady()
                    return
                }
                batches += 1
                // Sized like the previous batch, so that filling it rarely grows it.
                var buffer = context.channel.allocator.buffer(capacity: batchCapacity)
                let result: SSEBroadcaster.Subscription.PollResult
                do {
                    result = try subscription.poll(onReady: onReady) { buffer.writeBytes($0) }
                    if compressor != nil, result == .delivered {
                        buffer = try compressor!.compress(buffer, allocator: context.channel.allocator)
                    }
                } catch {
                    // Too slow for the overflow policy, or gzip failed: the client is let go.
                    state = .closing
                    context.close(promise: nil)
                    return
                }
                switch result {
                case .delivered:
                    batchCapacity = max(256, buffer.readableBytes + buffer.readableBytes / 8)
                    context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                case .pending:
                    return
                case .finished:
                    if compressor != nil {
                        guard let trailer = try? compressor!.finish(allocator: context.channel.allocator) else {
                            // As after any other gzip error: the connection closes without the end.
                            state = .closing
                            context.close(promise: nil)
                            return
                        }
                        context.write(wrapOutboundOut(.body(.byteBuffer(trailer))), promise: nil)
                    }
                    endResponseAndClose()
                    return
                }
            }
        }

        /// Writes one buffer of a pumping task's stream; the future completes when the task may
        /// write the next (at once, unless the socket is behind).
        private func writeFromTask(_ buffer: ByteBuffer) -> EventLoopFuture<Void> {
            guard case .pumping = state, let context else {
                return eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
            }
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            if context.channel.isWritable {
                return context.eventLoop.makeSucceededVoidFuture()
            }
            let promise = context.eventLoop.makePromise(of: Void.self)
            writable = promise
            return promise.futureResult
        }

        /// A pumping task is done: the response ends after a stream that ended (or was ended by the
        /// server stopping); after an error, the connection just closes.
        private func pumped(ended: Bool) {
            guard case .pumping = state, let context else {
                return
            }
            if ended || shuttingDown {
                endResponseAndClose()
            } else {
                state = .closing
                context.close(promise: nil)
            }
        }

        /// Ends the response, and closes the connection once everything has reached the socket:
        /// closing drops writes still pending, and a slow reader would lose the end of a stream.
        private func endResponseAndClose() {
            guard let context else {
                return
            }
            state = .closing
            onReady = nil
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
