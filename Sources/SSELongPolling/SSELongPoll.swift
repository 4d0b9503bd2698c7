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

public import HTTPTypes
public import SSEStreaming
import Synchronization

/// Long polling on a broadcaster: the fallback transport for a browser, proxy or network that
/// cannot hold a stream open, on the same topics and replay log as the SSE streams.
///
/// ```swift
/// let broadcaster = SSEBroadcaster()
/// let longPoll = SSELongPoll(broadcaster: broadcaster)
///
/// // In any server's handler for GET /events?transport=poll&lastEventId=…, with the cursor
/// // resolved as for a stream (the `Last-Event-ID` header, else the `lastEventId` parameter):
/// let answer = await longPoll.respond(topics: ["news"], lastEventID: cursor)
/// // Send answer.status, answer.headers and answer.body.
/// ```
///
/// The embedded server (`SSENIO`), `SSEHummingbird` and `SSEVapor` each answer a request with
/// `longPoll.response(to:…)`: a long poll or a stream on the same URL, the cursor resolved by the
/// server's own `Last-Event-ID` resolver, so streams and polls read it from the same header and
/// the same query parameter.
///
/// Each request carries the cursor, the ID of the last event the client has. The answer holds
/// every event after it that is ready (bounded by ``Configuration-swift.struct/maximumEvents`` and
/// ``Configuration-swift.struct/maximumBytes``), or waits up to
/// ``Configuration-swift.struct/timeout`` for the next one, then ends. Its body is ordinary
/// `text/event-stream` framing, so the parser that reads a stream reads it too:
///
/// - a `retry:` field, the wait a client should make after a failure;
/// - the events, each with its `id:`, in order;
/// - when no event came, a block with only an `id:` line: it moves the client's cursor to the
///   newest event without dispatching anything, so the next poll misses nothing published
///   between the two.
///
/// A cursor older than the replay log is answered with the broadcaster's
/// `SSEBroadcaster.replayUnavailableEventType` event, exactly as a resuming stream is. A request
/// without a cursor is answered at once with the newest event's ID, when there is one, so that
/// the client has a cursor from its first answer. See <doc:LongPolling>.
///
/// Every wait is bounded: beyond ``Configuration-swift.struct/maximumWaiting`` waiting requests (or
/// ``Configuration-swift.struct/maximumWaitingPerTopic`` on one topic) a request is answered `503`
/// with `Retry-After` at once. An answer is never sent sooner than
/// ``Configuration-swift.struct/minimumInterval`` after its request arrived, so that a client
/// polling in a tight loop is slowed down, and the events that come meanwhile go in one answer.
public struct SSELongPoll: Sendable {
    /// The broadcaster whose topics are polled.
    public let broadcaster: SSEBroadcaster

    /// Limits and timings.
    public let configuration: Configuration

    private let admission: Admission

    /// Creates long polling on `broadcaster`.
    ///
    /// - Parameters:
    ///   - broadcaster: The broadcaster whose topics and replay log are polled; the same one the
    ///     SSE streams subscribe to.
    ///   - configuration: Limits and timings.
    public init(broadcaster: SSEBroadcaster, configuration: Configuration = Configuration()) {
        precondition(configuration.timeout > .zero, "the timeout must be positive")
        precondition(configuration.maximumEvents > 0, "maximumEvents must be positive")
        precondition(configuration.maximumBytes > 0, "maximumBytes must be positive")
        precondition(
            !configuration.transportParameter.isEmpty,
            "the transport parameter's name must not be empty"
        )
        self.broadcaster = broadcaster
        self.configuration = configuration
        self.admission = Admission(
            maximumWaiting: configuration.maximumWaiting,
            maximumWaitingPerTopic: configuration.maximumWaitingPerTopic
        )
    }

    /// How many requests are waiting for events now.
    public var waitingCount: Int {
        admission.waitingCount
    }

    /// Whether a request asks for long polling rather than a stream: its query parameter named
    /// ``Configuration-swift.struct/transportParameter`` is `poll`, as the browser script sends.
    ///
    /// - Parameter query: The request's decoded query parameters.
    /// - Returns: `true` for a long poll.
    public func isLongPoll(query: [String: String]) -> Bool {
        query[configuration.transportParameter] == "poll"
    }

