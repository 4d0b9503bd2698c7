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

/// Fans events out to many subscribers, by topic or by subscriber ID, with a replay log for
/// resuming clients and a bounded queue per subscriber.
///
/// ```swift
/// let broadcaster = SSEBroadcaster()
///
/// // A request handler: one subscription per connection, resumed from the client's Last-Event-ID.
/// let subscription = broadcaster.subscribe(to: ["news"], lastEventID: request.lastEventID)
/// for try await chunk in subscription {
///     try await writer.write(chunk)  // and flush: one chunk is one event
/// }
///
/// // Anywhere else:
/// try broadcaster.publish(ServerSentEvent(type: "headline", data: "…"), to: "news")
/// ```
///
/// - Each event is encoded once, and the same bytes are queued for every subscriber.
/// - Events without an ID are given one: ``Configuration-swift.struct/idPrefix`` followed by the
///   publish number, so IDs increase in publish order. A subscriber that passes the last ID it
///   received gets exactly the events after it, in order, then the live ones, with nothing missed
///   or repeated in between. An ID the log no longer has is reported with an event of type
///   ``replayUnavailableEventType``, never skipped silently. See <doc:Replay>.
/// - A subscriber's queue is bounded; when it is full, the ``OverflowPolicy`` decides, and no
///   other subscriber waits. See <doc:OverflowPolicies>.
/// - A subscription ends when its task is cancelled or it is dropped; everything it held is
///   released. ``shutDown(finalEvent:reconnectionWindow:)`` ends them all, after an optional last event.
/// - Quiet subscribers are sent a heartbeat comment, from one timer for all of them.
public final class SSEBroadcaster: Sendable {
    /// The type of the event that tells a resuming subscriber that its last event ID is no longer
    /// in the replay log (or was never published by this broadcaster): events may have been missed,
    /// so the client should reload its state. Its data is
    /// `{"lastEventID":"…","reason":"…","currentLastEventID":"…"}`: the ID asked for, why it
    /// cannot be resumed (``ReplayUnavailableReason``) and the newest event's ID, which is also
    /// its `id`, where the subscription goes on from (empty when nothing was published yet).
    public static let replayUnavailableEventType = "sse-replay-unavailable"

    /// The type of the event that tells a subscriber under ``OverflowPolicy/dropOldest`` (or
    /// ``OverflowPolicy/coalesce``) that events were dropped at this point. Its data is
    /// `{"dropped":N}`. It has no `id`, so the client's last event ID stays that of the last event
    /// it received, from which a reconnection would replay what was dropped.
    public static let gapEventType = "sse-gap"

    let state: Mutex<BroadcasterStateMachine>
    let encoder = SSEEncoder()
    let idPrefix: String
    /// See `Configuration.tracing`.
    let publishContext: (@Sendable () -> (any Sendable)?)?
    /// See `Configuration.tracing`.
    let traceReplay: (@Sendable (String, @Sendable () async -> SSEReplay) async -> SSEReplay)?
    let now: @Sendable () -> Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private let heartbeat: Duration?
    private let ticker = Mutex<Task<Void, Never>?>(nil)

    /// Creates a broadcaster whose heartbeats and replay ages are measured by `clock`.
    ///
    /// - Parameters:
    ///   - configuration: Limits and policies.
    ///   - clock: The clock for heartbeats and the replay log's age limit.
    public init<C: Clock>(configuration: Configuration = Configuration(), clock: C) where C.Duration == Duration {
        precondition(
            !configuration.idPrefix.utf8.contains { $0 == 0x0A || $0 == 0x0D || $0 == 0 },
            "idPrefix must not contain CR, LF or NULL"
        )
        precondition(configuration.heartbeat.map { $0 > .zero } ?? true, "the heartbeat interval must be positive")
        precondition(configuration.maximumQueuedEvents > 0, "maximumQueuedEvents must be positive")
        let start = clock.now
        state = Mutex(BroadcasterStateMachine(configuration: configuration))
        idPrefix = configuration.idPrefix
        publishContext = configuration.tracing?.publishContext
        traceReplay = configuration.tracing?.replay
        heartbeat = configuration.heartbeat
        now = { start.duration(to: clock.now) }
        sleep = { try await clock.sleep(for: $0) }
    }

    /// Creates a broadcaster on the continuous clock.
    ///
    /// - Parameter configuration: Limits and policies.
    public convenience init(configuration: Configuration = Configuration()) {
        self.init(configuration: configuration, clock: ContinuousClock())
    }

    deinit {
        ticker.withLock { $0?.cancel() }
    }

    /// How many subscriptions are receiving events. A subscription leaves the count when it is
    /// cancelled, dropped, disconnected for overflowing, or has ended after a shutdown.
    public var subscriberCount: Int {
        state.withLock { $0.subscriberCount }
    }

    // MARK: Subscribing

