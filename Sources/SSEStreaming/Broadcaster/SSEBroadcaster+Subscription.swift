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

public import SSECodec
import Synchronization

extension SSEBroadcaster {
    /// One subscriber's events: an async sequence of encoded events, each a chunk to write and
    /// flush, with heartbeat comments and in-band signals (``SSEBroadcaster/gapEventType``,
    /// ``SSEBroadcaster/replayUnavailableEventType``) where they apply.
    ///
    /// It ends (`nil`) after a shutdown, once its queue is drained, or when its task is cancelled;
    /// it throws ``SSEBroadcasterError/subscriberTooSlow`` when the
    /// ``SSEBroadcaster/OverflowPolicy/disconnect`` policy disconnected it. Iterate it once: the
    /// subscription is a single consumer, and a second iterator throws
    /// ``SSEBroadcasterError/alreadyIterated``. Dropping it, or cancelling the task that iterates it,
    /// unsubscribes and releases its queue.
    public struct Subscription: AsyncSequence, Sendable {
        public typealias Element = [UInt8]

        /// `nil` when subscribing after a shutdown without a final event: the sequence is empty.
        let handle: SubscriberHandle?

        /// Whether the subscription asked to resume after an event the replay log no longer has
        /// (or never had), so that it starts with ``SSEBroadcaster/replayUnavailableEventType``
        /// instead of the missed events: what a server counts as a replay miss. A resume that
        /// the configuration's ``SSEReplayStore`` answers is not known when subscribing: `false`.
        public var replayUnavailable: Bool { replayUnavailableReason != nil }

        /// Why the subscription starts with ``SSEBroadcaster/replayUnavailableEventType``, as
        /// ``replayUnavailable``; `nil` when it does not (or the store answers later).
        public let replayUnavailableReason: SSEBroadcaster.ReplayUnavailableReason?

        /// The ID of the newest event published before the subscription was made (`nil` if none,
        /// or after a shutdown). The live events it delivers come after this one, and the events a
        /// resumed subscription replays come up to it, so a long poll that delivers nothing hands
        /// this ID back as the client's cursor.
        public let lastPublishedEventID: String?

        /// Whether the replay log did not have the subscription's last event ID and the
        /// configuration's ``SSEReplayStore`` was asked instead. ``lastPublishedEventID`` may
        /// then be older than the client's own ID (another instance's), so it is no cursor to
        /// hand back.
        public let resumesFromReplayStore: Bool

        /// The replay store's look for this subscription, when it resumes from the store.
        let storeAnswer: Task<Bool, Never>?

        init(
            handle: SubscriberHandle?,
            replayUnavailableReason: SSEBroadcaster.ReplayUnavailableReason? = nil,
            lastPublishedEventID: String? = nil,
            resumesFromReplayStore: Bool = false,
            storeAnswer: Task<Bool, Never>? = nil
        ) {
            self.storeAnswer = storeAnswer
            self.handle = handle
            self.replayUnavailableReason = replayUnavailableReason
            self.lastPublishedEventID = lastPublishedEventID
            self.resumesFromReplayStore = resumesFromReplayStore
        }

        /// The subscription's iterator. A subscription has one consumer: a second iterator throws
        /// ``SSEBroadcasterError/alreadyIterated`` at its first `next()`.
        public func makeAsyncIterator() -> AsyncIterator {
            guard let handle else {
                return AsyncIterator(handle: nil)
            }
            return handle.claim() ? AsyncIterator(handle: handle) : AsyncIterator(refused: ())
        }

        /// Waits until the ``SSEReplayStore`` has answered a subscription that resumes from it
        /// (``resumesFromReplayStore``; at once for any other), and returns whether it could look.
        ///
        /// `false`: the store could not look (its database is down), so whether the client missed
        /// anything is not known, and the subscription ends with
        /// ``SSEBroadcasterError/replayStoreUnavailable`` before any event. A server that asks
        /// before it writes the response's head answers `503 Service Unavailable` with
        /// `Retry-After` instead of a stream, and the client tries again with the same ID, rather
        /// than being told falsely that its history is lost. The embedded server and `SSEVapor`'s
        /// `SSEStream` ask by themselves; a Hummingbird route asks before it returns its stream:
        ///
        /// ```swift
        /// let subscription = postgres.broadcaster.subscribe(to: ["orders"], lastEventID: lastEventID)
        /// guard await subscription.replayStoreAnswered() else {
        ///     throw HTTPError(.serviceUnavailable, headers: [.retryAfter: "5"])
        /// }
        /// return SSEStream(subscription)
        /// ```
        public func replayStoreAnswered() async -> Bool {
            await storeAnswer?.value ?? true
        }

