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
public import SSECodec
public import SSECompression
public import SSEStreaming

/// The body of an event stream, for any HTTP server on SwiftNIO: the embedded server and the
/// framework adapters write their streams with it.
///
/// ``write(gzip:heartbeat:allocator:metrics:to:)`` hands the server one buffer per batch: every chunk
/// already waiting goes out with one write and one flush, and none waits for another. With gzip,
/// each batch is compressed and sync-flushed, so the client can decode every event on arrival.
///
/// When the client goes, the stream must end at once, even while it is quiet. A broadcaster
/// subscription can be ended from the connection's close callback: ``end`` does it. Any other
/// source ends only when the task writing it is cancelled.
public struct SSEStreamBody: Sendable {
    /// Appends the next chunks to the buffer, waiting for the first; how many it appended, 0 at
    /// the end.
    typealias Read = (inout ByteBuffer) async throws -> Int

    private let makeReader: @Sendable (_ heartbeat: Duration?) -> Read

    /// Ends the stream from outside, from any thread, so that a waiting write returns: set for
    /// broadcaster subscriptions; `nil` when only cancelling the writing task can end the stream.
    public let end: (@Sendable () -> Void)?

    /// The subscription, when the body is one: the embedded server polls it from the connection's
    /// event loop instead of running a task.
    package let subscription: SSEBroadcaster.Subscription?

    /// Pulls the source on the sink's executor (for the embedded server, the connection's event
    /// loop), encoding each element into the sink: no thread hop per event when the source can
    /// produce on the caller's executor. `nil` for a subscription, which is polled instead.
    package let pull: (@Sendable (any SSEStreamSink) async throws -> Void)?

    /// Bytes written before the first event, with the response's head (see
    /// ``startingWith(_:)``); empty by default.
    public private(set) var prefix: [UInt8] = []

    private init(
        end: (@Sendable () -> Void)?,
        subscription: SSEBroadcaster.Subscription? = nil,
        pull: (@Sendable (any SSEStreamSink) async throws -> Void)? = nil,
        makeReader: @escaping @Sendable (_ heartbeat: Duration?) -> Read
    ) {
        self.end = end
        self.subscription = subscription
        self.pull = pull
        self.makeReader = makeReader
    }

    /// The same stream, which first sends `prefix` (encoded fields or comments, such as a
    /// `retry:` field or padding), flushed with the response's head.
    ///
    /// Some clients see a response only once body bytes arrive: Chromium's `XMLHttpRequest`
    /// reports nothing of a stream whose head came alone, and some proxies hold back a
    /// response's first bytes. A prefix opens the stream for them before the first event.
    ///
    /// ```swift
    /// let body = SSEStreamBody.subscription(subscription).startingWith(Array("retry: 2000\n\n".utf8))
    /// ```
    ///
    /// - Parameter prefix: Bytes of the event stream format, written before everything else.
    /// - Returns: The stream with the prefix.
    public func startingWith(_ prefix: [UInt8]) -> Self {
        var body = self
        body.prefix = prefix
        return body
    }

    /// A broadcaster subscription: events already waiting go out together.
    public static func subscription(_ subscription: SSEBroadcaster.Subscription) -> Self {
        Self(
            end: { subscription.cancel() },
            subscription: subscription,
            makeReader: { _ in
                var iterator = subscription.makeAsyncIterator()
                return { buffer in
                    var chunks = 0
                    _ = try await iterator.nextBatch {
                        buffer.writeBytes($0)
                        chunks += 1
                    }
                    return chunks
                }
            }
        )
    }

