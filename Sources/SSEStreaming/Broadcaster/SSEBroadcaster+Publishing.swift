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
    // MARK: Publishing

    /// Publishes an event to the subscribers of a topic.
    ///
    /// - Parameters:
    ///   - event: The event. Without an ID, it is given the next one.
    ///   - topic: Its topic.
    ///   - coalescingKey: Under ``OverflowPolicy/coalesce``, a subscriber that has not read this
    ///     event yet when a newer one with the same key comes skips it.
    /// - Returns: The event's ID. After ``shutDown(finalEvent:reconnectionWindow:)`` the event is not delivered, nor logged.
    /// - Throws: `SSEEncodingError` if the event cannot be encoded; nothing is published then.
    @discardableResult
    public func publish(
        _ event: ServerSentEvent,
        to topic: String,
        coalescingKey: String? = nil
    ) throws(SSEEncodingError) -> String {
        try publish(event, to: [.topic(topic)], coalescingKey: coalescingKey)
    }

    /// Publishes an event to the subscribers of several topics; one subscribed to more than one of
    /// them receives it once.
    ///
    /// - Parameters:
    ///   - event: The event. Without an ID, it is given the next one.
    ///   - topics: Its topics.
    ///   - coalescingKey: See ``publish(_:to:coalescingKey:)-(_,String,_)``.
    /// - Returns: The event's ID.
    /// - Throws: `SSEEncodingError` if the event cannot be encoded; nothing is published then.
    @discardableResult
    public func publish(
        _ event: ServerSentEvent,
        to topics: some Sequence<String>,
        coalescingKey: String? = nil
    ) throws(SSEEncodingError) -> String {
        var unique: Set<String> = []
        let audiences = topics.filter { unique.insert($0).inserted }.map(Audience.topic)
        return try publish(event, to: audiences, coalescingKey: coalescingKey)
    }

    /// Publishes an event to the subscriptions made with a subscriber ID (one user's tabs, one
    /// client), whatever their topics.
    ///
    /// - Parameters:
    ///   - event: The event. Without an ID, it is given the next one.
    ///   - subscriberID: The ID given to ``subscribe(to:subscriberID:lastEventID:overflowPolicy:)``.
    ///   - coalescingKey: See ``publish(_:to:coalescingKey:)-(_,String,_)``.
    /// - Returns: The event's ID.
    /// - Throws: `SSEEncodingError` if the event cannot be encoded; nothing is published then.
    @discardableResult
    public func publish(
        _ event: ServerSentEvent,
        toSubscriber subscriberID: String,
        coalescingKey: String? = nil
    ) throws(SSEEncodingError) -> String {
        try publish(event, to: [.subscriber(subscriberID)], coalescingKey: coalescingKey)
    }

    /// One event of ``publish(_:)``: an event (with its own ID, or none to assign one), for
    /// topics and subscriber IDs at once; a subscriber of several of them receives it once.
    package struct Publication: Sendable {
        package var event: ServerSentEvent
        package var topics: [String]
        package var subscriberIDs: [String]
        package var coalescingKey: String?
        /// How long ago it was published where it came from (another instance, through a replay
        /// store's listener): the delivery latency counts from then. Zero: now.
        package var age: Duration
        /// The trace context it was published with where it came from; `nil`: the broadcaster's
        /// own (see `Configuration.tracing`).
        package var context: (any Sendable)?

        package init(
            event: ServerSentEvent,
            topics: [String],
            subscriberIDs: [String],
            coalescingKey: String?,
            age: Duration = .zero,
            context: (any Sendable)? = nil
        ) {
            self.event = event
            self.topics = topics
            self.subscriberIDs = subscriberIDs
            self.coalescingKey = coalescingKey
            self.age = age
            self.context = context
        }
    }

    /// Publishes events in order under one lock, waking each waiting subscriber once for all of
    /// them (what a replay store's listener receives arrives in batches). An event that cannot
    /// be encoded is skipped. Returns the IDs of those published.
    @discardableResult
    package func publish(_ publications: [Publication]) -> [String?] {
        var encoded:
            [(
                bytes: [UInt8], id: String?, audiences: [Audience], key: String?, age: Duration,
                context: (any Sendable)?
            )?] =
                []
        let publishContext = self.publishContext
        encoded.reserveCapacity(publications.count)
        for publication in publications {
            var unique: Set<Audience> = []
            let audiences =
                (publication.topics.map(Audience.topic) + publication.subscriberIDs.map(Audience.subscriber)).filter {
                    unique.insert($0).inserted
                }
            var bytes: [UInt8] = []
            guard (try? encoder.encode(publication.event, into: &bytes)) != nil else {
                encoded.append(nil)
                continue
            }
            if publication.event.id == nil {
                bytes.removeLast()
            }
            encoded.append(
                (
                    bytes, publication.event.id, audiences, publication.coalescingKey, max(publication.age, .zero),
                    publishContext == nil ? nil : publication.context ?? publishContext?()
                )
            )
        }
        let now = self.now()
        let (ids, wake) = state.withLock { state in
            var ids: [String?] = []
            var wake: [BroadcasterStateMachine.Waiter] = []
            for index in encoded.indices {
                guard encoded[index] != nil else {
                    ids.append(nil)
                    continue
                }
                let (id, woken) = state.publish(
                    &encoded[index]!.bytes,
                    id: encoded[index]!.id,
                    to: encoded[index]!.audiences,
                    coalescingKey: encoded[index]!.key,
                    now: now,
                    publishedAt: now - encoded[index]!.age,
                    context: encoded[index]!.context
                )
                ids.append(id)
                wake += woken
            }
            return (ids, wake)
        }
        for waiter in wake {
            waiter.resume()
        }
        return ids
    }

    private func publish(
        _ event: ServerSentEvent,
        to audiences: [Audience],
        coalescingKey: String?
    ) throws(SSEEncodingError) -> String {
        // Encoded outside the lock. An ID to assign is appended under the lock, where its number is
        // taken; the room for it is reserved here, so appending it copies nothing.
        var bytes: [UInt8] = []
        if event.id == nil {
            bytes.reserveCapacity(event.data.utf8.count + event.type.utf8.count + idPrefix.utf8.count + 64)
        }
        try encoder.encode(event, into: &bytes)
        if event.id == nil {
            bytes.removeLast()
        }
        return publish(encoded: &bytes, id: event.id, to: audiences, coalescingKey: coalescingKey)
    }

    /// Publishes an encoded event: without its final blank line when `id` is `nil`, which assigns
    /// the next one.
    func publish(
        encoded bytes: inout [UInt8],
        id: String? = nil,
        to audiences: [Audience],
        coalescingKey: String? = nil
    ) -> String {
        let now = self.now()
        let context = publishContext?()
        let (id, wake) = state.withLock { state in
            state.publish(&bytes, id: id, to: audiences, coalescingKey: coalescingKey, now: now, context: context)
        }
        for waiter in wake {
            waiter.resume()
        }
        return id
    }

    /// Nothing more will be published: every subscription ends after what it has not read, and
    /// one made later after its replay. The replay log stays.
    func seal() {
        for waiter in state.withLock({ $0.seal() }) {
            waiter.resume()
        }
    }
}
