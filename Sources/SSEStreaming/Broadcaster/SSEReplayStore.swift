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

/// Where a broadcaster looks for what a resuming subscriber missed when its own replay log does
/// not have the subscriber's last event ID: a database that every server instance writes its
/// events to, say, so that a client resumes on any instance, or after a restart.
///
/// Set it as ``SSEBroadcaster/Configuration-swift.struct/replayStore``. The broadcaster's own
/// in-memory log stays first: the store is asked only on a miss, so a broadcaster without one (or
/// a resume the log can serve) costs exactly what it did. While the store looks, the subscription
/// is registered: live events queue for it as usual, and go after the store's events.
///
/// The IDs are the store's: its events are published to the broadcaster with their IDs set
/// (``SSEBroadcaster/publish(_:to:coalescingKey:)-(_,String,_)`` keeps an event's own ID), in
/// the store's order. `SSEPostgres` is the store this package provides.
public protocol SSEReplayStore: Sendable {
    /// The events after `lastEventID` for a subscriber of `topics` (and of `subscriberID`), oldest
    /// first, each with its ID.
    ///
    /// - Parameters:
    ///   - lastEventID: The ID the subscriber last received.
    ///   - topics: Its topics.
    ///   - subscriberID: Its subscriber ID, if any.
    /// - Returns: The events and how far they reach, or ``SSEReplay/unavailable(throughID:reason:)``:
    ///   the subscriber is then sent the broadcaster's
    ///   ``SSEBroadcaster/replayUnavailableEventType`` event, as for a miss without a store.
    func replay(after lastEventID: String, topics: [String], subscriberID: String?) async -> SSEReplay
}

/// What an ``SSEReplayStore`` found for a resuming subscriber.
public enum SSEReplay: Sendable {
    /// The events the subscriber missed, oldest first, each with its ID. `throughID` is the ID
    /// they reach (their last one, or a later one that was not for this subscriber): the live
    /// events the broadcaster queued for the subscriber up to and including the event of that
    /// ID are skipped, since the store's events cover them. The store must have waited until the
    /// broadcaster was published that event; `nil` skips nothing.
    case events([ServerSentEvent], throughID: String?)

    /// The store has no record of the ID, or no longer has every event after it: the subscriber
    /// is sent the broadcaster's ``SSEBroadcaster/replayUnavailableEventType`` event with
    /// `reason` and with `throughID` as its ID (`nil`: the newest ID the broadcaster had when it
    /// subscribed), and goes on with the live events after it, as for ``events(_:throughID:)``.
    case unavailable(throughID: String?, reason: SSEBroadcaster.ReplayUnavailableReason = .unknown)

    /// The store could not look (its database is down or did not answer in time): whether the
    /// subscriber missed anything is not known, so it is not told that it did. Its subscription
    /// ends with ``SSEBroadcasterError/replayStoreUnavailable`` before any event, and a server
    /// answers `503` with `Retry-After`, so that the client tries again with the same ID.
    case storeUnavailable
}