    /// What a stream on the same topics starts with, for an adapter that serves both transports:
    /// the padding comment (if configured) and the `retry:` field, as a long poll's answer starts;
    /// and, for a client without a cursor, a block with only the newest event's `id:`, so that
    /// it has a cursor before its first event and a reconnection misses nothing.
    ///
    /// These bytes also open the stream at once for clients that see nothing of a response until
    /// body bytes arrive (Chromium's `XMLHttpRequest`, some proxies).
    ///
    /// - Parameters:
    ///   - subscription: The stream's subscription.
    ///   - lastEventID: The cursor the subscription was made with.
    /// - Returns: The bytes to send before the first event.
    public func streamPrefix(for subscription: SSEBroadcaster.Subscription, lastEventID: String?) -> [UInt8] {
        var bytes = Answer.leadingBytes(configuration)
        if lastEventID.map({ $0.isEmpty }) ?? true, let newest = subscription.lastPublishedEventID {
            bytes.append(contentsOf: "id: \(newest)\n\n".utf8)
        }
        return bytes
    }

    /// Answers one long poll: the events after `lastEventID` that are ready, or the next ones to
    /// come within the timeout, or none.
    ///
    /// Cancelling the calling task (the client went away, the server is stopping) ends the wait
    /// at once; the answer then holds what was collected so far.
    ///
    /// - Parameters:
    ///   - topics: The topics to receive.
    ///   - subscriberID: Also receive the events published for this subscriber ID.
    ///   - lastEventID: The client's cursor: the `Last-Event-ID` header, else the query parameter
    ///     the browser script sends (`lastEventId`), as for a stream.
    /// - Returns: The answer to send: `200` with the events, or `503` when too many requests are
    ///   waiting.
    public func respond(
        topics: [String],
        subscriberID: String? = nil,
        lastEventID: String?
    ) async -> Response {
        let arrived = ContinuousClock.now
        let audiences = topics.map(Audience.topic) + (subscriberID.map { [Audience.subscriber($0)] } ?? [])
        guard admission.enter(audiences) else {
            return .busy(retryAfter: configuration.retryAfter)
        }
        defer { admission.leave(audiences) }

        let subscription = broadcaster.subscribe(to: topics, subscriberID: subscriberID, lastEventID: lastEventID)
        var answer = Answer(configuration: configuration)
        let hasCursor = lastEventID.map { !$0.isEmpty } ?? false
        if hasCursor || subscription.lastPublishedEventID == nil {
            answer = await collect(from: subscription, into: answer, arrived: arrived)
        } else {
            // No cursor yet: the newest ID is the client's starting point, handed over at once
            // (after the minimum interval).
            try? await Task.sleep(until: arrived + configuration.minimumInterval)
        }
        subscription.cancel()
        // Resumed from a replay store (another instance's cursor, say), the client's own cursor
        // stays: this instance's newest ID may be behind it.
        return answer.response(cursor: subscription.resumesFromReplayStore ? nil : subscription.lastPublishedEventID)
    }

    /// Waits for the first event up to the timeout, then takes what comes until the minimum
    /// interval has passed or a limit is reached.
    private func collect(
        from subscription: SSEBroadcaster.Subscription,
        into answer: Answer,
        arrived: ContinuousClock.Instant
    ) async -> Answer {
        let collected = Collected(answer)
        let (firstEvent, firstEventSeen) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let timeout = configuration.timeout
        let minimumInterval = configuration.minimumInterval
        // Whichever ends first ends the answer: the collector (full, or the subscription ended),
        // the timeout, or the minimum interval once an event has come.
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var chunks = subscription.makeAsyncIterator()
                while let chunk = try? await chunks.next() {
                    let (counted, full) = collected.answer.withLock { answer in
                        (answer.append(chunk), answer.isFull)
                    }
                    if counted {
                        firstEventSeen.yield()
                    }
                    if full {
                        return
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(until: arrived + timeout)
            }
            group.addTask {
                try? await Task.sleep(until: arrived + minimumInterval)
                for await _ in firstEvent {
                    return
                }
            }
            await group.next()
            group.cancelAll()
        }
        firstEventSeen.finish()
        return collected.answer.withLock { $0 }
    }
}

