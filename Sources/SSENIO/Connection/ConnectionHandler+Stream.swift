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
import NIOHTTPTypes
import SSENIOCore
import SSEStreaming

extension SSEServer.ConnectionHandler {
    /// The event stream a connection writes: its source, and the stream writer that makes its
    /// bytes (batches, gzip, heartbeats, metrics).
    final class Stream {
        enum Source {
            /// A broadcaster subscription, polled from the event loop; `onReady` schedules the
            /// next poll there (after the minimum write interval, if the server has one), and
            /// `pollAgain` at once (the rest of a backlog, after other connections' turn).
            case polled(
                SSEBroadcaster.Subscription,
                onReady: @Sendable () -> Void,
                pollAgain: @Sendable () -> Void
            )
            /// A source of the connection's own, pulled by a task on the event loop.
            case pulled(Task<Void, Never>?)
        }

        var source: Source
        var writer: SSEStreamWriter
        /// The method and path of the stream's request, for log entries about it (not the whole
        /// request: an idle stream keeps only what it needs); `nil` without a logger.
        let request: (method: HTTPRequest.Method, path: String)?
        /// A flush of the writer's batch is queued on the event loop: it runs once the pull waits.
        var flushQueued = false
        /// Sends a heartbeat comment while a pulled stream stays quiet.
        var heartbeatTimer: RepeatedTask?
        /// Completes when the channel can take more writes again, for a pull that waits.
        var writable: EventLoopPromise<Void>?
        /// An HTTP/1.1 stream's batches are written below NIO's encoder; `nil` over HTTP/2.
        let direct: SSEServer.DirectBody?
        /// Ends the stream at its maximum age, if the server has one.
        var expiry: Scheduled<Void>?
        /// The stream reached its maximum age: it ends properly, as at a shutdown.
        var expired = false
        /// Spaces a subscription's writes (``SSEServer/Configuration-swift.struct/minimumWriteInterval``).
        var spacing: SSEServer.WriteSpacing?

        init(
            source: Source,
            writer: consuming SSEStreamWriter,
            request: (HTTPRequest.Method, String)?,
            direct: SSEServer.DirectBody?
        ) {
            self.source = source
            self.writer = writer
            self.request = request
            self.direct = direct
        }
    }

    /// How many batches one connection writes in a row before the rest is queued behind the
    /// other work waiting on its event loop.
    static let maximumBatchesPerTurn = 8

