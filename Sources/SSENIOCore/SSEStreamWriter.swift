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
package import NIOCore
import SSECodec
package import SSECompression
package import SSEStreaming
import Tracing

/// The one writer of an event stream's bytes, for every server on SwiftNIO: the embedded server
/// drives it from a connection's event loop, the Hummingbird and Vapor adapters from their writer
/// task.
///
/// Chunks (events, comments) are appended to a batch; ``takeBatch()`` hands over everything since
/// the previous call as one buffer, to be written with one write and one flush, so that events
/// ready together share a system call and none waits for another. With gzip, each batch is
/// compressed and sync-flushed, so the client can decode every event on arrival; ``finish()``
/// adds the gzip trailer. What is written is counted in ``SSEMetrics``.
///
/// The driver decides when to take a batch (when its source waits, or when a batch reaches
/// ``batchLimit``); the writer decides what the bytes are.
package struct SSEStreamWriter: ~Copyable {
    /// A batch this large is taken without waiting for the source to pause.
    package let batchLimit: Int
    private let allocator: ByteBufferAllocator
    private let metrics: SSEMetrics.Streams?
    /// The stream's spans, when traced.
    private let trace: StreamTrace?
    /// The span of the batch being gathered, from its first hand-over to ``takeBatch()``.
    private var delivery: (any Span)?
    /// Chunks written over the stream's life, for its span.
    private var chunksWritten = 0
    private var compressor: BatchCompressor?
    /// The bytes since the last batch; `nil` between batches, so that a quiet stream holds no
    /// buffer.
    private var batch: ByteBuffer?
    /// The chunks in `batch`, for the metrics (a prefix is none).
    private var chunks = 0
    /// The capacity of the next batch's buffer: sized like the previous batch, so that filling
    /// it rarely grows it.
    private var nextCapacity = 256
    /// Something was appended since the last heartbeat tick.
    private var wroteSinceTick = false
    /// ``close(reason:)`` or ``finish(reason:)`` ended the stream's count and span.
    private var closed = false
    /// Bytes kept free before each batch's bytes, and two after them, for the driver to frame
    /// the batch in place (the embedded server writes an HTTP/1.1 chunk's size line there).
    private let headroom: Int

    /// A stream begins: counted in `metrics`, with `prefix` (see
    /// ``SSEStreamBody/startingWith(_:)``) as its first bytes.
    ///
    /// - Parameters:
    ///   - gzip: The negotiated gzip parameters; `nil` for none.
    ///   - prefix: Bytes written before the first event, with no chunk counted.
    ///   - batchLimit: The batch size at which the driver should take a batch at once.
    ///   - replayUnavailable: Why the stream, a subscription, cannot replay after its
    ///     `Last-Event-ID` (a replay miss in the metrics); `nil` when it can.
    ///   - allocator: Allocates the batches.
    ///   - headroom: Bytes to keep free before each batch's bytes (and two after them), for the
    ///     driver to frame it in place; `0` for none.
    ///   - metrics: Where the stream is counted (its route's); `nil` for nowhere.
    ///   - trace: The stream's span (see ``SSETracing``), ended when the stream closes; `nil`
    ///     for none.
    /// - Throws: ``SSECompressionError`` when zlib cannot start.
    package init(
        gzip: SSEGzipEncoder.Configuration?,
        prefix: [UInt8] = [],
        batchLimit: Int = 16 * 1024,
        replayUnavailable: SSEBroadcaster.ReplayUnavailableReason? = nil,
        allocator: ByteBufferAllocator,
        headroom: Int = 0,
        metrics: SSEMetrics.Streams?,
        trace: StreamTrace? = nil
    ) throws(SSECompressionError) {
        self.batchLimit = batchLimit
        self.allocator = allocator
        self.headroom = headroom
        self.metrics = metrics
        self.trace = trace
        compressor = try gzip.map { configuration throws(SSECompressionError) in
            try BatchCompressor(configuration)
        }
        metrics?.streamOpened(replayUnavailable: replayUnavailable)
        if !prefix.isEmpty {
            var batch = Self.buffer(capacity: prefix.count, headroom: headroom, allocator: allocator)
            batch.writeBytes(prefix)
            self.batch = batch
        }
    }

    /// An empty buffer for `capacity` bytes, with `headroom` free bytes before them and two
    /// after them.
    package static func buffer(capacity: Int, headroom: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        guard headroom > 0 else {
            return allocator.buffer(capacity: capacity)
        }
        var buffer = allocator.buffer(capacity: headroom + capacity + 2)
        buffer.moveWriterIndex(forwardBy: headroom)
        buffer.moveReaderIndex(forwardBy: headroom)
        return buffer
    }

    /// The bytes waiting for the next batch.
    package var pendingBytes: Int {
        batch?.readableBytes ?? 0
    }

    /// Appends one chunk (an encoded event, a comment).
    package mutating func append(_ chunk: [UInt8]) {
        if batch == nil {
            batch = Self.buffer(capacity: max(nextCapacity, chunk.count), headroom: headroom, allocator: allocator)
        }
        batch!.writeBytes(chunk)
        chunks += 1
        wroteSinceTick = true
    }

    /// Appends `count` chunks gathered in one buffer (taken whole when nothing else waits).
    package mutating func append(_ gathered: ByteBuffer, chunks count: Int) {
        if batch == nil {
            batch = gathered
        } else {
            batch!.writeImmutableBuffer(gathered)
        }
        chunks += count
        wroteSinceTick = count > 0 || wroteSinceTick
    }

    /// Appends what `subscription` has ready, without waiting: the embedded server's path, which
    /// polls from the event loop instead of running a task per connection.
    ///
    /// - Parameters:
    ///   - subscription: The broadcaster subscription.
    ///   - onReady: Called once when something is ready, if nothing is now.
    /// - Returns: What the poll found.
    /// - Throws: ``SSEBroadcasterError/subscriberTooSlow`` (counted) when the overflow policy
    ///   disconnected the subscriber.
    package mutating func poll(
        _ subscription: SSEBroadcaster.Subscription,
        onReady: @escaping @Sendable () -> Void
    ) throws(SSEBroadcasterError) -> SSEBroadcaster.Subscription.PollResult {
        if batch == nil {
            batch = Self.buffer(capacity: nextCapacity, headroom: headroom, allocator: allocator)
        }
        var report = SSEBroadcaster.Subscription.DeliveryReport(
            measuresLatency: metrics != nil,
            collectsContexts: trace != nil
        )
        do {
            // Three quarters of the limit, so that the event that crosses it rarely outgrows the
            // buffer (ByteBuffer doubles its capacity).
            let result = try subscription.poll(
                maximumBytes: batchLimit * 3 / 4,
                onReady: onReady,
                report: &report
            ) { batch!.writeBytes($0) }
            chunks += report.chunks
            wroteSinceTick = wroteSinceTick || report.chunks > 0
            metrics?.delivered(report)
            if trace != nil, report.chunks > 0 {
                traceDelivery(report.contexts)
            }
            return result
        } catch {
            if error == .subscriberTooSlow {
                metrics?.subscriberCut()
            }
            throw error
        }
    }

    /// Appends the next batch of a subscription, waiting for it: the adapters' path.
    ///
    /// - Returns: `false` at the end of the subscription.
    /// - Throws: What the subscription throws; ``SSEBroadcasterError/subscriberTooSlow`` is counted.
    package mutating func appendNextBatch(
        of iterator: inout SSEBroadcaster.Subscription.AsyncIterator
    ) async throws -> Bool {
        do {
            guard metrics != nil || trace != nil else {
                return try await iterator.nextBatch(maximumBytes: batchLimit) { append($0) }
            }
            iterator.report = SSEBroadcaster.Subscription.DeliveryReport(
                measuresLatency: metrics != nil,
                collectsContexts: trace != nil
            )
            let more = try await iterator.nextBatch(maximumBytes: batchLimit) { append($0) }
            metrics?.delivered(iterator.report)
            if more, trace != nil {
                traceDelivery(iterator.report.contexts)
            }
            return more
        } catch let error as SSEBroadcasterError where error == .subscriberTooSlow {
            metrics?.subscriberCut()
            throw error
        }
    }

    /// Starts the gathering batch's span if it has none, and links it to the publishes of what
    /// was handed over.
    private mutating func traceDelivery(_ contexts: [any Sendable]) {
        guard let trace else {
            return
        }
        if delivery == nil {
            delivery = trace.delivery()
        }
        StreamTrace.link(delivery!, to: contexts)
    }

    /// A heartbeat interval has passed: appends a heartbeat comment unless something else was
    /// appended since the previous tick.
    ///
    /// - Returns: Whether a heartbeat was appended.
    package mutating func tick() -> Bool {
        defer { wroteSinceTick = false }
        guard !wroteSinceTick else {
            return false
        }
        append(SSEEncoder.heartbeat)
        return true
    }

    /// What was appended since the last batch, compressed and sync-flushed when gzip is on, and
    /// counted; `nil` when nothing was.
    ///
    /// - Throws: ``SSECompressionError`` when zlib fails; the stream must then end without its end.
    package mutating func takeBatch() throws(SSECompressionError) -> ByteBuffer? {
        guard var taken = batch else {
            return nil
        }
        // An empty buffer (a poll that found nothing) is let go too: a quiet stream holds none.
        batch = nil
        guard taken.readableBytes > 0 else {
            return nil
        }
        nextCapacity = min(max(256, taken.readableBytes + taken.readableBytes / 8), batchLimit)
        if compressor != nil {
            taken = try compressor!.compress(taken, allocator: allocator, headroom: headroom)
        }
        metrics?.wrote(chunks: chunks, bytes: taken.readableBytes)
        chunksWritten += chunks
        if let delivery {
            delivery.attributes["sse.events"] = chunks
            delivery.end()
            self.delivery = nil
        }
        chunks = 0
        return taken
    }

    /// The stream's last bytes: what is pending, then the gzip trailer; `nil` when there are
    /// none. The stream is no longer counted; it closed for `reason`.
    ///
    /// - Throws: ``SSECompressionError`` when zlib fails.
    package mutating func finish(reason: SSEMetrics.CloseReason = .ended) throws(SSECompressionError) -> ByteBuffer? {
        var last: ByteBuffer?
        do {
            last = try takeBatch()
            if compressor != nil {
                let trailer = try compressor!.finish(allocator: allocator)
                metrics?.wrote(chunks: 0, bytes: trailer.readableBytes)
                if last == nil {
                    last = trailer
                } else {
                    last!.writeImmutableBuffer(trailer)
                }
            }
        } catch {
            close(reason: .failed)
            throw error
        }
        close(reason: reason)
        return last
    }

    /// The stream has ended without its end (an error, the client went): it is no longer
    /// counted; it closed for `reason`. Calling it again does nothing.
    package mutating func close(reason: SSEMetrics.CloseReason) {
        guard !closed else {
            return
        }
        closed = true
        metrics?.streamClosed(reason)
        if let trace {
            delivery?.end()
            delivery = nil
            trace.end(reason: reason, chunks: chunksWritten)
        }
    }
}
#endif
