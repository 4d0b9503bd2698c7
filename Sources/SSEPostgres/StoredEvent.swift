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
import SSECodec
import SSEStreaming

/// An event's ID as the table has it: the epoch of the table's history and the number. Written
/// `<epoch>-<number>`; a plain number (an ID from before epochs) is taken to be of the current
/// epoch.
struct StoredID: Sendable, Equatable {
    var epoch: String
    var number: Int64

    var description: String { "\(epoch)-\(number)" }

    /// The ID a client sent: its epoch (`nil` for a plain number) and number, or `nil` if it is
    /// neither.
    static func parse(_ id: String) -> (epoch: Substring?, number: Int64)? {
        if let (epoch, number) = EpochEventID.split(id), number <= UInt64(Int64.max) {
            return (epoch, Int64(number))
        }
        if let number = Int64(id), number >= 0,
            id.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        {
            return (nil, number)
        }
        return nil
    }
}

/// An event as the table keeps it: its audiences (`t:` and a topic, or `s:` and a subscriber
/// ID), type, data and coalescing key, with the epoch it was read in.
struct StoredEvent: Sendable, Equatable {
    var epoch: String
    var id: Int64
    var audiences: [String]
    var type: String
    var data: String
    var coalescingKey: String?
    /// When its write began, in microseconds since 1970 on the database's clock (the write's
    /// `now()`, the row's `created`); `nil` when not known.
    var writtenAt: Int64?
    /// The trace context it was published in, written down (`SSEBroadcaster.TracingHooks`);
    /// `nil`: none.
    var trace: String?

    static let topicPrefix = "t:"
    static let subscriberPrefix = "s:"

    /// The audiences of a subscriber, as the table names them.
    static func audiences(topics: [String], subscriberIDs: [String]) -> [String] {
        topics.map { topicPrefix + $0 } + subscriberIDs.map { subscriberPrefix + $0 }
    }

    var topics: [String] {
        audiences.compactMap { $0.hasPrefix(Self.topicPrefix) ? String($0.dropFirst(2)) : nil }
    }

    var subscriberIDs: [String] {
        audiences.compactMap { $0.hasPrefix(Self.subscriberPrefix) ? String($0.dropFirst(2)) : nil }
    }

    var event: ServerSentEvent {
        ServerSentEvent(type: type, data: data, id: StoredID(epoch: epoch, number: id).description)
    }
}

/// The notification a write sends, once per write: the last ID and how many events the write
/// has, and the events themselves when they fit into a notification (PostgreSQL's limit is 8,000
/// bytes, and a payload cannot hold U+0000); else only the IDs, and every instance reads the
/// events from the table.
///
/// The writer sends `COUNT I\n`, then (put there by the database) the write's `now()` in
/// microseconds since 1970 and `\n`, then each event as four decimal byte lengths and the four
/// fields (audiences joined by U+001F, type, coalescing key, data); or `COUNT F\n` and the time
/// line alone. When an event of the write carries a trace context, `T` instead of `I`, and each
/// event has five lengths and fields: the trace context before the data. The database puts the
/// epoch, the last ID and a space each in front, as it assigns the IDs in the same statement.
///
/// Instances before the time line sent `i` and `f` without it, and are still read. They take `I`,
/// `F` and `T` for "read the events from the table" (their test was `i`), and ignore what follows:
/// instances of both kinds can run side by side during an upgrade, with nothing lost. In the same
/// way, this version reads any other capital letter as "read the events from the table", so that a
/// later version can add kinds (the version before `T` read `T` so).
enum NotificationPayload {
    /// At most this many bytes of events go inline (the IDs take the rest of the 8,000).
    static let inlineLimit = 7_900

    static let separator: Character = "\u{1F}"

    /// The parts of the payload the writer sends: the head (before the database's time line) and
    /// the inline events (after it).
    static func encode(
        _ events: [(audiences: String, type: String, key: String, data: String, trace: String)]
    ) -> (head: String, inline: String) {
        let traced = events.contains { !$0.trace.isEmpty }
        var inline = ""
        var fits = true
        for event in events {
            let lengths =
                "\(event.audiences.utf8.count) \(event.type.utf8.count) \(event.key.utf8.count) "
                + (traced ? "\(event.trace.utf8.count) " : "") + "\(event.data.utf8.count)\n"
            if inline.utf8.count + lengths.utf8.count + event.audiences.utf8.count + event.type.utf8.count
                + event.key.utf8.count + event.trace.utf8.count + event.data.utf8.count > inlineLimit
                || event.data.utf8.contains(0) || event.type.utf8.contains(0) || event.key.utf8.contains(0)
                || event.trace.utf8.contains(0)
            {
                fits = false
                break
            }
            inline += lengths
            inline += event.audiences
            inline += event.type
            inline += event.key
            if traced {
                inline += event.trace
            }
            inline += event.data
        }
        return fits ? ("\(events.count) \(traced ? "T" : "I")\n", inline) : ("\(events.count) F\n", "")
    }