    /// Subscribes to topics (and to events for a subscriber ID), resuming after `lastEventID`.
    ///
    /// The subscription is registered at once: events published from now on are queued for it,
    /// even before its first `next()`. Iterate it once, from one task.
    ///
    /// - Parameters:
    ///   - topics: The topics to receive. May be empty when `subscriberID` is given.
    ///   - subscriberID: Receive the events published with
    ///     ``publish(_:toSubscriber:coalescingKey:)`` for this ID, such as a user ID.
    ///   - lastEventID: The last event ID the client received (the `Last-Event-ID` header); the
    ///     events after it that are still in the replay log come first. `nil` or empty: live only.
    ///   - overflowPolicy: This subscriber's policy; `nil` for the configuration's.
    /// - Returns: The subscription: an async sequence of encoded events, ready to write.
    public func subscribe(
        to topics: some Sequence<String>,
        subscriberID: String? = nil,
        lastEventID: String? = nil,
        overflowPolicy: OverflowPolicy? = nil
    ) -> Subscription {
        let topics = Array(topics)
        var audiences = topics.map(Audience.topic)
        if let subscriberID {
            audiences.append(.subscriber(subscriberID))
        }
        let now = self.now()
        let subscribed = state.withLock { state in
            state.subscribe(
                to: audiences,
                lastEventID: lastEventID,
                overflowPolicy: overflowPolicy ?? state.configuration.overflowPolicy,
                now: now
            )
        }
        guard let subscribed else {
            return Subscription(handle: nil)
        }
        var storeAnswer: Task<Bool, Never>?
        if subscribed.replayPending, let store = state.withLock({ $0.configuration.replayStore }), let lastEventID {
            storeAnswer = askStore(
                store,
                for: subscribed.token,
                lastEventID: lastEventID,
                topics: topics,
                subscriberID: subscriberID,
                resumeID: subscribed.newestID
            )
        }
        startTickerIfNeeded()
        return Subscription(
            handle: SubscriberHandle(broadcaster: self, token: subscribed.token),
            replayUnavailableReason: subscribed.replayUnavailable,
            lastPublishedEventID: subscribed.newestID,
            resumesFromReplayStore: subscribed.replayPending,
            storeAnswer: storeAnswer
        )
    }

    /// Asks the replay store for what a subscriber missed, and hands it over; the subscriber waits
    /// until then. A subscriber gone meanwhile is not affected. The task's value: whether the
    /// store could look.
    private func askStore(
        _ store: any SSEReplayStore,
        for token: BroadcasterStateMachine.Token,
        lastEventID: String,
        topics: [String],
        subscriberID: String?,
        resumeID: String?
    ) -> Task<Bool, Never> {
        let encoder = self.encoder
        let traceReplay = self.traceReplay
        return Task { [weak self] in
            let lookUp = { @Sendable in
                await store.replay(after: lastEventID, topics: topics, subscriberID: subscriberID)
            }
            let answer = if let traceReplay { await traceReplay(lastEventID, lookUp) } else { await lookUp() }
            var events: Ring<QueuedEvent>?
            var reason: ReplayUnavailableReason? = .unknown
            var throughID: String?
            switch answer {
            case .events(let found, let through):
                var queued = Ring<QueuedEvent>()
                for event in found {
                    // An event the store kept was encoded when it was published.
                    if let bytes = try? encoder.encode(event) {
                        queued.append(QueuedEvent(bytes: bytes))
                    }
                }
                events = queued
                throughID = through
            case .unavailable(let through, let why):
                throughID = through
                reason = why
            case .storeUnavailable:
                reason = nil
            }
            guard let self else {
                return reason != nil
            }
            let waiter = self.state.withLock { state in
                state.completeReplay(
                    token,
                    events: events,
                    reason: reason,
                    throughID: throughID,
                    lastEventID: lastEventID,
                    resumeID: resumeID
                )
            }
            waiter?.resume()
            return reason != nil
        }
    }

    // MARK: Shutting down

    /// Ends every subscription after an optional final event, and refuses new ones.
    ///
    /// Each subscriber is sent what it has queued, then `finalEvent`, then its sequence ends.
    /// Heartbeats stop, and events published afterwards go nowhere. A subscription made afterwards
    /// gets `finalEvent` alone and ends (at once, without one): a page that reconnects while its
    /// server is still stopping is told so too, rather than shown an open stream that ends.
    ///
    /// With a `reconnectionWindow`, each subscriber is first sent a `retry:` field of its own,
    /// drawn at random from the window, so that clients that all lost their streams at this
    /// moment come back spread over it instead of all at once (a reconnect storm). The embedded
    /// server does this itself for every stream it ends (`SSEServer.Configuration.reconnectionWindow`);
    /// behind Hummingbird or Vapor, pass the window here. See <doc:Replay>.
    ///
    /// - Parameters:
    ///   - finalEvent: An event for every subscriber before the end, such as a notice that the
    ///     server is restarting. It is not logged for replay and gets no ID unless it has one.
    ///   - reconnectionWindow: The window each subscriber's reconnection delay is drawn from,
    ///     such as `.seconds(1)...(.seconds(10))`; `nil` (the default) sends no `retry:`.
    /// - Throws: `SSEEncodingError` if `finalEvent` cannot be encoded; nothing is done then.
    public func shutDown(
        finalEvent: ServerSentEvent? = nil,
        reconnectionWindow: ClosedRange<Duration>? = nil
    ) throws(SSEEncodingError) {
        let final = try queued(finalEvent)
        let wake = state.withLock { $0.shutDown(finalEvent: final, reconnectionWindow: reconnectionWindow) }
        ticker.withLock { ticker in
            ticker?.cancel()
            ticker = nil
        }
        for waiter in wake {
            waiter.resume()
        }
    }

