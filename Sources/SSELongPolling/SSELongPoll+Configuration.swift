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

        var deprecatedCursorParameter: String

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
}
