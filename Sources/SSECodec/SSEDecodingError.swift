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

/// An error thrown by ``SSEDecoder`` when input exceeds one of its limits.
///
/// Errors compare equal by kind, so they can be matched against the static members:
///
/// ```swift
/// do {
///     try decoder.decode(chunk) { output in … }
/// } catch let error where error == .lineTooLong {
///     print("a line over \(error.limit) bytes (\(error.size)+ bytes) was dropped")
/// }
/// ```
///
/// The decoder stays usable after an error: it drops the offending line (and the event it belonged
/// to, if it was a field of that event) and carries on with the next event. ``limit`` and ``size``
/// are context and do not take part in equality.
public struct SSEDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case lineTooLong
        case eventTooLarge
    }

    private let code: Code

    /// The limit that was exceeded, in bytes.
    public let limit: Int

    /// How many bytes had been seen when the limit was exceeded: the line (terminator excluded) or
    /// the event's data so far. The full size may be larger; the decoder stops buffering at the limit.
    public let size: Int

    private init(code: Code, limit: Int, size: Int) {
        self.code = code
        self.limit = limit
        self.size = size
    }

    /// A line was longer than ``SSEDecoder/Configuration/maximumLineLength``.
    public static let lineTooLong = Self(code: .lineTooLong, limit: 0, size: 0)

    /// An event's data was larger than ``SSEDecoder/Configuration/maximumEventSize``.
    public static let eventTooLarge = Self(code: .eventTooLarge, limit: 0, size: 0)

    static func lineTooLong(limit: Int, size: Int) -> Self {
        Self(code: .lineTooLong, limit: limit, size: size)
    }

    static func eventTooLarge(limit: Int, size: Int) -> Self {
        Self(code: .eventTooLarge, limit: limit, size: size)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }

    public var description: String {
        switch code {
        case .lineTooLong:
            "SSEDecodingError.lineTooLong: a line exceeded the maximum line length of \(limit) bytes "
                + "(at least \(size) bytes); the line was dropped"
        case .eventTooLarge:
            "SSEDecodingError.eventTooLarge: an event's data exceeded the maximum event size of \(limit) bytes "
                + "(at least \(size) bytes); the event was dropped"
        }
    }
}
