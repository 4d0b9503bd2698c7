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

/// The sink of a source pulled by a task of its own while another writes (the adapters): chunks
/// gather in one buffer, which the writer takes whole; the source waits while `limit` bytes are
/// waiting. A heartbeat tick wakes the writer too, which decides whether a comment goes out.
actor GatheringSink: SSEStreamSink {
    /// What the writer takes: the chunks gathered since it last took, and whether a heartbeat
    /// interval has passed meanwhile.
    struct Gathered {
        var bytes: ByteBuffer
        var chunks: Int
        var ticked: Bool
    }

    private let allocator: ByteBufferAllocator
    private let limit: Int
    private var buffer: ByteBuffer
    private var chunks = 0
    private var ticked = false
    /// The source has ended: `nil` inside for its end, else its error.
    private var ended: (any Error)??
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
        wakeTaker()
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
        wakeTaker()
    }

    /// A heartbeat interval has passed.
    func tick() {
        ticked = true
        wakeTaker()
    }

    /// What has gathered, waiting for something; `nil` at the end. Throws the source's error, or
    /// `CancellationError` when the writing task is cancelled.
    func take() async throws -> Gathered? {
        while buffer.readableBytes == 0 && !ticked {
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
        let gathered = Gathered(bytes: buffer, chunks: chunks, ticked: ticked)
        buffer = allocator.buffer(capacity: max(256, gathered.bytes.readableBytes))
        chunks = 0
        ticked = false
        producer?.resume()
        producer = nil
        return gathered
    }

    private func wakeTaker() {
        taker?.resume()
        taker = nil
    }

    /// The writer or the source is gone: whoever waits is woken.
    private func cancel() {
        cancelled = true
        wakeTaker()
        producer?.resume(throwing: CancellationError())
        producer = nil
    }
}
#endif
