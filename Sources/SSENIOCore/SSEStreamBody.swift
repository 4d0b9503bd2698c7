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
public import HTTPTypes
public import SSECodec
public import SSEStreaming

/// The body of an event stream, for any HTTP server on SwiftNIO: the embedded server and the
/// framework adapters write their streams with it.
///
/// A plain value: what the stream is (a broadcaster subscription, events or encoded chunks of the
/// connection's own) and the bytes it starts with. Every server writes it with the same stream
/// writer: events ready together go out with one write and one flush, none waits for another,
/// and with gzip each batch is compressed and sync-flushed, so that the client can decode every
/// event on arrival.
///
/// When the client goes, the stream must end at once, even while it is quiet. A broadcaster
/// subscription can be ended from the connection's close callback: ``end`` does it. Any other
/// source ends only when the task pulling it is cancelled.
public struct SSEStreamBody: Sendable {
    /// What the stream is.
    package enum Source: Sendable {
        /// A broadcaster subscription: the embedded server polls it from the connection's event
        /// loop, the adapters iterate it in batches.
        case subscription(SSEBroadcaster.Subscription)
        /// A source of the connection's own, pulled into a sink (see ``SSEPulledSource``).
        case pulled(any SSEPulledSource)
    }

    /// What the stream is.
    package let source: Source

    /// Bytes written before the first event, with the response's head (see
    /// ``startingWith(_:)``); empty by default.
    public private(set) var prefix: [UInt8] = []

    private init(_ source: Source) {
        self.source = source
    }

    /// Ends the stream from outside, from any thread, so that a waiting write returns: set for
    /// broadcaster subscriptions; `nil` when only cancelling the writing task can end the stream.
    public var end: (@Sendable () -> Void)? {
        guard case .subscription(let subscription) = source else {
            return nil
        }
        return { subscription.cancel() }
    }

    /// The stream is a subscription that its server cancelled: its client went.
    var wasCancelled: Bool {
        guard case .subscription(let subscription) = source else {
            return false
        }
        return subscription.wasCancelled
    }

    /// Why the stream closed, when its source ended without an error: its client went (the
    /// server cancelled the subscription), its credentials ended it, or it ended.
    package var closeReasonAtEnd: SSEMetrics.CloseReason {
        guard case .subscription(let subscription) = source else {
            return .ended
        }
        return SSEMetrics.CloseReason(endOf: subscription)
    }

    /// Waits for the replay store's answer, for a subscription that resumes from one; `false`
    /// when the store could not look: answer `503` with `Retry-After` instead of the stream (see
    /// `SSEBroadcaster.Subscription.replayStoreAnswered()`). `true` for any other stream.
    package func replayStoreAnswered() async -> Bool {
        guard case .subscription(let subscription) = source else {
            return true
        }
        return await subscription.replayStoreAnswered()
    }

    /// Why the stream, a subscription, cannot replay after its last event ID: a replay miss in
    /// the metrics; `nil` when it can.
    package var replayUnavailable: SSEBroadcaster.ReplayUnavailableReason? {
        guard case .subscription(let subscription) = source else {
            return nil
        }
        return subscription.replayUnavailableReason
    }

    /// Header fields that say where the stream begins, for a broadcaster subscription whose
    /// start is known as it is made: `SSE-Newest-Event-ID`, the ID of the newest event published
    /// then (the client is up to it once the replay is sent), and, when it resumed from an ID whose
    /// events cannot be replayed, `SSE-Replay-Unavailable` with the reason (`epoch-changed`,
    /// `too-old`, `unknown`), so that a client can tell without reading the
    /// `sse-replay-unavailable` event. Empty for other streams, and for a resume that a replay
    /// store answers after the head is sent. Every server adds them to a stream's head.
    public var headerFields: HTTPFields {
        guard case .subscription(let subscription) = source, !subscription.resumesFromReplayStore else {
            return [:]
        }
        var fields = HTTPFields()
        if let newest = subscription.lastPublishedEventID, !newest.isEmpty {
            fields[.sseNewestEventID] = newest
        }
        if let reason = subscription.replayUnavailableReason {
            fields[.sseReplayUnavailable] = reason.rawValue
        }
        return fields
    }

