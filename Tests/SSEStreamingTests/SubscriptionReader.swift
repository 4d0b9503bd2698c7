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

import SSECodec
import SSEStreaming

/// Reads a broadcaster subscription the way a client would: its chunks decoded as one stream.
struct SubscriptionReader {
    private var iterator: SSEBroadcaster.Subscription.AsyncIterator
    private var decoder = SSEDecoder(configuration: .init(reportsComments: true))

    init(_ subscription: SSEBroadcaster.Subscription) {
        iterator = subscription.makeAsyncIterator()
    }

    /// The next chunk, undecoded; `nil` at the end.
    mutating func chunk() async throws -> [UInt8]? {
        try await iterator.next()
    }

    /// The next chunk as text.
    mutating func text() async throws -> String? {
        try await chunk().map { String(decoding: $0, as: UTF8.self) }
    }

    /// What the next chunk decodes to: one event, or a comment (a heartbeat).
    mutating func output() async throws -> SSEDecoder.Output? {
        guard let chunk = try await chunk() else {
            return nil
        }
        var outputs: [SSEDecoder.Output] = []
        try decoder.decode(chunk) { outputs.append($0) }
        precondition(outputs.count == 1, "one chunk must be one event or comment, got \(outputs)")
        return outputs[0]
    }

    /// The next event; a chunk that is not an event fails the caller.
    mutating func event() async throws -> ServerSentEvent? {
        switch try await output() {
        case .event(let event)?: event
        case nil: nil
        case let other?: throw Unexpected(output: other)
        }
    }

    /// The next `count` events.
    mutating func events(_ count: Int) async throws -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for _ in 0..<count {
            guard let event = try await event() else {
                break
            }
            events.append(event)
        }
        return events
    }

    struct Unexpected: Error {
        let output: SSEDecoder.Output
    }
}
