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
    /// Only a stream of another async sequence has a task, which pulls it on the connection's
    /// event loop and writes what it pulls (see `pullStream`).
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
            /// Another stream is pulled by a task on the connection's event loop (see `pullStream`).
            case pumping(Task<Void, Never>)
            /// The last response is written; the connection closes once it has reached the socket.
            case closing
            case closed
        }

        /// Requests a client may send before the one being answered is done (pipelining); more
        /// closes the connection.
        static let maximumWaitingRequests = 16

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
        /// The method and path of the stream being written, for log entries about it (not the
        /// whole request: an idle stream keeps only what it needs).
        private var streamRequest: (method: HTTPRequest.Method, path: String)?
        /// The stream being written is counted in ``SSEMetrics/streams``.
        private var streamCounted = false
        /// The connection is counted in ``SSEMetrics/connections``.
        private var connectionCounted = false
        /// Calls ``pollSubscription()`` from the event loop; handed to the subscription while polling.
        private var onReady: (@Sendable () -> Void)?
        /// The gzip encoder of the stream being written, when the client asked for gzip.
        private var compressor: BatchCompressor?
        /// The capacity of the next polled batch's buffer.
        private var batchCapacity = 256
        /// Completes when the channel can take more writes again, for a pull that waits.
        private var writable: EventLoopPromise<Void>?
        /// What a pulled stream (the connection's own events) keeps between events; only such a
        /// stream has one, so an idle broadcast stream does not pay for it.
        private final class PulledStream {
            /// The bytes since the last flush: events that are ready together go out with one
            /// write and one flush.
            var pending: ByteBuffer
            /// The chunks in `pending`, for the metrics.
            var chunks = 0
            /// A flush of `pending` is queued on the event loop: it runs once the pull waits.
            var flushQueued = false
            /// Something went out since the last heartbeat tick.
            var wroteSinceTick = false
            /// Sends a heartbeat comment while the stream stays quiet.
            var heartbeatTimer: RepeatedTask?

            init(pending: ByteBuffer) {
                self.pending = pending
            }
        }

        private var pulledStream: PulledStream?

        init(server: SSEServer, eventLoop: any EventLoop) {
            self.server = server
            self.eventLoop = eventLoop
        }

        private var bound: NIOLoopBound<ConnectionHandler> {
            NIOLoopBound(self, eventLoop: eventLoop)
        }

        private var metrics: SSEMetrics? { server.metrics }
        private var logger: Logger? { server.logger }

        /// Counts and logs a request refused by a limit.
        private func refused(_ reason: SSEMetrics.Refusal, _ head: HTTPRequestHead?, _ message: Logger.Message) {
            metrics?.refused(reason)
            logger?.notice(message, metadata: SSEServer.metadata(head, ["sse.refusal": "\(reason.rawValue)"]))
        }

        /// A stream begins: counted, and its method and path kept for log entries about it.
        private func streamBegan(_ request: SSERequest, replayUnavailable: Bool) {
            if logger != nil {
                streamRequest = (request.method, request.path)
            }
            if let metrics {
                streamCounted = true
                metrics.streamOpened(replayUnavailable: replayUnavailable)
            }
        }

        /// The stream being written has ended (or its connection has): it is no longer counted.
        private func streamEnded() {
            if streamCounted {
                streamCounted = false
                metrics?.streamClosed()
            }
            streamRequest = nil
        }

        // MARK: Channel events

        func handlerAdded(context: ChannelHandlerContext) {
            self.context = context
            if !server.connections.add(ObjectIdentifier(self), bound) {
                context.close(promise: nil)
                return
            }
            connectionCounted = true
            metrics?.connection(opened: true)
            awaitRequestHead(within: server.configuration.requestHeadTimeout)
        }

        /// Closes the connection unless a complete request (head, and body if any) arrives within
        /// `timeout`: a client that sends half a request, or nothing, cannot hold a connection
        /// (slowloris). Only an idle connection is closed; one that is answering is never.
        private func awaitRequestHead(within timeout: Duration, keptAlive: Bool = false) {
            headTimer?.cancel()
            let bound = self.bound
            headTimer = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                let handler = bound.value
                handler.headTimer = nil
                guard case .idle = handler.state, handler.waiting.isEmpty else {
                    return
                }
                // A kept-alive connection that sends nothing more is not refused: it is done.
                if handler.receiving != nil || !keptAlive {
                    handler.refused(
                        .requestTimeout,
                        handler.receiving,
                        "Closed a connection without a complete request in time"
                    )
                }
                handler.context?.close(promise: nil)
            }
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            self.context = nil
            headTimer?.cancel()
            headTimer = nil
            streamEnded()
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
                        refused(.tooManyPipelined, head, "Closed a connection that pipelined too many requests")
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
            pulledStream?.heartbeatTimer?.cancel()
            pulledStream = nil
            streamEnded()
            onReady = nil
            compressor = nil
            writable?.fail(ChannelError.ioOnClosedChannel)
            writable = nil
            server.connections.remove(ObjectIdentifier(self))
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            if error is HTTPParserError {
                // NIO's error handler has answered 400 already.
                refused(.malformed, receiving, "Refused a malformed request: \(error)")
            }
            context.close(promise: nil)
        }

        /// The server is stopping: an idle connection closes, a stream ends (its end is written;
        /// a client that is not reading is not waited for), a route handler's task is cancelled and
        /// its answer is the last.
        ///
        /// - Parameter drainingSubscriptions: A broadcaster subscription is left to end on its
        ///   own (after its broadcaster's final event) rather than cancelled: the first step of a
        ///   graceful shutdown, before a call with `false` ends what is left.
        func shutDown(drainingSubscriptions: Bool = false) {
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
                guard !drainingSubscriptions else {
                    return
                }
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
                refused(
                    .bodyTooLarge,
                    receiving,
                    "Closed a connection whose pipelined request body is over maximumBodySize"
                )
                context.close(promise: nil)
                return
            }
            receiving = nil
            refused(.bodyTooLarge, head, "Refused a request body over maximumBodySize: answered 413")
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
            guard let request = SSEServer.request(from: head, body: body) else {
                refused(.malformed, head, "Refused a request whose method is not a token")
                state = .routing(Task {})
                answer(head, nil, .badRequest("The method is not a token"))
                return
            }
            state = .routing(
                Task {
                    let (request, response) = await server.respond(to: request)
                    bound.eventLoop.execute {
                        bound.value.answer(head, request, response)
                    }
                }
            )
        }

        private func answer(_ head: HTTPRequestHead, _ request: SSERequest?, _ response: SSEResponse) {
            // Closed meanwhile: the response is dropped (a subscription in it with it).
            guard case .routing = state, let context else {
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
                let acceptsGzip = SSEStreamConfiguration.acceptsGzip(request?.headers[.acceptEncoding])
                let answer = asset.answer(to: request?.headers ?? [:], acceptsGzip: acceptsGzip)
                status = answer.status
                fields.append(contentsOf: answer.fields)
                body = answer.body
            case .stream(let streamBody):
                guard !shuttingDown, let request else {
                    state = .closing
                    context.close(promise: nil)
                    return
                }
                stream(streamBody, head: head, request: request, headers: response.headers)
                return
            }
            let keepAlive = head.isKeepAlive && !shuttingDown
            // No Content-Length on a 304 or 204 (RFC 9110 §8.6): neither has a body.
            if status != .notModified && status != .noContent {
                fields[.contentLength] = String(body.count)
            }
            if !keepAlive {
                fields[.connection] = "close"
            }
            let responseHead = HTTPResponseHead(
                version: head.version,
                status: HTTPResponseStatus(statusCode: status.code, reasonPhrase: status.reasonPhrase),
                headers: HTTPHeaders(fields)
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
                    handler.awaitRequestHead(within: handler.server.configuration.keepAliveTimeout, keptAlive: true)
                }
            }
        }

        private func stream(
            _ body: SSEStreamBody,
            head: HTTPRequestHead,
            request: SSERequest,
            headers: HTTPFields
        ) {
            guard let context else {
                return
            }
            let configuration = server.configuration.stream
            var (fields, gzip) = configuration.responseHeaders(acceptEncoding: request.headers[.acceptEncoding])
            fields.append(contentsOf: headers)
            let responseHead = HTTPResponseHead(version: head.version, status: .ok, headers: HTTPHeaders(fields))
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            guard head.method != .HEAD else {
                endResponseAndClose()
                return
            }
            do {
                compressor = try gzip.map { configuration throws(SSECompressionError) in
                    try BatchCompressor(configuration)
                }
            } catch {
                state = .closing
                context.close(promise: nil)
                return
            }
            if !body.prefix.isEmpty {
                var prefix = context.channel.allocator.buffer(bytes: body.prefix)
                if compressor != nil {
                    guard let compressed = try? compressor!.compress(prefix, allocator: context.channel.allocator)
                    else {
                        state = .closing
                        context.close(promise: nil)
                        return
                    }
                    prefix = compressed
                }
                metrics?.wrote(chunks: 0, bytes: prefix.readableBytes)
                context.write(wrapOutboundOut(.body(.byteBuffer(prefix))), promise: nil)
            }
            if let subscription = body.subscription {
                let bound = self.bound
                let poll: @Sendable () -> Void = { bound.value.pollSubscription() }
                let loop = context.eventLoop
                // Called by whoever publishes: one hop to the event loop, no allocation per call.
                onReady = { loop.execute(poll) }
                state = .polling(subscription)
                streamBegan(request, replayUnavailable: subscription.replayUnavailable)
                context.flush()
                pollSubscription()
                return
            }
            context.flush()
            // Every body but a subscription is pulled (events, chunks).
            guard let pull = body.pull else {
                state = .closing
                context.close(promise: nil)
                return
            }
            pullStream(pull, heartbeat: configuration.heartbeat, request: request)
        }

        /// How many batches one connection writes in a row before the rest is queued behind the
        /// other work waiting on its event loop.
        static let maximumBatchesPerTurn = 8

        /// The most bytes of events one batch takes (it may exceed it by one event): the server's
        /// `writeBufferSize`. A batch goes out only while the channel is writable (below the
        /// high watermark, half of it), so a client that stopped reading leaves at most about
        /// one and a half times that waiting in the server, beyond its broadcaster queue.
        private var maximumBatchBytes: Int { server.writeBufferSize }

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
                var chunks = 0
                do {
                    result = try subscription.poll(
                        // Three quarters of the buffer, so that the event that crosses it
                        // rarely outgrows the buffer (ByteBuffer doubles its capacity).
                        maximumBytes: maximumBatchBytes * 3 / 4,
                        onReady: onReady,
                        chunkCount: &chunks
                    ) { buffer.writeBytes($0) }
                    if compressor != nil, result == .delivered {
                        buffer = try compressor!.compress(buffer, allocator: context.channel.allocator)
                    }
                } catch {
                    // Too slow for the overflow policy, or gzip failed: the client is let go.
                    if let error = error as? SSEBroadcasterError, error == .subscriberTooSlow {
                        metrics?.subscriberCut()
                    }
                    logger?.notice(
                        "Closed an event stream: \(error)",
                        metadata: streamRequest.map {
                            ["http.method": "\($0.method.rawValue)", "http.path": "\($0.path)"]
                        }
                            ?? [:]
                    )
                    state = .closing
                    context.close(promise: nil)
                    return
                }
                switch result {
                case .delivered:
                    batchCapacity = min(max(256, buffer.readableBytes + buffer.readableBytes / 8), maximumBatchBytes)
                    metrics?.wrote(chunks: chunks, bytes: buffer.readableBytes)
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

        /// A stream of the connection's own (events, chunks), pulled on the connection's event loop:
        /// the task that pulls it runs on an actor whose executor is the loop, with the loop as its
        /// task executor preference, so pulling, encoding and writing take no thread hop per
        /// event, whether the source's iterator implements `next(isolation:)` or only `next()`. Chunks that are ready together go out with
        /// one write and one flush; one that comes alone is flushed as soon as the pull waits.
        private func pullStream(
            _ pull: @escaping @Sendable (any SSEStreamSink) async throws -> Void,
            heartbeat: Duration?,
            request: SSERequest
        ) {
            guard let context else {
                return
            }
            let pulled = PulledStream(pending: context.channel.allocator.buffer(capacity: 256))
            pulledStream = pulled
            streamBegan(request, replayUnavailable: false)
            let bound = self.bound
            if let heartbeat {
                pulled.heartbeatTimer = eventLoop.scheduleRepeatedTask(
                    initialDelay: TimeAmount(heartbeat),
                    delay: TimeAmount(heartbeat)
                ) { _ in
                    bound.value.heartbeatTick()
                }
            }
            let sink = LoopSink(bound)
            let logger = server.configuration.logger
            state = .pumping(
                // A source's nonisolated `next()` runs on the loop too (see EventLoopTaskExecutor).
                Task(executorPreference: EventLoopTaskExecutor(eventLoop)) {
                    var ended = true
                    do {
                        try await pull(sink)
                    } catch {
                        ended = false
                        if !(error is CancellationError), !(error is ChannelError) {
                            logger?.notice(
                                "An event stream failed; its connection closes",
                                metadata: SSEServer.metadata(request, ["error.message": "\(error)"])
                            )
                        }
                    }
                    bound.eventLoop.execute { [ended] in
                        bound.value.pulled(ended: ended)
                    }
                }
            )
        }

        /// Takes one chunk of a pulled stream (see ``LoopSink``); whether the channel can take more.
        func emit(_ chunk: [UInt8]) -> Bool {
            guard case .pumping = state, let context, let pulled = pulledStream else {
                // Closed: the pull is being cancelled.
                return true
            }
            pulled.pending.writeBytes(chunk)
            pulled.chunks += 1
            pulled.wroteSinceTick = true
            if pulled.pending.readableBytes >= maximumBatchBytes {
                flushPending()
            } else if !pulled.flushQueued {
                pulled.flushQueued = true
                let bound = self.bound
                eventLoop.execute { bound.value.flushPending() }
            }
            return context.channel.isWritable
        }

        /// Completes once the channel can take more writes; fails once it is closed.
        func whenWritable() -> EventLoopFuture<Void> {
            guard case .pumping = state, let context else {
                return eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
            }
            if context.channel.isWritable {
                return eventLoop.makeSucceededVoidFuture()
            }
            let promise = writable ?? eventLoop.makePromise(of: Void.self)
            writable = promise
            return promise.futureResult
        }

        /// Writes and flushes what a pulled stream has pending, compressed when gzip is on.
        private func flushPending() {
            guard let pulled = pulledStream else {
                return
            }
            pulled.flushQueued = false
            guard case .pumping = state, let context, pulled.pending.readableBytes > 0 else {
                return
            }
            var buffer = pulled.pending
            pulled.pending = context.channel.allocator.buffer(capacity: max(256, buffer.readableBytes))
            if compressor != nil {
                do {
                    buffer = try compressor!.compress(buffer, allocator: context.channel.allocator)
                } catch {
                    state = .closing
                    context.close(promise: nil)
                    return
                }
            }
            metrics?.wrote(chunks: pulled.chunks, bytes: buffer.readableBytes)
            pulled.chunks = 0
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }

        /// A heartbeat interval has passed: a comment goes out if nothing else did meanwhile.
        private func heartbeatTick() {
            guard let pulled = pulledStream else {
                return
            }
            defer { pulled.wroteSinceTick = false }
            guard !pulled.wroteSinceTick, case .pumping = state else {
                return
            }
            _ = emit([UInt8(ascii: ":"), UInt8(ascii: "\n")])
        }

        /// A pulled stream is done: what is pending goes out, then the gzip trailer and the end
        /// (after an error, the connection just closes).
        private func pulled(ended: Bool) {
            pulledStream?.heartbeatTimer?.cancel()
            guard case .pumping = state, let context else {
                pulledStream = nil
                return
            }
            flushPending()
            pulledStream = nil
            guard case .pumping = state else {
                return
            }
            if ended || shuttingDown {
                if compressor != nil {
                    guard let trailer = try? compressor!.finish(allocator: context.channel.allocator) else {
                        state = .closing
                        context.close(promise: nil)
                        return
                    }
                    metrics?.wrote(chunks: 0, bytes: trailer.readableBytes)
                    context.write(wrapOutboundOut(.body(.byteBuffer(trailer))), promise: nil)
                }
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
            streamEnded()
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
