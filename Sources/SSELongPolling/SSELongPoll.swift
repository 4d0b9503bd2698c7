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
    ///   waiting, or when the replay store could not look up the cursor (its database is down).
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
        // A cursor the replay store could not look up: the client asks again, as after a `503`
        // for load, rather than being told falsely that events were lost.
        guard await subscription.replayStoreAnswered() else {
            subscription.cancel()
            return .busy(retryAfter: configuration.retryAfter)
        }
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
