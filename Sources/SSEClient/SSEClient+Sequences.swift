#if AsyncHTTPClientSupport
public import SSECodec

extension SSEClient {
    /// The events of a new session, across reconnections.
    ///
    /// ```swift
    /// for try await event in SSEClient(url: url).events {
    ///     print(event.data)
    /// }
    /// ```
    ///
    /// Every iteration is a session of its own. It ends normally when the server answers 204 or a
    /// request that is not re-sent ends; it throws ``SSEClientError`` when the session fails. It
    /// also throws where a line or event over the decoder's limits was dropped; `next()` may be
    /// called again after that error to go on with the next event.
    public var events: Events { Events(client: self) }

    /// The events and state changes of a new session, across reconnections: ``Update/event(_:)``
    /// and ``Update/state(_:)`` (connecting, open with the response head, reconnecting after a delay
    /// and why, closed and why). Ends and throws as ``events`` does.
    public var updates: Updates { Updates(client: self) }

    /// The events of a session, as ``SSEClient/events`` gives them.
    public struct Events: AsyncSequence, Sendable {
        public typealias Element = ServerSentEvent
        public typealias Failure = SSEClientError

        let client: SSEClient

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(updates: Updates.AsyncIterator(client: client))
        }

        /// The iterator of ``SSEClient/Events``.
        public struct AsyncIterator: AsyncIteratorProtocol {
            var updates: Updates.AsyncIterator

            public mutating func next() async throws(SSEClientError) -> ServerSentEvent? {
                while let update = try await updates.next() {
                    if case .event(let event) = update {
                        return event
                    }
                }
                return nil
            }
        }
    }

    /// The updates of a session, as ``SSEClient/updates`` gives them.
    public struct Updates: AsyncSequence, Sendable {
        public typealias Element = Update
        public typealias Failure = SSEClientError

        let client: SSEClient

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(client: client)
        }

        /// The iterator of ``SSEClient/Updates``.
        public struct AsyncIterator: AsyncIteratorProtocol {
            private let session: SessionHandle
            private var batch: [Handoff.Item] = []
            private var index = 0

            init(client: SSEClient) {
                session = SessionHandle(client: client)
            }

            public mutating func next() async throws(SSEClientError) -> Update? {
                if index == batch.count {
                    guard let next = try await session.receive() else {
                        return nil
                    }
                    batch = next
                    index = 0
                }
                let item = batch[index]
                index += 1
                switch item {
                case .update(let update):
                    return update
                case .failure(let error):
                    throw error
                }
            }
        }
    }

    /// Starts a session's task on the first read and stops it when the iterator goes away.
    final class SessionHandle {
        private let client: SSEClient
        private let handoff = Handoff()
        private var task: Task<Void, Never>?

        init(client: SSEClient) {
            self.client = client
        }

        func receive() async throws(SSEClientError) -> [Handoff.Item]? {
            if task == nil {
                let session = Session(client: client, handoff: handoff)
                task = Task { await session.run() }
            }
            // An empty batch is never sent; a state change or an event is always in it.
            return try await handoff.receive()
        }

        deinit {
            task?.cancel()
            handoff.cancel()
        }
    }
}

@available(*, unavailable)
extension SSEClient.Events.AsyncIterator: Sendable {}

@available(*, unavailable)
extension SSEClient.Updates.AsyncIterator: Sendable {}
#endif