    /// Encoded chunks, each written and flushed as it comes.
    public static func chunks<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks) -> Self
    where Chunks.Element == [UInt8] {
        Self(
            end: nil,
            pull: { sink in try await pullChunks(chunks, into: sink) },
            makeReader: { _ in reader(chunks) }
        )
    }

    /// Events, encoded one chunk each, with a heartbeat comment whenever they go quiet for the
    /// `heartbeat` given to ``write(gzip:heartbeat:allocator:metrics:to:)``.
    public static func events<Events: AsyncSequence & Sendable>(_ events: Events) -> Self
    where Events.Element == ServerSentEvent {
        Self(
            end: nil,
            pull: { sink in try await pullEvents(events, into: sink) },
            makeReader: { heartbeat in reader(events.encodedServerSentEvents(heartbeat: heartbeat)) }
        )
    }

    /// Encodes the events into the sink, on its executor, until they end or the task is cancelled.
    private static func pullEvents<Events: AsyncSequence, Sink: SSEStreamSink>(
        _ events: Events,
        into sink: isolated Sink
    ) async throws where Events.Element == ServerSentEvent {
        let encoder = SSEEncoder()
        var scratch: [UInt8] = []
        scratch.reserveCapacity(256)
        var iterator = events.makeAsyncIterator()
        while let event = try await iterator.next(isolation: #isolation) {
            try Task.checkCancellation()
            scratch.removeAll(keepingCapacity: true)
            try encoder.encode(event, into: &scratch)
            if !sink.emit(scratch) {
                try await sink.waitUntilWritable()
            }
        }
    }

    /// Hands the chunks to the sink, on its executor, until they end or the task is cancelled.
    private static func pullChunks<Chunks: AsyncSequence, Sink: SSEStreamSink>(
        _ chunks: Chunks,
        into sink: isolated Sink
    ) async throws where Chunks.Element == [UInt8] {
        var iterator = chunks.makeAsyncIterator()
        while let chunk = try await iterator.next(isolation: #isolation) {
            try Task.checkCancellation()
            if !sink.emit(chunk) {
                try await sink.waitUntilWritable()
            }
        }
    }

    private static func reader<Chunks: AsyncSequence>(_ chunks: Chunks) -> Read where Chunks.Element == [UInt8] {
        var iterator = chunks.makeAsyncIterator()
        return { buffer in
            guard let chunk = try await iterator.next() else {
                return 0
            }
            buffer.writeBytes(chunk)
            return 1
        }
    }

    /// Writes the stream until it ends: one call of `write` per batch of chunks, then, with gzip,
    /// one for the gzip trailer. The response's end is the caller's to write.
    ///
    /// - Parameters:
    ///   - gzip: The negotiated gzip parameters (see
    ///     ``SSEStreamConfiguration/responseHeaders(acceptEncoding:)``); `nil` for none.
    ///   - heartbeat: The heartbeat interval for ``events(_:)`` streams.
    ///   - allocator: Allocates the buffers.
    ///   - metrics: Where the stream is counted (see ``SSEMetrics``); `nil` for nowhere.
    ///   - write: Writes and flushes one buffer.
    /// - Throws: The source's error, a compression error, or `write`'s error.
    public func write(
        gzip: SSEGzipEncoder.Configuration?,
        heartbeat: Duration?,
        allocator: ByteBufferAllocator = ByteBufferAllocator(),
        metrics: SSEMetrics? = nil,
        to write: (ByteBuffer) async throws -> Void
    ) async throws {
        metrics?.streamOpened(replayUnavailable: subscription?.replayUnavailable ?? false)
        defer { metrics?.streamClosed() }
        var compressor = try gzip.map { configuration throws(SSECompressionError) in
            try BatchCompressor(configuration)
        }
        let read: Read
        // A source of the connection's own is pulled by a task of its own into a gathering
        // buffer, and this task writes whatever has gathered: one hand-off per batch of ready
        // events rather than per event, and at most `gatheringLimit` bytes waiting.
        var producer: Task<Void, Never>?
        var ticker: Task<Void, Never>?
        if let pull {
            let sink = GatheringSink(allocator: allocator, limit: Self.gatheringLimit)
            producer = Task {
                do {
                    try await pull(sink)
                    await sink.finish(nil)
                } catch {
                    await sink.finish(error)
                }
            }
            if let heartbeat {
                ticker = Task {
                    while (try? await Task.sleep(for: heartbeat)) != nil {
                        await sink.tick()
                    }
                }
            }
            read = { buffer in
                guard let (gathered, chunks) = try await sink.take() else {
                    return 0
                }
                buffer = gathered
                return chunks
            }
        } else {
            read = makeReader(heartbeat)
        }
        defer {
            producer?.cancel()
            ticker?.cancel()
        }
        if !prefix.isEmpty {
            var buffer = allocator.buffer(bytes: prefix)
            if compressor != nil {
                buffer = try compressor!.compress(buffer, allocator: allocator)
            }
            metrics?.wrote(chunks: 0, bytes: buffer.readableBytes)
            try await write(buffer)
        }
        while true {
            // A new buffer per batch: the previous one may still be being written, and an idle
            // stream then holds none.
            var buffer = allocator.buffer(capacity: 128)
            let chunks: Int
            do {
                chunks = try await read(&buffer)
            } catch let error as SSEBroadcasterError where error == .subscriberTooSlow {
                metrics?.subscriberCut()
                throw error
            }
            guard chunks > 0 else {
                break
            }
            if compressor != nil {
                buffer = try compressor!.compress(buffer, allocator: allocator)
            }
            metrics?.wrote(chunks: chunks, bytes: buffer.readableBytes)
            try await write(buffer)
        }
        if compressor != nil {
            let trailer = try compressor!.finish(allocator: allocator)
            metrics?.wrote(chunks: 0, bytes: trailer.readableBytes)
            try await write(trailer)
        }
    }
}

