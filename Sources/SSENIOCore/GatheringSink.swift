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
import Synchronization

/// The sink of a source pulled by a task of its own while another writes (the adapters): chunks
/// gather in one buffer, which the writer takes whole; the source waits while `limit` bytes are
/// waiting. A heartbeat tick wakes the writer too, which decides whether a comment goes out.
///
/// The source is pulled on `eventLoop` (see `EventLoopTaskExecutor`) and hands chunks over
/// through a lock, without leaving its executor. The writer is woken by a job queued on that loop
/// with the first chunk of a batch: it runs once the pull has to wait, so the chunks that were
/// ready together are taken together, and one that came alone is taken at once. Without a loop
/// (SwiftNIO's singletons disabled, and none given), the source is pulled on the global executor
/// and each chunk wakes the writer directly.
final class GatheringSink: SSEStreamSink {
    /// What the writer takes: the chunks gathered since it last took, and whether a heartbeat
    /// interval has passed meanwhile.
    struct Gathered {
        var bytes: ByteBuffer
        var chunks: Int
        var ticked: Bool
    }

    private struct State {
        var buffer: ByteBuffer
        var chunks = 0
        var ticked = false
        /// The source has ended: `nil` inside for its end, else its error.
        var ended: (any Error)??
        /// The writer, waiting for chunks.
        var taker: CheckedContinuation<Void, Never>?
        /// The source, waiting for room.
        var producer: CheckedContinuation<Void, any Error>?
        /// The writer or the source is gone.
        var cancelled = false
        /// A job that wakes the writer is queued on the loop.
        var wakeQueued = false

        var hasSomethingToTake: Bool {
            buffer.readableBytes > 0 || ticked || ended != nil || cancelled
        }
    }

    private enum Taken {
        case gathered(Gathered, wakes: CheckedContinuation<Void, any Error>?)
        case ended
        case failed(any Error)
        case cancelled
        case nothing
    }

    private let allocator: ByteBufferAllocator
    private let limit: Int
    /// Where the source is pulled; `nil` for the global executor.
    let eventLoop: (any EventLoop)?
    private let state: Mutex<State>

    init(allocator: ByteBufferAllocator, limit: Int, eventLoop: (any EventLoop)?) {
        self.allocator = allocator
        self.limit = limit
        self.eventLoop = eventLoop
        state = Mutex(State(buffer: allocator.buffer(capacity: 256)))
    }

    func emit(_ chunk: [UInt8]) -> Bool {
        let (queueWake, hasRoom) = state.withLock { state in
            state.buffer.writeBytes(chunk)
            state.chunks += 1
            let queueWake = !state.wakeQueued
            state.wakeQueued = true
            return (queueWake, state.buffer.readableBytes < limit)
        }
        if queueWake {
            if let eventLoop {
                eventLoop.execute { self.wakeTaker() }
            } else {
                wakeTaker()
            }
        }
        return hasRoom
    }

    /// Wakes the writer, if it waits: the pull has paused (or the writer had the loop's turn).
    private func wakeTaker() {
        let taker = state.withLock { state in
            state.wakeQueued = false
            return state.taker.take()
        }
        taker?.resume()
    }

    func waitUntilWritable() async throws {
        // The source's task is cancelled when the writer is done (the client went): the wait
        // ends then too, so the task does not outlive the response.
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Result<Void, any Error>? = state.withLock { state in
                    if state.cancelled {
                        return .failure(CancellationError())
                    }
                    if state.buffer.readableBytes < limit {
                        return .success(())
                    }
                    state.producer = continuation
                    return nil
                }
                if let resumeNow {
                    continuation.resume(with: resumeNow)
                }
            }
        } onCancel: {
            cancel()
        }
    }

    /// The source has ended, or failed.
    func finish(_ error: (any Error)?) {
        let taker = state.withLock { state in
            state.ended = .some(error)
            return state.taker.take()
        }
        taker?.resume()
    }

    /// A heartbeat interval has passed.
    func tick() {
        let taker = state.withLock { state in
            state.ticked = true
            return state.taker.take()
        }
        taker?.resume()
    }

    /// What has gathered, waiting for something; `nil` at the end. Throws the source's error, or
    /// `CancellationError` when the writing task is cancelled.
    func take() async throws -> Gathered? {
        while true {
            switch takeNow() {
            case .gathered(let gathered, let producer):
                producer?.resume()
                return gathered
            case .ended:
                return nil
            case .failed(let error):
                throw error
            case .cancelled:
                throw CancellationError()
            case .nothing:
                break
            }
            if Task.isCancelled {
                cancel()
                throw CancellationError()
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let wakeNow = state.withLock { state in
                        if state.hasSomethingToTake {
                            return true
                        }
                        state.taker = continuation
                        return false
                    }
                    if wakeNow {
                        continuation.resume()
                    }
                }
            } onCancel: {
                cancel()
            }
        }
    }

    private func takeNow() -> Taken {
        state.withLock { state in
            if state.buffer.readableBytes > 0 || state.ticked {
                let gathered = Gathered(bytes: state.buffer, chunks: state.chunks, ticked: state.ticked)
                state.buffer = allocator.buffer(capacity: max(256, gathered.bytes.readableBytes))
                state.chunks = 0
                state.ticked = false
                return .gathered(gathered, wakes: state.producer.take())
            }
            if let ended = state.ended {
                return ended.map { .failed($0) } ?? .ended
            }
            return state.cancelled ? .cancelled : .nothing
        }
    }

    /// The writer or the source is gone: whoever waits is woken.
    private func cancel() {
        let (taker, producer) = state.withLock { state in
            state.cancelled = true
            return (state.taker.take(), state.producer.take())
        }
        taker?.resume()
        producer?.resume(throwing: CancellationError())
    }
}
#endif