    /// The route answered with a stream: its head goes out with its prefix, then its events. A
    /// batch goes out only while the channel is writable (below the high watermark, half the
    /// server's `writeBufferSize`, which is also the writer's batch limit), so a client that
    /// stopped reading leaves at most about one and a half times that waiting in the server,
    /// beyond its broadcaster queue.
    func startStream(_ body: SSEStreamBody, request: SSERequest, fields: HTTPFields) {
        guard let context else {
            body.end?()
            return
        }
        let configuration = server.configuration.stream
        var (headFields, gzip) = configuration.responseHeaders(acceptEncoding: request.headers[.acceptEncoding])
        headFields.append(contentsOf: body.headerFields)
        headFields.append(contentsOf: fields)
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .ok, headerFields: headFields))), promise: nil)
        guard request.method != .head else {
            body.end?()
            machine.streamEnded()
            endResponseAndClose()
            return
        }
        let direct = isHTTP2Stream ? nil : SSEServer.DirectBody(pipeline: context.pipeline.syncOperations)
        let writer: SSEStreamWriter
        do {
            writer = try SSEStreamWriter(
                gzip: gzip,
                prefix: body.prefix,
                batchLimit: server.writeBufferSize,
                replayUnavailable: body.replayUnavailable,
                allocator: context.channel.allocator,
                headroom: direct == nil ? 0 : SSEServer.DirectBody.headroom,
                metrics: metrics?.streams(route: request.route),
                trace: configuration.tracing.map {
                    $0.stream(parent: $0.parent(of: request.headers), route: request.route)
                }
            )
        } catch {
            body.end?()
            machine.streamEnded()
            context.close(promise: nil)
            return
        }
        let logged = logger.map { _ in (request.method, request.path) }
        defer { scheduleExpiry() }
        switch body.source {
        case .subscription(let subscription):
            let bound = self.bound
            let poll: @Sendable () -> Void = { bound.value.pollSubscription() }
            let loop = eventLoop
            // Called by whoever publishes: one hop to the event loop, no allocation per call.
            let onReady: @Sendable () -> Void
            let spacing = server.configuration.minimumWriteInterval.map(SSEServer.WriteSpacing.init)
            if let spacing {
                onReady = { spacing.schedule(poll, on: loop) }
            } else {
                onReady = { loop.execute(poll) }
            }
            stream = Stream(
                source: .polled(subscription, onReady: onReady, pollAgain: { loop.execute(poll) }),
                writer: writer,
                request: logged,
                direct: direct
            )
            stream?.spacing = spacing
            flushBatch()
            pollSubscription()
        case .pulled(let source):
            stream = Stream(source: .pulled(nil), writer: writer, request: logged, direct: direct)
            flushBatch()
            pull(source, heartbeat: configuration.heartbeat, request: request)
        }
    }

    /// Writes what the subscription has while the socket takes it; when nothing is ready, the
    /// subscription calls `onReady` once something is.
    func pollSubscription() {
        guard let stream, case .polled(let subscription, let onReady, let pollAgain) = stream.source, let context
        else {
            return
        }
        var batches = 0
        while context.channel.isWritable {
            // Fairness: after a few batches, the rest is queued behind the work already
            // waiting on the loop (other connections' polls and tasks).
            guard batches < Self.maximumBatchesPerTurn else {
                pollAgain()
                return
            }
            batches += 1
            let result: SSEBroadcaster.Subscription.PollResult
            do {
                result = try stream.writer.poll(subscription, onReady: onReady)
                if let batch = try stream.writer.takeBatch() {
                    write(batch, of: stream, context: context)
                    stream.spacing?.wrote(on: context.eventLoop)
                }
            } catch {
                // Too slow for the overflow policy, or gzip failed: the client is let go.
                failStream(error)
                return
            }
            switch result {
            case .delivered:
                continue
            case .pending:
                return
            case .finished:
                finishStream()
                return
            }
        }
    }

    /// A stream of the connection's own (events, chunks), pulled on the connection's event loop:
    /// the pulling task is nonisolated, with the loop as its task executor preference, so pulling,
    /// encoding and writing take no thread hop and no job switch per event, whether the source's
    /// iterator implements `next(isolation:)` or only `next()`. Chunks that are ready together go
    /// out with one write and one flush; one that comes alone is flushed as soon as the pull waits.
    private func pull(_ source: any SSEPulledSource, heartbeat: Duration?, request: SSERequest) {
        guard let stream else {
            return
        }
        let bound = self.bound
        if let heartbeat {
            stream.heartbeatTimer = eventLoop.scheduleRepeatedTask(
                initialDelay: TimeAmount(heartbeat),
                delay: TimeAmount(heartbeat)
            ) { _ in
                bound.value.heartbeatTick()
            }
        }
        let sink = SSEServer.LoopSink(handler: bound)
        let logger = self.logger
        stream.source = .pulled(
            Task(executorPreference: EventLoopTaskExecutor(eventLoop)) {
                var ended = true
                do {
                    try await source.pull(into: sink)
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

    /// Takes one chunk of a pulled stream (see ``SSEServer/LoopSink``); whether the channel can
    /// take more.
    func emit(_ chunk: [UInt8]) -> Bool {
        guard let stream, let context else {
            // Closed: the pull is being cancelled.
            return true
        }
        stream.writer.append(chunk)
        if stream.writer.pendingBytes >= stream.writer.batchLimit {
            flushBatch()
        } else if !stream.flushQueued {
            stream.flushQueued = true
            let bound = self.bound
            eventLoop.execute { bound.value.flushBatch() }
        }
        return context.channel.isWritable
    }

    /// Completes once the channel can take more writes; fails once it is closed.
    func whenWritable() -> EventLoopFuture<Void> {
        guard let stream, let context else {
            return eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
        }
        if context.channel.isWritable {
            return eventLoop.makeSucceededVoidFuture()
        }
        let promise = stream.writable ?? eventLoop.makePromise(of: Void.self)
        stream.writable = promise
        return promise.futureResult
    }

    /// Writes and flushes the writer's batch, if it has one.
    func flushBatch() {
        guard let stream, let context else {
            return
        }
        stream.flushQueued = false
        do {
            if let batch = try stream.writer.takeBatch() {
                write(batch, of: stream, context: context)
            } else {
                context.flush()
            }
        } catch {
            failStream(error)
        }
    }

    /// Writes and flushes a batch; a write while the client reads counts against the write
    /// timeout (see ``ConnectionStateMachine/wrote(at:)``), one to a client that stopped reading
    /// (a heartbeat) does not.
    private func write(_ batch: ByteBuffer, of stream: Stream, context: ChannelHandlerContext) {
        if context.channel.isWritable {
            machine.wrote(at: eventLoop.now)
        }
        if let direct = stream.direct {
            direct.write(batch, flush: true)
        } else {
            context.writeAndFlush(wrapOutboundOut(.body(batch)), promise: nil)
        }
    }

    /// A heartbeat interval has passed: a comment goes out if nothing else did meanwhile.
    private func heartbeatTick() {
        if stream?.writer.tick() == true {
            flushBatch()
        }
    }

    /// A pulled stream is done: what is pending goes out, then the gzip trailer and the end; after
    /// an error, the connection just closes (a shutdown's cancellation is an end).
    private func pulled(ended: Bool) {
        guard stream != nil else {
            return
        }
        if ended || machine.isShuttingDown || stream?.expired == true {
            finishStream()
        } else {
            failStream(nil)
        }
    }

    /// The server is stopping: the stream ends (see ``ConnectionStateMachine/Action/endStream(draining:)``).
    func endStream(draining: Bool) {
        guard let stream, let context else {
            return
        }
        switch stream.source {
        case .pulled(let task):
            task?.cancel()
        case .polled(let subscription, _, _):
            guard !draining else {
                return
            }
            // The next poll finds it finished, and ends the response.
            subscription.cancel()
        }
        if !context.channel.isWritable {
            context.close(promise: nil)
        }
    }

    /// Ends the stream, as a shutdown does, at an age drawn between three quarters of the server's
    /// `maximumStreamAge` and all of it.
    private func scheduleExpiry() {
        guard let stream, let age = server.configuration.maximumStreamAge else {
            return
        }
        let nanoseconds = max(1, TimeAmount(age).nanoseconds)
        let bound = self.bound
        stream.expiry = eventLoop.scheduleTask(
            in: .nanoseconds(Int64.random(in: (nanoseconds - nanoseconds / 4)...nanoseconds))
        ) {
            guard let stream = bound.value.stream else {
                return
            }
            stream.expired = true
            bound.value.endStream(draining: false)
        }
    }

    /// The channel can take writes again.
    func resumeStream() {
        if let writable = stream?.writable {
            stream?.writable = nil
            writable.succeed()
        }
        pollSubscription()
    }

    /// Why a stream that ends properly ended: the server stopping, its maximum age, or its source.
    private func closeReason(of stream: Stream) -> SSEMetrics.CloseReason {
        if machine.isShuttingDown {
            return .serverStopping
        }
        if stream.expired {
            return .maximumAge
        }
        if case .polled(let subscription, _, _) = stream.source {
            return SSEMetrics.CloseReason(endOf: subscription)
        }
        return .ended
    }

    /// The stream has ended: its last bytes (and the gzip trailer) go out, then the response's end,
    /// and the connection closes.
    private func finishStream() {
        guard let stream else {
            return
        }
        // Ended by the server, not by its source or client: the client comes back after a delay
        // of its own, so that all do not come back at once.
        if machine.isShuttingDown || stream.expired, let window = server.configuration.reconnectionWindow {
            stream.writer.append(SSEReconnectionJitter.retryField(in: window))
        }
        let last: ByteBuffer?
        do {
            last = try stream.writer.finish(reason: closeReason(of: stream))
        } catch {
            failStream(error)
            return
        }
        if let last {
            // Flushed with the response's end.
            if let direct = stream.direct {
                direct.write(last, flush: false)
            } else {
                context?.write(wrapOutboundOut(.body(last)), promise: nil)
            }
        }
        streamClosed()
        machine.streamEnded()
        endResponseAndClose()
    }

    /// The stream failed (its subscriber too slow, gzip, its source): the connection closes
    /// without the response's end.
    private func failStream(_ error: (any Error)?) {
        if let error, let request = stream?.request {
            logger?.notice(
                "Closed an event stream: \(error)",
                metadata: ["http.method": "\(request.method.rawValue)", "http.path": "\(request.path)"]
            )
        }
        // Without an error, its source failed (and said so in the log).
        streamClosed(error.map { SSEMetrics.CloseReason($0) } ?? .failed)
        machine.streamEnded()
        context?.close(promise: nil)
    }

    /// The stream is done, or its connection is: its source and timers stop, and it is no longer
    /// counted (when it was not counted as closed already, for `reason`: by default its client
    /// went).
    func streamClosed(_ reason: SSEMetrics.CloseReason = .clientGone) {
        guard let stream else {
            return
        }
        self.stream = nil
        stream.expiry?.cancel()
        switch stream.source {
        case .polled(let subscription, _, _):
            subscription.cancel()
        case .pulled(let task):
            task?.cancel()
        }
        stream.heartbeatTimer?.cancel()
        stream.writable?.fail(ChannelError.ioOnClosedChannel)
        stream.writer.close(reason: reason)
    }
}
#endif
