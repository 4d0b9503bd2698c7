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

extension SSEBroadcaster {
    /// Why a resuming subscriber cannot be sent what it missed: the `reason` in the data of the
    /// ``SSEBroadcaster/replayUnavailableEventType`` event, and the `SSE-Replay-Unavailable`
    /// header of a stream that begins with one.
    ///
    /// A broadcaster's IDs carry its epoch, the identity of its history (the default
    /// ``SSEBroadcaster/Configuration-swift.struct/idPrefix`` is one, made anew with each
    /// broadcaster; `SSEPostgres` keeps one with its table), so that an ID of another history is
    /// told apart from one that is merely old. See <doc:Replay>.
    public struct ReplayUnavailableReason: Sendable, Hashable, CustomStringConvertible {
        /// The reason as the event and the header spell it, such as `too-old`.
        public let rawValue: String

        private init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        /// The ID belongs to a history that no longer exists: an in-memory broadcaster started
        /// anew (a restart, a deploy), a table recreated or truncated. Nothing after it can be
        /// known, so the client must reload. `epoch-changed`.
        public static let epochChanged = Self("epoch-changed")

        /// The ID is of this history, but the events after it are no longer all kept (the replay
        /// log's limits, a table's retention), or are more than one replay may send.
        /// `too-old`.
        public static let tooOld = Self("too-old")

        /// The ID was not published here, as far as can be told: another server's or
        /// application's, an ID given by a publisher and since forgotten, or malformed.
        /// `unknown`.
        public static let unknown = Self("unknown")

        /// The reason spelt as `rawValue`, or `nil` if it is none of these.
        ///
        /// - Parameter rawValue: `epoch-changed`, `too-old` or `unknown`.
        public init?(rawValue: String) {
            switch rawValue {
            case Self.epochChanged.rawValue: self = .epochChanged
            case Self.tooOld.rawValue: self = .tooOld
            case Self.unknown.rawValue: self = .unknown
            default: return nil
            }
        }

        public var description: String { rawValue }
    }
}

/// The shape of the IDs a broadcaster assigns: an epoch (1 to 16 lowercase letters and digits), a
/// hyphen and a number, such as `k3x9q-17`.
package enum EpochEventID {
    /// An ID's epoch and number, or `nil` if it does not have the shape.
    package static func split(_ id: String) -> (epoch: Substring, number: UInt64)? {
        guard let hyphen = id.utf8.firstIndex(of: UInt8(ascii: "-")) else {
            return nil
        }
        let epoch = id[..<hyphen]
        guard (1...16).contains(epoch.utf8.count),
            epoch.utf8.allSatisfy({
                ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                    || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
            }),
            let number = UInt64(id[id.utf8.index(after: hyphen)...])
        else {
            return nil
        }
        return (epoch, number)
    }

    /// Why an ID that a history of epoch prefix `prefix` does not have cannot be replayed, when
    /// that history has assigned numbers up to `newest`.
    ///
    /// - An ID of this prefix numbered up to `newest`: `too-old` (it left the history).
    /// - An ID of the epoch shape with another epoch of the same length, when this prefix has that
    ///   shape too: `epoch-changed`. (A publisher's own ID of that shape, such as `order-7`
    ///   beside `k3x9q-`, is taken for one.)
    /// - Anything else (a number this history never reached, a publisher's own ID): `unknown`.
    package static func reason(
        for id: String,
        prefix: String,
        newest: UInt64
    ) -> SSEBroadcaster.ReplayUnavailableReason {
        if id.hasPrefix(prefix), let number = UInt64(id.dropFirst(prefix.count)) {
            return number <= newest ? .tooOld : .unknown
        }
        if let (epoch, _) = split(id), let (own, _) = split(prefix + "0"), epoch.utf8.count == own.utf8.count,
            epoch != own
        {
            return .epochChanged
        }
        return .unknown
    }
}
