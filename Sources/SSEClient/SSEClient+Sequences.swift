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

#if NIOSupport || AsyncHTTPClientSupport
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
    /// request that is not re-sent ends; it throws ``SSEClientError`` when the session fails. A line
    /// or event over the decoder's limits is skipped, or ends the session with its error, as
    /// ``Configuration/oversizedEvents`` says.
    public var events: Events { Events(client: self) }

    /// The events and state changes of a new session, across reconnections: ``Update/event(_:)``,
    /// ``Update/state(_:)`` (connecting, open with the response head, reconnecting after a delay
    /// and why, closed and why), ``Update/comment(_:)`` when the decoder reports comments, and
    /// ``Update/dropped(_:)`` where an oversized line or event was skipped. Ends and throws as
    /// ``events`` does.
    public var updates: Updates { Updates(client: self) }

    /// The events of a session, as ``SSEClient/events`` gives them.
    public struct Events: AsyncSequence, Sendable {
        public typealias Element = ServerSentEvent
        public typealias Failure = SSEClientError

        let client: SSEClient

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(reader: Reader(session: SessionHandle(client: client)))
        }

        /// The iterator of ``SSEClient/Events``.
        public struct AsyncIterator: AsyncIteratorProtocol {
            @usableFromInline var reader: Reader

            init(reader: Reader) {
                self.reader = reader
            }

            @inlinable
            public mutating func next() async throws(SSEClientError) -> ServerSentEvent? {
                try await next(isolation: nil)
            }

            /// Runs on the caller's actor: no hop off it and back per event, only when a batch
            /// must be waited for.
            @inlinable
            public mutating func next(
                isolation actor: isolated (any Actor)?
            ) async throws(SSEClientError) -> ServerSentEvent? {
                try await reader.nextEvent(isolation: actor)
            }
        }
    }

    /// The updates of a session, as ``SSEClient/updates`` gives them.
    public struct Updates: AsyncSequence, Sendable {
        public typealias Element = Update
        public typealias Failure = SSEClientError

        let client: SSEClient

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(reader: Reader(session: SessionHandle(client: client)))
        }

        /// The iterator of ``SSEClient/Updates``.
        public struct AsyncIterator: AsyncIteratorProtocol {
            @usableFromInline var reader: Reader

            init(reader: Reader) {
                self.reader = reader
            }

            @inlinable
            public mutating func next() async throws(SSEClientError) -> Update? {
                try await next(isolation: nil)
            }

            /// Runs on the caller's actor: no hop off it and back per update, only when a batch
            /// must be waited for.
            @inlinable
            public mutating func next(isolation actor: isolated (any Actor)?) async throws(SSEClientError) -> Update? {
                try await reader.nextUpdate(isolation: actor)
            }
        }
    }

    /// The iterators' side of a session: the batch being read and the session behind it.
    @usableFromInline
    struct Reader {
        @usableFromInline let session: SessionHandle
        /// The batch being read: taking an event moves it out, without a copy.
        @usableFromInline var batch = Handoff.Batch()

        init(session: SessionHandle) {
            self.session = session
        }

        /// The next event, past any other update; waits for a batch only when this one is used up.
        @inlinable
        mutating func nextEvent(isolation actor: isolated (any Actor)?) async throws(SSEClientError) -> ServerSentEvent?
        {
            while true {
                if let event = batch.events.popFirst() {
                    return event
                }
                guard try await receive(isolation: actor) else {
                    return nil
                }
            }
        }

        /// The next update, events and others in the order they came.
        @inlinable
        mutating func nextUpdate(isolation actor: isolated (any Actor)?) async throws(SSEClientError) -> Update? {
            while true {
                if let update = batch.popUpdate() {
                    return update
                }
                // Every other update is read too: the last ones come after the last event.
                guard try await receive(isolation: actor) else {
                    return nil
                }
            }
        }

        /// Waits for the next batch, decoded into the used-up one's storage; `false` at the end.
        @usableFromInline
        mutating func receive(isolation actor: isolated (any Actor)?) async throws(SSEClientError) -> Bool {
            try await session.receive(into: &batch, isolation: actor)
        }
    }

    /// Starts a session's task on the first read and stops it when the iterator goes away.
    @usableFromInline
    final class SessionHandle {
        private let client: SSEClient
        private let handoff = Handoff()
        private var started = false

        init(client: SSEClient) {
            self.client = client
        }

        /// Cancelling the reading task cancels the hand-off, which cancels the session's task.
        @usableFromInline
        func receive(
            into batch: inout Handoff.Batch,
            isolation actor: isolated (any Actor)?
        ) async throws(SSEClientError) -> Bool {
            if !started {
                started = true
                let session = Session(client: client, handoff: handoff)
                client.sessions.add(handoff)
                handoff.start { await session.run() }
            }
            // The batch may come back empty (a slice of input that held only part of an event):
            // the iterators then receive again.
            return try await handoff.receive(into: &batch, isolation: actor)
        }

        deinit {
            client.sessions.remove(handoff)
            handoff.cancel()
        }
    }
}

@available(*, unavailable)
extension SSEClient.Events.AsyncIterator: Sendable {}

@available(*, unavailable)
extension SSEClient.Updates.AsyncIterator: Sendable {}
#endif
