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

        let handle: SubscriberHandle

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(handle: handle)
        }

        /// The iterator of ``SSEBroadcaster/Subscription``.
        public struct AsyncIterator: AsyncIteratorProtocol {
            private let handle: SubscriberHandle
            /// What was taken from the broadcaster and not yet returned: taking a whole queue at
            /// once keeps the lock out of most `next()` calls.
            private var batch = EntryRing()
            private var ended = false

            init(handle: SubscriberHandle) {
                self.handle = handle
                self.ended = handle.token == nil
            }

            public mutating func next() async throws -> [UInt8]? {
                if let entry = batch.popFirst() {
                    return entry.bytes
                }
                guard !ended, let token = handle.token else {
                    return nil
                }
                let broadcaster = handle.broadcaster
                while true {
                    switch broadcaster.take(token, into: &batch) {
                    case .entries(let gap):
                        if gap > 0 {
                            return SSEBroadcaster.gapBytes(dropped: gap)
                        }
                        return batch.popFirst()!.bytes
                    case .finished:
                        ended = true
                        return nil
                    case .failed(let error):
                        ended = true
                        throw error
                    case .empty:
                        if Task.isCancelled {
                            ended = true
                            broadcaster.unsubscribe(token)
                            return nil
                        }
                        await broadcaster.waitForEntries(token)
                    }
                }
            }
        }
    }

    /// Keeps a subscription registered while its sequence or an iterator exists.
    final class SubscriberHandle: Sendable {
        let broadcaster: SSEBroadcaster
        /// `nil` when subscribing after shutdown.
        let token: BroadcasterStateMachine.Token?

        init(broadcaster: SSEBroadcaster, token: BroadcasterStateMachine.Token?) {
            self.broadcaster = broadcaster
            self.token = token
        }

        deinit {
            if let token {
                broadcaster.unsubscribe(token)
            }
        }
    }
}

@available(*, unavailable)
extension SSEBroadcaster.Subscription.AsyncIterator: Sendable {}
