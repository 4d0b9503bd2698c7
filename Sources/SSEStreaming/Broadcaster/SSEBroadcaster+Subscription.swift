extension SSEBroadcaster {
    /// One subscriber's events: an async sequence of encoded events, each a chunk to write and
    /// flush, with heartbeat comments and in-band signals (``SSEBroadcaster/gapEventType``,
    /// ``SSEBroadcaster/replayUnavailableEventType``) where they apply.
    ///
    /// It ends (`nil`) after a shutdown, once its queue is drained, or when its task is cancelled;
    /// it throws ``SSEBroadcasterError/subscriberTooSlow`` when the
    /// ``SSEBroadcaster/OverflowPolicy/disconnect`` policy disconnected it. Iterate it once: the
    /// subscription is a single consumer. Dropping it, or cancelling the task that iterates it,
    /// unsubscribes and releases its queue.
    public struct Subscription: AsyncSequence, Sendable {
        public typealias Element = [UInt8]

        /// `nil` when subscribing after shutdown: the sequence is empty.
        let handle: SubscriberHandle?

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(handle: handle)
        }

        /// Ends the subscription now, from anywhere: it receives nothing more, its queue is
        /// released, and its iterator returns `nil` (at once, if it is waiting). A server calls
        /// this when the client's connection closes.
        public func cancel() {
            if let handle {
                handle.broadcaster.unsubscribe(handle.token)
            }
        }

        /// The iterator of ``SSEBroadcaster/Subscription``.
        public struct AsyncIterator: AsyncIteratorProtocol {
            private var handle: SubscriberHandle?
            /// What was taken from the queue and not yet returned: taking the whole queue at once
            /// keeps the lock out of most `next()` calls.
            private var batch = Ring<QueuedEvent>()

            init(handle: SubscriberHandle?) {
                self.handle = handle
            }

            public mutating func next() async throws -> [UInt8]? {
                if let event = batch.popFirst() {
                    return event.bytes
                }
                guard let handle else {
                    return nil
                }
                switch await handle.broadcaster.take(handle.token, into: &batch) {
                case .events(let gap):
                    if gap > 0 {
                        return SSEBroadcaster.gapBytes(dropped: gap)
                    }
                    return batch.popFirst()!.bytes
                case .finished:
                    self.handle = nil
                    return nil
                case .failed(let error):
                    self.handle = nil
                    throw error
                case .empty:
                    // Cancelled: unsubscribe now rather than when the handle goes.
                    handle.broadcaster.unsubscribe(handle.token)
                    self.handle = nil
                    return nil
                }
            }

            /// Hands `body` the next chunk, waiting for it, then every chunk that is already here
            /// after it, up to about `maximumBytes` in all: a server writes them with one flush.
            /// No event waits for another.
            ///
            /// ```swift
            /// var chunks = subscription.makeAsyncIterator()
            /// var buffer: [UInt8] = []
            /// while try await chunks.nextBatch({ buffer += $0 }) {
            ///     try await writer.write(buffer)   // and flush
            ///     buffer.removeAll(keepingCapacity: true)
            /// }
            /// ```
            ///
            /// - Parameters:
            ///   - maximumBytes: Stop adding chunks once this many bytes were handed over.
            ///   - body: Receives each chunk, in order.
            /// - Returns: `false` at the end of the subscription (`body` was not called).
            /// - Throws: What ``next()`` throws, or what `body` throws.
            public mutating func nextBatch(
                maximumBytes: Int = 64 * 1024,
                _ body: ([UInt8]) throws -> Void
            ) async throws -> Bool {
                guard let first = try await next() else {
                    return false
                }
                try body(first)
                var total = first.count
                while total < maximumBytes, let event = batch.popFirst() {
                    try body(event.bytes)
                    total += event.bytes.count
                }
                return true
            }
        }
    }

    /// Keeps a subscription registered while its sequence or an iterator exists.
    final class SubscriberHandle: Sendable {
        let broadcaster: SSEBroadcaster
        let token: BroadcasterStateMachine.Token

        init(broadcaster: SSEBroadcaster, token: BroadcasterStateMachine.Token) {
            self.broadcaster = broadcaster
            self.token = token
        }

        deinit {
            broadcaster.unsubscribe(token)
        }
    }
}

@available(*, unavailable)
extension SSEBroadcaster.Subscription.AsyncIterator: Sendable {}
