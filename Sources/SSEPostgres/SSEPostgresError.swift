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

#if PostgresSupport

/// Why an SSEPostgresBroadcaster could not publish an event.
public struct SSEPostgresError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: Sendable, Hashable {
        /// The event cannot be encoded (a type with a line break, say), or its idempotency key is
        /// empty or holds U+0000; nothing was sent.
        case invalidEvent
        /// The event has an ID of its own: the database assigns every ID, so that they are
        /// ordered across instances. Nothing was sent.
        case eventHasID
        /// A topic or subscriber ID contains U+001F (the separator the table uses) or U+0000, or
        /// the event has no topic at all. Nothing was sent.
        case invalidAudience
        /// More events wait to be written than SSEPostgresBroadcaster/Configuration/maximumPendingEvents:
        /// the database is not keeping up (or is away). Nothing was sent.
        case overloaded
        /// The database did not confirm the event within
        /// SSEPostgresBroadcaster/Configuration/publishTimeout (it is away, or too slow). The
        /// event may or may not have been written: it is delivered if it was, once.
        case timedOut
        /// The database refused or failed the write (underlying says why): nothing was written.
        case writeFailed
        /// The broadcaster is not running (SSEPostgresBroadcaster/run() has not started, or ended).
        case notRunning
    }

    /// What went wrong.
    public let code: Code

    /// The error that caused it, such as PostgresNIO's.
    public let underlying: (any Error)?

    init(_ code: Code, underlying: (any Error)? = nil) {
        self.code = code
        self.underlying = underlying
    }

    public var description: String {
        let reason: String
        switch code {
        case .invalidEvent: reason = "the event cannot be encoded"
        case .eventHasID: reason = "the event has an ID of its own; the database assigns IDs"
        case .invalidAudience: reason = "a topic or subscriber ID is empty or contains U+001F or U+0000"
        case .overloaded: reason = "too many events wait to be written"
        case .timedOut: reason = "the database did not confirm the write in time; it may or may not have been written"
        case .writeFailed: reason = "the database failed the write"
        case .notRunning: reason = "the broadcaster is not running"
        }
        guard let underlying else {
            return "SSEPostgresError: \(reason)"
        }
        return "SSEPostgresError: \(reason): \(String(reflecting: underlying))"
    }
}
#endif