    /// What a notification says.
    struct Decoded: Equatable {
        /// The epoch the write was made in.
        var epoch: String
        /// The IDs of the write.
        var ids: ClosedRange<Int64>
        /// Its events, or `nil`: read them from the table.
        var events: [StoredEvent]?
        /// When the write began, in microseconds since 1970 on the database's clock; `nil` from
        /// a writer before the time line.
        var writtenAt: Int64?
    }

    /// Reads a notification; `nil` if it is not one of ours.
    static func decode(_ payload: String) -> Decoded? {
        let bytes = Array(payload.utf8)
        var index = 0
        func number(until terminator: UInt8) -> Int64? {
            var value: Int64 = 0
            var digits = 0
            while index < bytes.count, bytes[index] != terminator {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10, digits < 18 else {
                    return nil
                }
                value = value * 10 + Int64(digit)
                digits += 1
                index += 1
            }
            guard index < bytes.count, digits > 0 else {
                return nil
            }
            index += 1
            return value
        }
        guard let space = bytes.firstIndex(of: UInt8(ascii: " ")), (1...16).contains(space),
            bytes[..<space].allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) })
        else {
            return nil
        }
        let epoch = String(decoding: bytes[..<space], as: UTF8.self)
        index = space + 1
        guard let last = number(until: UInt8(ascii: " ")), let count = number(until: UInt8(ascii: " ")),
            count > 0, count <= last, index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n")
        else {
            return nil
        }
        let ids = (last - count + 1)...last
        let marker = bytes[index]
        let kinds = [UInt8(ascii: "i"), UInt8(ascii: "f"), UInt8(ascii: "I"), UInt8(ascii: "F"), UInt8(ascii: "T")]
        guard kinds.contains(marker) else {
            // A kind of a later version: its IDs are all this version can trust; the events are
            // read from the table, as earlier versions read `I` and `F`.
            guard (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(marker) else {
                return nil
            }
            return Decoded(epoch: epoch, ids: ids, events: nil)
        }
        index += 2
        var writtenAt: Int64?
        if marker != UInt8(ascii: "i") && marker != UInt8(ascii: "f") {
            guard let time = number(until: UInt8(ascii: "\n")) else {
                return nil
            }
            writtenAt = time
        }
        guard marker != UInt8(ascii: "f") && marker != UInt8(ascii: "F") else {
            return Decoded(epoch: epoch, ids: ids, events: nil, writtenAt: writtenAt)
        }
        let traced = marker == UInt8(ascii: "T")
        var events: [StoredEvent] = []
        for id in ids {
            guard let audiencesLength = number(until: UInt8(ascii: " ")),
                let typeLength = number(until: UInt8(ascii: " ")),
                let keyLength = number(until: UInt8(ascii: " ")),
                let traceLength = traced ? number(until: UInt8(ascii: " ")) : 0,
                let dataLength = number(until: UInt8(ascii: "\n"))
            else {
                return nil
            }
            var fields: [String] = []
            for length in [audiencesLength, typeLength, keyLength, traceLength, dataLength] {
                let end = index + Int(length)
                guard end <= bytes.count else {
                    return nil
                }
                fields.append(String(decoding: bytes[index..<end], as: UTF8.self))
                index = end
            }
            events.append(
                StoredEvent(
                    epoch: epoch,
                    id: id,
                    audiences: fields[0].split(separator: separator, omittingEmptySubsequences: false).map(String.init),
                    type: fields[1],
                    data: fields[4],
                    coalescingKey: fields[2].isEmpty ? nil : fields[2],
                    writtenAt: writtenAt,
                    trace: fields[3].isEmpty ? nil : fields[3]
                )
            )
        }
        return index == bytes.count ? Decoded(epoch: epoch, ids: ids, events: events, writtenAt: writtenAt) : nil
    }
}
#endif
