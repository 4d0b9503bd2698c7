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
public import SSECodec
public import SSEStreaming

/// A framework's event-stream response (`SSEStream` in `SSEHummingbird` and `SSEVapor`): built
/// from a body and a configuration, with the same initializers everywhere.
public protocol SSEStreamResponse: Sendable {
    /// A stream of any body: a subscription, events or encoded chunks.
    ///
    /// - Parameters:
    ///   - body: The stream.
    ///   - configuration: Header fields, gzip, heartbeats.
    init(body: SSEStreamBody, configuration: SSEStreamConfiguration)
}

extension SSEStreamResponse {
    /// A broadcaster subscription's events; events already waiting go out together.
    ///
    /// - Parameters:
    ///   - subscription: The subscription; it has its own heartbeats.
    ///   - configuration: Header fields and gzip.
    public init(
        _ subscription: SSEBroadcaster.Subscription,
        configuration: SSEStreamConfiguration = SSEStreamConfiguration()
    ) {
        self.init(body: .subscription(subscription), configuration: configuration)
    }

    /// A sequence's events, with a heartbeat comment whenever it goes quiet for
    /// ``SSEStreamConfiguration/heartbeat``.
    ///
    /// - Parameters:
    ///   - events: The events.
    ///   - configuration: Header fields, gzip, heartbeats.
    public init<Events: AsyncSequence & Sendable>(
        events: Events,
        configuration: SSEStreamConfiguration = SSEStreamConfiguration()
    ) where Events.Element == ServerSentEvent {
        self.init(body: .events(events), configuration: configuration)
    }
}
#endif