extension SSEStreamBody {
    /// The most bytes a pulled source gathers before it waits for the writer.
    static let gatheringLimit = 16 * 1024
}

/// The sink of a source pulled by a task of its own while another writes (the adapters): chunks
/// gather in one buffer, which the writer takes whole; the source waits while `limit` bytes are
/// waiting, and a heartbeat comment goes in when nothing did for a heartbeat interval.
actor GatheringSink: SSEStreamSink {
    private let allocator: ByteBufferAllocator
    private let limit: Int
    private var buffer: ByteBuffer
    private var chunks = 0
    /// The source has ended: `nil` inside for its end, else its error.
    private var ended: (any Error)??
    private var wroteSinceTick = false
    /// The writer, waiting for chunks.
    private var taker: CheckedContinuation<Void, Never>?
    /// The source, waiting for room.
    private var producer: CheckedContinuation<Void, any Error>?
    private var cancelled = false

    init(allocator: ByteBufferAllocator, limit: Int) {
        self.allocator = allocator
        self.limit = limit
        buffer = allocator.buffer(capacity: 256)
    }

    func emit(_ chunk: [UInt8]) -> Bool {
        buffer.writeBytes(chunk)
        chunks += 1
        wroteSinceTick = true
        taker?.resume()
        taker = nil
        return buffer.readableBytes < limit
    }

    func waitUntilWritable() async throws {
        while buffer.readableBytes >= limit {
            if cancelled || Task.isCancelled {
                throw CancellationError()
            }
            // The source's task is cancelled when the writer is done (the client went): the wait
            // ends then too, so the task does not outlive the response.
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { producer = $0 }
            } onCancel: {
                Task { await self.cancel() }
            }
        }
    }

    /// The source has ended, or failed.
    func finish(_ error: (any Error)?) {
        ended = .some(error)
        taker?.resume()
        taker = nil
    }

    /// A heartbeat interval has passed: a comment goes in unless something else did.
    func tick() {
        if !wroteSinceTick {
            _ = emit([UInt8(ascii: ":"), UInt8(ascii: "\n")])
        }
        wroteSinceTick = false
    }

    /// What has gathered, waiting for something; `nil` at the end. Throws the source's error, or
    /// `CancellationError` when the writing task is cancelled.
    func take() async throws -> (ByteBuffer, Int)? {
        while buffer.readableBytes == 0 {
            if let ended {
                if let error = ended {
                    throw error
                }
                return nil
            }
            if Task.isCancelled || cancelled {
                cancel()
                throw CancellationError()
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { taker = $0 }
            } onCancel: {
                Task { await self.cancel() }
            }
        }
        let gathered = buffer
        let count = chunks
        buffer = allocator.buffer(capacity: max(256, gathered.readableBytes))
        chunks = 0
        producer?.resume()
        producer = nil
        return (gathered, count)
    }

    /// The writer or the source is gone: whoever waits is woken.
    private func cancel() {
        cancelled = true
        taker?.resume()
        taker = nil
        producer?.resume(throwing: CancellationError())
        producer = nil
    }
}

/// Where a server's connection takes a stream's chunks, on the executor the source is pulled on:
/// an actor whose executor is the connection's event loop, so that pulling, encoding and writing
/// run on one thread.
package protocol SSEStreamSink: Actor {
    /// Takes one encoded chunk (an event, a comment); whether the connection can take more now.
    /// After `false`, the source waits for ``waitUntilWritable()`` before it is pulled again.
    func emit(_ chunk: [UInt8]) -> Bool

    /// Returns once the connection can take more; throws once it is gone.
    func waitUntilWritable() async throws
}

/// gzip for an event stream written in batches: each batch compressed and sync-flushed on its own,
/// so that the client can decode every event on arrival; then the trailer.
package struct BatchCompressor: ~Copyable {
    private var encoder: SSEGzipEncoder
    private var compressed: [UInt8] = []

    package init(_ configuration: SSEGzipEncoder.Configuration) throws(SSECompressionError) {
        encoder = try SSEGzipEncoder(configuration: configuration)
    }

    /// The batch, compressed and flushed.
    package mutating func compress(
        _ batch: ByteBuffer,
        allocator: ByteBufferAllocator
    ) throws(SSECompressionError) -> ByteBuffer {
        compressed.removeAll(keepingCapacity: true)
        try encoder.compressAndFlush(batch.readableBytesView, into: &compressed)
        return allocator.buffer(bytes: compressed)
    }

    /// The end of the gzip stream.
    package mutating func finish(allocator: ByteBufferAllocator) throws(SSECompressionError) -> ByteBuffer {
        compressed.removeAll(keepingCapacity: true)
        try encoder.finish(into: &compressed)
        return allocator.buffer(bytes: compressed)
    }
}
#endif