        /// Whether ``cancel()`` ended it (a server does when its client goes), rather than a
        /// shutdown or an error: how a server counts why its stream closed.
        package var wasCancelled: Bool {
            handle?.cancelled.load(ordering: .relaxed) ?? false
        }

        /// Ends the subscription now, from anywhere: it receives nothing more, its queue is
        /// released, and its iterator returns `nil` (at once, if it is waiting). A server calls
        /// this when the client's connection closes.
        public func cancel() {
            if let handle {
                handle.cancelled.store(true, ordering: .relaxed)
                handle.broadcaster.unsubscribe(handle.token)
            }
        }

        /// Ends the subscription as a shutdown would, for this subscriber alone: it receives what
        /// it has queued, then `finalEvent`, then its sequence ends (a server ends the response
        /// properly). Events published afterwards do not reach it. Nothing happens if it has ended
        /// or is ending already.
        ///
        /// ```swift
        /// // The subscriber's credentials expired: it reconnects with new ones, from its last event.
        /// try subscription.finish(finalEvent: ServerSentEvent(type: "sse-auth-expired", data: "expired"))
        /// ```
        ///
        /// - Parameter finalEvent: An event before the end, such as the reason for it; not logged
        ///   for replay, and without an ID unless it has one.
        /// - Throws: `SSEEncodingError` if `finalEvent` cannot be encoded; nothing is done then.
        public func finish(finalEvent: ServerSentEvent? = nil) throws(SSEEncodingError) {
            try finisher.finish(finalEvent: finalEvent)
        }

        /// What ends this subscription (``finish(finalEvent:)``) without keeping it alive: for an
        /// expiry timer or a revocation list that must not hold a connection's subscription past
        /// the connection.
        public var finisher: Finisher {
            Finisher(broadcaster: handle?.broadcaster, token: handle?.token, cause: handle?.finishCause)
        }

        /// Ends a subscription from outside without keeping it alive; see ``finisher``.
        public struct Finisher: Sendable {
            let broadcaster: SSEBroadcaster?
            let token: BroadcasterStateMachine.Token?
            let cause: FinishCauseBox?

            /// ``Subscription/finish(finalEvent:)``: nothing happens once the subscription has
            /// ended.
            public func finish(finalEvent: ServerSentEvent? = nil) throws(SSEEncodingError) {
                if let broadcaster, let token {
                    try broadcaster.finish(token, finalEvent: finalEvent)
                }
            }

            /// ``finish(finalEvent:)``, saying why, for the server's metrics (see
            /// ``Subscription/finishCause``). The first cause given stays.
            package func finish(finalEvent: ServerSentEvent?, cause: FinishCause) throws(SSEEncodingError) {
                _ = self.cause?.value.compareExchange(expected: 0, desired: cause.rawValue, ordering: .relaxed)
                try finish(finalEvent: finalEvent)
            }
        }

        /// Why a subscription was finished from outside.
        package enum FinishCause: UInt8, Sendable {
            /// Its credentials expired (`SSEAccessControl`).
            case credentialsExpired = 1
            /// Its credentials were revoked.
            case credentialsRevoked = 2
        }

        /// Why it was finished from outside (``Finisher/finish(finalEvent:cause:)``), if it was.
        package var finishCause: FinishCause? {
            handle.flatMap { FinishCause(rawValue: $0.finishCause.value.load(ordering: .relaxed)) }
        }

        /// Calls `body` once the subscription is over: ended, and released by whoever read it (a
        /// server releases it when the response ends or its client goes). At once if that is so
        /// already, or for a subscription made after a shutdown without a final event.
        ///
        /// What watches a subscription from outside (an expiry timer, a revocation list) removes
        /// its entry here, so that it holds nothing for connections that are gone.
        ///
        /// - Parameter body: Called once, from whichever thread releases the subscription.
        public func onTermination(_ body: @escaping @Sendable () -> Void) {
            guard let handle else {
                body()
                return
            }
            handle.addTerminationHandler(body)
        }