    // MARK: Heartbeats

    /// Starts the one timer that sends heartbeats and ages out the replay log, with the first
    /// subscriber. It holds the broadcaster weakly, and stops at shutdown or deinit.
    private func startTickerIfNeeded() {
        guard let heartbeat else {
            return
        }
        ticker.withLock { ticker in
            guard ticker == nil, !state.withLock({ $0.isShutDown }) else {
                return
            }
            let sleep = self.sleep
            ticker = Task { [weak self] in
                while (try? await sleep(heartbeat)) != nil {
                    guard let self else {
                        return
                    }
                    self.tick()
                }
            }
        }
    }

    private func tick() {
        let now = self.now()
        let wake = state.withLock { $0.tick(now: now) }
        for waiter in wake {
            waiter.resume()
        }
    }

    // MARK: Shared entries

    static let heartbeat = QueuedEvent(bytes: SSEEncoder.heartbeat)

    static func gapBytes(dropped: Int) -> [UInt8] {
        Array("event: \(gapEventType)\ndata: {\"dropped\":\(dropped)}\n\n".utf8)
    }

    static func replayUnavailableEvent(
        lastEventID: String,
        reason: ReplayUnavailableReason,
        resumeID: String
    ) -> QueuedEvent {
        let event = ServerSentEvent(
            type: replayUnavailableEventType,
            data: #"{"lastEventID":"# + jsonStringLiteral(lastEventID) + #","reason":""# + reason.rawValue
                + #"","currentLastEventID":"# + jsonStringLiteral(resumeID) + "}",
            id: resumeID
        )
        // The type is fixed, and `resumeID` was published, so it encodes.
        return QueuedEvent(bytes: try! SSEEncoder().encode(event))
    }

    // MARK: For subscriptions

    /// Moves what the subscriber has into `batch`, waiting until there is something. `.empty` only
    /// when the task is cancelled.
    func take(
        _ token: BroadcasterStateMachine.Token,
        into batch: inout Ring<QueuedEvent>,
        collectsContexts: Bool = false
    ) async -> BroadcasterStateMachine.Take {
        while true {
            var taken = BroadcasterStateMachine.Take.empty
            // Taking and parking happen under one lock, so that nothing can arrive in between.
            await withTaskCancellationHandler {
                await withUnsafeContinuation { continuation in
                    let parked = state.withLock { state in
                        taken = state.take(token, into: &batch, collectsContexts: collectsContexts)
                        return state.parkIfEmpty(token, taken, .task(continuation))
                    }
                    if !parked {
                        continuation.resume()
                    }
                }
            } onCancel: {
                state.withLock { $0.unpark(token) }?.resume()
            }
            if case .empty = taken, !Task.isCancelled {
                continue
            }
            return taken
        }
    }

    /// Hands `body` what the subscriber has, or parks `onReady` (see
    /// ``Subscription/poll(maximumBytes:onReady:_:)``). What to copy is found under the lock, and
    /// copied after it is released.
    func poll(
        _ token: BroadcasterStateMachine.Token,
        maximumBytes: Int,
        onReady: @escaping @Sendable () -> Void,
        report: inout Subscription.DeliveryReport,
        body: (UnsafeRawBufferPointer) -> Void
    ) -> BroadcasterStateMachine.Poll {
        var sink = PollSink()
        sink.facts.collectsContexts = report.collectsContexts
        let result = state.withLock { state in
            state.poll(token, maximumBytes: maximumBytes, waiter: .callback(onReady), into: &sink)
        }
        sink.write(to: body)
        report.chunks = sink.chunkCount
        report.dropped = sink.dropped
        report.coalesced = sink.facts.coalesced
        report.latency = nil
        if report.measuresLatency, let oldest = sink.facts.oldest {
            report.latency = now() - oldest
        }
        report.contexts = sink.facts.contexts
        return result
    }

    /// Has one subscriber end after what it has queued and `finalEvent`.
    func finish(_ token: BroadcasterStateMachine.Token, finalEvent: ServerSentEvent?) throws(SSEEncodingError) {
        let final = try queued(finalEvent)
        state.withLock { $0.finish(token, finalEvent: final) }?.resume()
    }

    /// A final event, encoded outside the lock: not logged, no ID assigned.
    private func queued(_ finalEvent: ServerSentEvent?) throws(SSEEncodingError) -> QueuedEvent? {
        try finalEvent.map { event throws(SSEEncodingError) in QueuedEvent(bytes: try encoder.encode(event)) }
    }

    /// Unsubscribes: the subscriber receives nothing more, and a parked consumer is woken.
    func unsubscribe(_ token: BroadcasterStateMachine.Token) {
        state.withLock { $0.unsubscribe(token) }?.resume()
    }
}