extension SSELongPoll {
    /// Limits and timings of ``SSELongPoll``.
    public struct Configuration: Sendable {
        /// How long a request waits for an event before its answer goes empty. Keep it below the
        /// idle timeout of every proxy on the way (nginx: 60 s; many load balancers: 60 s).
        public var timeout: Duration

        /// The shortest time between a request and its answer: a client that polls in a tight
        /// loop is slowed to one answer per interval, and events arriving meanwhile share it.
        public var minimumInterval: Duration

        /// The most events in one answer; the client's next poll takes the rest at once.
        public var maximumEvents: Int

        /// About the most bytes of events in one answer (an event is never split; one larger than
        /// this goes alone).
        public var maximumBytes: Int

        /// The `retry:` field of every answer: how long a client waits after a failed poll.
        public var retry: Duration

        /// Bytes of leading comment for intermediaries that hold back the start of a response
        /// (old proxies, some antivirus software); `0` sends none. 2,048 is the usual amount.
        public var paddingBytes: Int

        /// The query parameter that carries the cursor when there is no `Last-Event-ID` header.
        ///
        /// Deprecated: the servers read a long poll's cursor as a stream's, from their stream
        /// configuration's `lastEventIDQueryParameter` (`lastEventId` by default).
        @available(
            *,
            deprecated,
            message: "The servers read the cursor from SSEStreamConfiguration.lastEventIDQueryParameter"
        )
        public var cursorParameter: String {
            get { deprecatedCursorParameter }
            set { deprecatedCursorParameter = newValue }
        }

        fileprivate var deprecatedCursorParameter: String

        /// The query parameter whose value `poll` asks for long polling (see
        /// ``SSELongPoll/isLongPoll(query:)``).
        public var transportParameter: String

        /// The most requests waiting at once, in all; beyond it a request is answered `503`.
        public var maximumWaiting: Int

        /// The most requests waiting at once on one topic (or subscriber ID).
        public var maximumWaitingPerTopic: Int

        /// The `Retry-After` of a `503` answer.
        public var retryAfter: Duration

        /// The defaults: a 25-second wait, 250 ms minimum interval, 1,000 events or 256 KiB per
        /// answer, `retry: 2000`, no padding, 10,000 waiting requests (1,000 per topic), and
        /// `Retry-After: 5`.
        public init() {
            timeout = .seconds(25)
            minimumInterval = .milliseconds(250)
            maximumEvents = 1000
            maximumBytes = 256 * 1024
            retry = .seconds(2)
            paddingBytes = 0
            deprecatedCursorParameter = "lastEventId"
            transportParameter = "transport"
            maximumWaiting = 10_000
            maximumWaitingPerTopic = 1000
            retryAfter = .seconds(5)
        }
    }

    /// One long poll's answer, for a server adapter to send as it is.
    public struct Response: Sendable {
        /// `200`, or `503` when too many requests were waiting.
        public var status: HTTPResponse.Status

        /// The response header fields: `Content-Type`, `Cache-Control`, `Content-Length`, and
        /// `Retry-After` on a `503`.
        public var headers: HTTPFields

        /// The body: `text/event-stream` framing.
        public var body: [UInt8]

        /// How many events the body holds (not counting comments or the cursor block).
        public var eventCount: Int

        static func busy(retryAfter: Duration) -> Self {
            let seconds = max(1, Int(retryAfter.components.seconds))
            let body = Array("Too many waiting requests; retry later.\n".utf8)
            return Response(
                status: .serviceUnavailable,
                headers: [
                    .contentType: "text/plain; charset=utf-8",
                    .cacheControl: "no-store",
                    .contentLength: String(body.count),
                    .retryAfter: String(seconds),
                ],
                body: body,
                eventCount: 0
            )
        }
    }
}

/// The body of one answer as it is collected.
private struct Answer: Sendable {
    private(set) var body: [UInt8] = []
    private(set) var eventCount = 0
    private let maximumEvents: Int
    private let maximumBytes: Int
    private var eventBytes = 0

    init(configuration: SSELongPoll.Configuration) {
        maximumEvents = configuration.maximumEvents
        maximumBytes = configuration.maximumBytes
        body = Self.leadingBytes(configuration)
    }