        /// What ``poll(maximumBytes:onReady:_:)`` found.
        public enum PollResult: Sendable, Hashable {
            /// Chunks were handed over; poll again when ready for more.
            case delivered
            /// Nothing is ready: `onReady` will be called once, when there is.
            case pending
            /// The subscription has ended (cancelled, or after a shutdown's final event).
            case finished
        }

        /// Hands `body` the chunks that are ready now, without waiting: for a server that writes
        /// from its event loop rather than from a task per connection.
        ///
        /// ```swift
        /// // On the connection's event loop, whenever the socket can take more:
        /// var buffer = allocator.buffer(capacity: 256)
        /// switch try subscription.poll(onReady: { loop.execute { pollAgain() } }) { buffer.writeBytes($0) } {
        /// case .delivered: writeAndFlush(buffer)    // then poll again
        /// case .pending: break                      // onReady calls back
        /// case .finished: endResponse()
        /// }
        /// ```
        ///
        /// What is ready goes out in order, the same bytes the iterator would return (gap and
        /// heartbeat chunks included), up to about `maximumBytes` in one call; the rest stays for
        /// the next. Consecutive events of one topic come as one piece, so `body` may be called
        /// once for many events; the pieces are only valid during the call. The broadcaster is not
        /// locked while `body` runs.
        ///
        /// When nothing is ready, `onReady` is kept and called once, from whichever thread
        /// publishes, ticks the heartbeat, shuts down or cancels, after which you poll again; a
        /// later poll that finds nothing replaces it. Poll a subscription from one place at a time,
        /// and do not iterate it as well.
        ///
        /// - Parameters:
        ///   - maximumBytes: Stop handing over events once this many bytes were.
        ///   - onReady: Called once when something is ready, if nothing was now.
        ///   - body: Receives the ready bytes, in order, in one or more pieces.
        /// - Returns: Whether chunks were handed over, `onReady` is waiting, or the subscription
        ///   has ended.
        /// - Throws: ``SSEBroadcasterError/subscriberTooSlow`` when the
        ///   ``SSEBroadcaster/OverflowPolicy/disconnect`` policy disconnected it.
        public func poll(
            maximumBytes: Int = 64 * 1024,
            onReady: @escaping @Sendable () -> Void,
            _ body: (UnsafeRawBufferPointer) -> Void
        ) throws(SSEBroadcasterError) -> PollResult {
            var chunks = 0
            return try poll(maximumBytes: maximumBytes, onReady: onReady, chunkCount: &chunks, body)
        }

        /// ``poll(maximumBytes:onReady:_:)``, which also reports how many chunks (events,
        /// heartbeat comments, signals) were handed over, for a server's metrics.
        ///
        /// - Parameters:
        ///   - maximumBytes: Stop handing over events once this many bytes were.
        ///   - onReady: Called once when something is ready, if nothing was now.
        ///   - chunkCount: Set to the number of chunks handed over (0 unless
        ///     ``PollResult/delivered``).
        ///   - body: Receives the ready bytes, in order, in one or more pieces.
        /// - Returns: Whether chunks were handed over, `onReady` is waiting, or the subscription
        ///   has ended.
        /// - Throws: ``SSEBroadcasterError/subscriberTooSlow`` when the
        ///   ``SSEBroadcaster/OverflowPolicy/disconnect`` policy disconnected it.
        public func poll(
            maximumBytes: Int = 64 * 1024,
            onReady: @escaping @Sendable () -> Void,
            chunkCount: inout Int,
            _ body: (UnsafeRawBufferPointer) -> Void
        ) throws(SSEBroadcasterError) -> PollResult {
            var report = DeliveryReport()
            defer { chunkCount = report.chunks }
            return try poll(maximumBytes: maximumBytes, onReady: onReady, report: &report, body)
        }

        /// What one poll (or the batches an iterator took since it was last reset) handed over,
        /// for a server's metrics.
        package struct DeliveryReport: Sendable {
            /// Chunks (events, heartbeat comments, signals) handed over by the poll.
            package var chunks = 0
            /// Events dropped because the subscriber fell behind its window (``OverflowPolicy/dropOldest``,
            /// ``OverflowPolicy/coalesce``).
            package var dropped = 0
            /// Events skipped for a newer event of their coalescing key.
            package var coalesced = 0
            /// The longest an event handed over waited since it was published (replayed events not
            /// counted); only when `measuresLatency`.
            package var latency: Duration?
            /// Whether to read the clock for ``latency``.
            package var measuresLatency: Bool
            /// The trace contexts the events handed over were published with (at most 32), when
            /// `collectsContexts` and the broadcaster keeps them.
            package var contexts: [any Sendable] = []
            /// Whether to collect ``contexts``.
            package var collectsContexts: Bool

            package init(measuresLatency: Bool = false, collectsContexts: Bool = false) {
                self.measuresLatency = measuresLatency
                self.collectsContexts = collectsContexts
            }
        }

