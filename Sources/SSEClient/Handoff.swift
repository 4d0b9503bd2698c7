#if AsyncHTTPClientSupport
import Synchronization

/// Hands batches from a session's task to the iterator that reads them, one batch at a time: the
/// session waits until the iterator has taken its batch before it reads more from the network, so
/// a slow reader slows the connection down (TCP back pressure) instead of growing a buffer.
final class Handoff: Sendable {
    enum Item: Sendable {
        case update(SSEClient.Update)
        /// An error the reader sees where it happened; the session goes on (a dropped event).
        case failure(SSEClientError)
    }

    private enum State {
        case idle
        case batchWaiting([Item], CheckedContinuation<Bool, Never>)
        case readerWaiting(CheckedContinuation<Result<[Item]?, SSEClientError>, Never>)
        case finished(SSEClientError?)
        case cancelled
    }

    private let state = Mutex(State.idle)

    /// Passes a batch to the reader, waiting until it is taken.
    ///
    /// - Returns: `false` if the reader is gone: the session should stop.
    func send(_ batch: [Item]) async -> Bool {
        let taken: Bool? = state.withLock { state in
            switch state {
            case .readerWaiting(let reader):
                state = .idle
                reader.resume(returning: .success(batch))
                return true
            case .cancelled, .finished:
                return false
            case .idle, .batchWaiting:
                return nil
            }
        }
        if let taken {
            return taken
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let resumeNow: Bool? = state.withLock { state in
                    switch state {
                    case .idle:
                        state = .batchWaiting(batch, continuation)
                        return nil
                    case .readerWaiting(let reader):
                        state = .idle
                        reader.resume(returning: .success(batch))
                        return true
                    case .cancelled, .finished, .batchWaiting:
                        return false
                    }
                }
                if let resumeNow {
                    continuation.resume(returning: resumeNow)
                }
            }
        } onCancel: {
            cancel()
        }
    }

    /// Ends the session: the reader gets `nil`, or `error`, once it has taken every batch.
    func finish(_ error: SSEClientError?) {
        state.withLock { state in
            switch state {
            case .readerWaiting(let reader):
                state = .finished(nil)
                reader.resume(returning: error.map { .failure($0) } ?? .success(nil))
            case .idle:
                state = .finished(error)
            case .batchWaiting, .finished, .cancelled:
                break
            }
        }
    }

    /// The next batch; `nil` at the end, or once the reading task is cancelled.
    func receive() async throws(SSEClientError) -> [Item]? {
        let result: Result<[Item]?, SSEClientError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now: Result<[Item]?, SSEClientError>? = state.withLock { state in
                    switch state {
                    case .batchWaiting(let batch, let session):
                        state = .idle
                        session.resume(returning: true)
                        return .success(batch)
                    case .finished(let error):
                        state = .finished(nil)
                        return error.map { .failure($0) } ?? .success(nil)
                    case .cancelled:
                        return .success(nil)
                    case .idle:
                        state = .readerWaiting(continuation)
                        return nil
                    case .readerWaiting:
                        preconditionFailure("one reader at a time")
                    }
                }
                if let now {
                    continuation.resume(returning: now)
                }
            }
        } onCancel: {
            cancel()
        }
        return try result.get()
    }

    /// The reader is gone: wake both sides for good.
    func cancel() {
        state.withLock { state in
            switch state {
            case .batchWaiting(_, let session):
                session.resume(returning: false)
            case .readerWaiting(let reader):
                reader.resume(returning: .success(nil))
            case .idle, .finished, .cancelled:
                break
            }
            state = .cancelled
        }
    }
}
#endif