    /// What every answer and stream starts with: the padding comment, if any, and `retry:`.
    static func leadingBytes(_ configuration: SSELongPoll.Configuration) -> [UInt8] {
        var bytes: [UInt8] = []
        if configuration.paddingBytes > 0 {
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: configuration.paddingBytes))
            bytes.append(contentsOf: [0x0A, 0x0A])
        }
        let milliseconds =
            configuration.retry.components.seconds * 1000
            + configuration.retry.components.attoseconds / 1_000_000_000_000_000
        bytes.append(contentsOf: "retry: \(milliseconds)\n\n".utf8)
        return bytes
    }

    var isFull: Bool {
        eventCount >= maximumEvents || eventBytes >= maximumBytes
    }

    /// Adds one chunk of the subscription, an event or an in-band signal; returns whether it was
    /// one. Heartbeat comments are left out: an answer ends after its first event, and a comment
    /// would end it for nothing.
    mutating func append(_ chunk: [UInt8]) -> Bool {
        guard chunk.first != UInt8(ascii: ":") else {
            return false
        }
        body.append(contentsOf: chunk)
        eventCount += 1
        eventBytes += chunk.count
        return true
    }

    func response(cursor: String?) -> SSELongPoll.Response {
        var body = self.body
        if eventCount == 0, let cursor {
            body.append(contentsOf: "id: \(cursor)\n\n".utf8)
        }
        return SSELongPoll.Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8",
                .cacheControl: "no-store",
                .contentLength: String(body.count),
            ],
            body: body,
            eventCount: eventCount
        )
    }
}

/// The answer shared by the tasks of one wait.
private final class Collected: Sendable {
    let answer: Mutex<Answer>

    init(_ answer: Answer) {
        self.answer = Mutex(answer)
    }
}

/// Counts the waiting requests, in all and per topic, and refuses those beyond the limits.
private final class Admission: Sendable {
    private struct Counts {
        var total = 0
        var perTopic: [Audience: Int] = [:]
    }

    private let counts = Mutex(Counts())
    private let maximumWaiting: Int
    private let maximumWaitingPerTopic: Int

    init(maximumWaiting: Int, maximumWaitingPerTopic: Int) {
        self.maximumWaiting = maximumWaiting
        self.maximumWaitingPerTopic = maximumWaitingPerTopic
    }

    var waitingCount: Int {
        counts.withLock { $0.total }
    }

    func enter(_ topics: [Audience]) -> Bool {
        counts.withLock { counts in
            guard counts.total < maximumWaiting,
                topics.allSatisfy({ counts.perTopic[$0, default: 0] < maximumWaitingPerTopic })
            else {
                return false
            }
            counts.total += 1
            for topic in topics {
                counts.perTopic[topic, default: 0] += 1
            }
            return true
        }
    }

    func leave(_ topics: [Audience]) {
        counts.withLock { counts in
            counts.total -= 1
            for topic in topics {
                let count = counts.perTopic[topic, default: 1] - 1
                counts.perTopic[topic] = count == 0 ? nil : count
            }
        }
    }
}

extension SSELongPoll {
    /// The client's cursor: the `Last-Event-ID` header when it has one, else the query parameter
    /// named ``Configuration-swift.struct/cursorParameter``.
    ///
    /// Deprecated: a server resolves a long poll's cursor with the resolver of its streams (the
    /// embedded server's `SSERequest.lastEventID`, the adapters' `request.sseLastEventID()`),
    /// which also checks it, so that one header and one query parameter serve both transports.
    ///
    /// - Parameters:
    ///   - lastEventIDHeader: The request's `Last-Event-ID` header, if any.
    ///   - query: The request's decoded query parameters.
    /// - Returns: The cursor, or `nil` for a client that has none.
    @available(*, deprecated, message: "Resolve the cursor as for a stream: each server's longPoll.response(to:) does")
    public func cursor(lastEventIDHeader: String?, query: [String: String]) -> String? {
        if let lastEventIDHeader, !lastEventIDHeader.isEmpty {
            return lastEventIDHeader
        }
        guard let value = query[configuration.deprecatedCursorParameter], !value.isEmpty else {
            return nil
        }
        return value
    }
}
