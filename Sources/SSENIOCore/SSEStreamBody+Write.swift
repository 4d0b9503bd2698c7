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
public import NIOCore
import NIOPosix
public import SSECompression
import SSEStreaming
public import Tracing

extension SSEStreamBody {
    /// The most bytes a batch takes in the adapters' writer task: a pulled source waits while
    /// this many are gathered and not yet taken.
    static let gatheringLimit = 16 * 1024

    /// Writes the stream until it ends, from the calling task (the adapters' writer): one call of
    /// `write` per batch of chunks, then, with gzip, one for the gzip trailer. The response's end
    /// is the caller's to write.
    ///
    /// A source of the connection's own is pulled by a task of its own, on `eventLoop`, into a
    /// gathering buffer, and this task writes whatever has gathered: one hand-off per batch of
    /// ready events rather than per event (see `EventLoopTaskExecutor`).
    ///
    /// - Parameters:
    ///   - gzip: The negotiated gzip parameters (see
    ///     ``SSEStreamConfiguration/responseHeaders(acceptEncoding:)``); `nil` for none.
    ///   - heartbeat: The heartbeat interval for streams other than subscriptions (a
    ///     broadcaster sends its own).
    ///   - allocator: Allocates the buffers.
    ///   - metrics: Where the stream is counted (see ``SSEMetrics``); `nil` for nowhere.
    ///   - route: The pattern of the route that answered (`/rooms/:room/events`, never the path
    ///     as sent), for the metrics' `route` dimension and the span's `http.route`; `nil`:
    ///     `unknown`.
    ///   - tracing: Where the stream's spans go (see ``SSETracing``); `nil` for nowhere.
    ///   - traceParent: The context the stream's span continues (the request's); `nil`: the
    ///     task's, or none.
    ///   - eventLoop: Where a source of the connection's own is pulled: the connection's event
    ///     loop when the server tells it (Vapor's `request.eventLoop`); `nil` for one of
    ///     `MultiThreadedEventLoopGroup.singleton`'s, or the global executor when SwiftNIO's
    ///     singletons are disabled (`NIOSingletons.singletonsEnabledSuggestion`).
    ///   - write: Writes and flushes one buffer.
    /// - Throws: The source's error, a compression error, or `write`'s error.
    public func write(
        gzip: SSEGzipEncoder.Configuration?,
        heartbeat: Duration?,
        allocator: ByteBufferAllocator = ByteBufferAllocator(),
        metrics: SSEMetrics? = nil,
        route: String? = nil,
        tracing: SSETracing? = nil,
        traceParent: ServiceContext? = nil,
        eventLoop: (any EventLoop)? = nil,
        to write: (ByteBuffer) async throws -> Void
    ) async throws {
        var writer = try SSEStreamWriter(
            gzip: gzip,
            prefix: prefix,
            batchLimit: Self.gatheringLimit,
            replayUnavailable: replayUnavailable,
            allocator: allocator,
            metrics: metrics?.streams(route: route),
            trace: tracing?.stream(parent: traceParent ?? .current ?? .topLevel, route: route)
        )
        do {
            if let first = try writer.takeBatch() {
                try await write(first)
            }
            switch source {
            case .subscription(let subscription):
                var iterator = subscription.makeAsyncIterator()
                while try await writer.appendNextBatch(of: &iterator) {
                    if let batch = try writer.takeBatch() {
                        try await write(batch)
                    }
                }
            case .pulled(let source):
                let loop =
                    eventLoop
                    ?? (NIOSingletons.singletonsEnabledSuggestion ? MultiThreadedEventLoopGroup.singleton.any() : nil)
                let sink = GatheringSink(allocator: allocator, limit: Self.gatheringLimit, eventLoop: loop)
                let producer = Task(executorPreference: loop.map { EventLoopTaskExecutor($0) }) {
                    do {
                        try await source.pull(into: sink)
                        sink.finish(nil)
                    } catch {
                        sink.finish(error)
                    }
                }
                let ticker = heartbeat.map { heartbeat in
                    Task {
                        while (try? await Task.sleep(for: heartbeat)) != nil {
                            sink.tick()
                        }
                    }
                }
                defer {
                    producer.cancel()
                    ticker?.cancel()
                }
                while let gathered = try await sink.take() {
                    writer.append(gathered.bytes, chunks: gathered.chunks)
                    if gathered.ticked {
                        _ = writer.tick()
                    }
                    if let batch = try writer.takeBatch() {
                        try await write(batch)
                    }
                }
            }
            // A subscription its server cancelled (the client went) ends as one that finished.
            if let last = try writer.finish(reason: closeReasonAtEnd) {
                try await write(last)
            }
        } catch {
            writer.close(reason: wasCancelled || error is ChannelError ? .clientGone : SSEMetrics.CloseReason(error))
            throw error
        }
    }
}
#endif