        /// ``poll(maximumBytes:onReady:_:)``, which also reports what the poll handed over.
        package func poll(
            maximumBytes: Int = 64 * 1024,
            onReady: @escaping @Sendable () -> Void,
            report: inout DeliveryReport,
            _ body: (UnsafeRawBufferPointer) -> Void
        ) throws(SSEBroadcasterError) -> PollResult {
            report.chunks = 0
            guard let handle else {
                return .finished
            }
            let result = handle.broadcaster.poll(
                handle.token,
                maximumBytes: maximumBytes,
                onReady: onReady,
                report: &report,
                body: body
            )
            switch result {
            case .delivered: return .delivered
            case .parked: return .pending
            case .finished: return .finished
            case .failed(let error): throw error
            }
        }

        /// The iterator of ``SSEBroadcaster/Subscription``.
        public struct AsyncIterator: AsyncIteratorProtocol {
            private var handle: SubscriberHandle?
            /// What was taken from the queue and not yet returned: taking the whole queue at once
            /// keeps the lock out of most `next()` calls.
            private var batch = Ring<QueuedEvent>()
            /// A second iterator of the subscription: it throws at its first `next()`.
            private var refused = false
            /// What the batches taken since a server last reset it dropped, skipped and waited.
            package var report = DeliveryReport()

            init(handle: SubscriberHandle?) {
                self.handle = handle
            }

            init(refused: Void) {
                self.handle = nil
                self.refused = true
            }

            public mutating func next() async throws -> [UInt8]? {
                if let event = batch.popFirst() {
                    return event.bytes
                }
                if refused {
                    refused = false
                    throw SSEBroadcasterError.alreadyIterated
                }
                guard let handle else {
                    return nil
                }
                switch await handle.broadcaster.take(
                    handle.token,
                    into: &batch,
                    collectsContexts: report.collectsContexts
                ) {
                case .events(let gap, let facts):
                    report.dropped += gap
                    report.coalesced += facts.coalesced
                    if report.measuresLatency, let oldest = facts.oldest {
                        let waited = handle.broadcaster.now() - oldest
                        report.latency = Swift.max(report.latency ?? waited, waited)
                    }
                    if report.collectsContexts {
                        report.contexts += facts.contexts
                    }
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

    /// A subscription's ``Subscription/FinishCause``, 0 for none.
    package final class FinishCauseBox: Sendable {
        let value = Atomic<UInt8>(0)
    }

    /// Keeps a subscription registered while its sequence or an iterator exists.
    final class SubscriberHandle: Sendable {
        let broadcaster: SSEBroadcaster
        let token: BroadcasterStateMachine.Token
        private let claimed = Atomic(false)
        /// ``Subscription/cancel()`` ended it: its client went, as a server tells it.
        let cancelled = Atomic(false)
        /// Called when the handle goes (see ``Subscription/onTermination(_:)``).
        private let terminationHandlers = Mutex<[@Sendable () -> Void]>([])
        /// Why it was finished from outside, if it was (shared with its ``Subscription/Finisher``,
        /// which must not keep the handle).
        let finishCause = FinishCauseBox()

        /// Keeps `body` for the handle's end.
        func addTerminationHandler(_ body: @escaping @Sendable () -> Void) {
            terminationHandlers.withLock { $0.append(body) }
        }

        /// Claims the subscription for one iterator; `false` if one has it already.
        func claim() -> Bool {
            claimed.exchange(true, ordering: .relaxed) == false
        }

        init(broadcaster: SSEBroadcaster, token: BroadcasterStateMachine.Token) {
            self.broadcaster = broadcaster
            self.token = token
        }

        deinit {
            broadcaster.unsubscribe(token)
            for handler in terminationHandlers.withLock({ $0 }) {
                handler()
            }
        }
    }
}

@available(*, unavailable)
extension SSEBroadcaster.Subscription.AsyncIterator: Sendable {}
