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

/// An error that ends an ``SSEBroadcaster/Subscription``.
///
/// Errors compare equal by kind, so they can be matched against the static members:
///
/// ```swift
/// do {
///     for try await chunk in subscription { try await writer.write(chunk) }
/// } catch let error as SSEBroadcasterError where error == .subscriberTooSlow {
///     // Close the response: the client reconnects with Last-Event-ID and resumes.
/// }
/// ```
public struct SSEBroadcasterError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case subscriberTooSlow
        case alreadyIterated
        case replayStoreUnavailable
    }

    private let code: Code

    private init(code: Code) {
        self.code = code
    }

    /// The subscriber's queue was full under the ``SSEBroadcaster/OverflowPolicy/disconnect``
    /// policy: it was disconnected, and its queued events released, so that it could not hold
    /// memory or slow the others. A client resumes from its last event ID.
    public static let subscriberTooSlow = Self(code: .subscriberTooSlow)

    /// A second iterator was made for a subscription that already had one: a subscription has one
    /// consumer. The second iterator throws this at its first `next()`; the first goes on.
    public static let alreadyIterated = Self(code: .alreadyIterated)

    /// The subscription resumed from an ID that the replay log did not have, and the
    /// ``SSEReplayStore`` could not look (its database did not answer): whether events were
    /// missed is not known, so the subscriber is not told that they were. The subscription ends
    /// with this before any event; a server answers `503 Service Unavailable` with `Retry-After`
    /// (see ``SSEBroadcaster/Subscription/replayStoreAnswered()``), and the client tries again
    /// with the same ID.
    public static let replayStoreUnavailable = Self(code: .replayStoreUnavailable)

    public var description: String {
        switch code {
        case .subscriberTooSlow:
            "SSEBroadcasterError.subscriberTooSlow: the subscriber's queue overflowed and it was disconnected"
        case .alreadyIterated:
            "SSEBroadcasterError.alreadyIterated: the subscription is iterated already; it has one consumer"
        case .replayStoreUnavailable:
            "SSEBroadcasterError.replayStoreUnavailable: the replay store could not look for what the subscriber missed"
        }
    }
}