    /// The same stream, which first sends `prefix` (encoded fields or comments, such as a
    /// `retry:` field or padding), flushed with the response's head.
    ///
    /// Some clients see a response only once body bytes arrive: Chromium's `XMLHttpRequest`
    /// reports nothing of a stream whose head came alone, and some proxies hold back a
    /// response's first bytes. A prefix opens the stream for them before the first event.
    ///
    /// ```swift
    /// let body = SSEStreamBody.subscription(subscription).startingWith(Array("retry: 2000\n\n".utf8))
    /// ```
    ///
    /// - Parameter prefix: Bytes of the event stream format, written before everything else.
    /// - Returns: The stream with the prefix.
    public func startingWith(_ prefix: [UInt8]) -> Self {
        var body = self
        body.prefix = prefix
        return body
    }

    /// A broadcaster subscription: events already waiting go out together.
    public static func subscription(_ subscription: SSEBroadcaster.Subscription) -> Self {
        Self(.subscription(subscription))
    }

    /// Encoded chunks, each written and flushed as it comes.
    public static func chunks<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks) -> Self
    where Chunks.Element == [UInt8] {
        Self(.pulled(PulledChunks(chunks: chunks)))
    }

    /// Events, encoded one chunk each, with a heartbeat comment whenever they go quiet for the
    /// stream configuration's ``SSEStreamConfiguration/heartbeat``.
    public static func events<Events: AsyncSequence & Sendable>(_ events: Events) -> Self
    where Events.Element == ServerSentEvent {
        Self(.pulled(PulledEvents(events: events)))
    }
}

/// A source of a connection's own, pulled by a task into a sink.
///
/// The pull is nonisolated: it runs where its task runs, and so does a source's `next()`,
/// whether or not its iterator implements `next(isolation:)`. The embedded server runs the task
/// with its connection's event loop as the task executor preference, so pulling, encoding and
/// writing take no thread hop per event; the adapters run it on the global executor, beside
/// their writer task.
package protocol SSEPulledSource: Sendable {
    /// Hands the source's chunks to the sink until they end or the task is cancelled; waits
    /// while the sink cannot take more.
    func pull(into sink: some SSEStreamSink) async throws
}

/// Events, encoded into the sink.
struct PulledEvents<Events: AsyncSequence & Sendable>: SSEPulledSource where Events.Element == ServerSentEvent {
    let events: Events

    func pull(into sink: some SSEStreamSink) async throws {
        let encoder = SSEEncoder()
        var scratch: [UInt8] = []
        scratch.reserveCapacity(256)
        var iterator = events.makeAsyncIterator()
        while let event = try await iterator.next(isolation: #isolation) {
            try Task.checkCancellation()
            scratch.removeAll(keepingCapacity: true)
            try encoder.encode(event, into: &scratch)
            if !sink.emit(scratch) {
                try await sink.waitUntilWritable()
            }
        }
    }
}

/// Encoded chunks, handed to the sink as they are.
struct PulledChunks<Chunks: AsyncSequence & Sendable>: SSEPulledSource where Chunks.Element == [UInt8] {
    let chunks: Chunks

    func pull(into sink: some SSEStreamSink) async throws {
        var iterator = chunks.makeAsyncIterator()
        while let chunk = try await iterator.next(isolation: #isolation) {
            try Task.checkCancellation()
            if !sink.emit(chunk) {
                try await sink.waitUntilWritable()
            }
        }
    }
}

/// Where a server's connection takes a pulled stream's chunks, from the pulling task.
package protocol SSEStreamSink: Sendable {
    /// Takes one encoded chunk (an event, a comment); whether the connection can take more now.
    /// After `false`, the source waits for ``waitUntilWritable()`` before it is pulled again.
    func emit(_ chunk: [UInt8]) -> Bool

    /// Returns once the connection can take more; throws once it is gone.
    func waitUntilWritable() async throws
}
#endif
