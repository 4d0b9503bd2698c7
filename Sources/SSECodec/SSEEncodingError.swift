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

/// An error thrown by ``SSEEncoder`` for a value that cannot be written without changing its meaning.
///
/// The encoder never writes part of a rejected event: the buffer is left as it was.
/// Errors compare equal by kind; ``field`` is context and does not take part in equality.
public struct SSEEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case lineBreakInEventType
        case lineBreakInID
        case nullInID
        case negativeRetry
    }

    private let code: Code

    /// The offending value, for diagnostics.
    public let field: String

    private init(code: Code, field: String) {
        self.code = code
        self.field = field
    }

    /// The event type contained CR or LF, which would end the `event:` line and inject fields.
    public static let lineBreakInEventType = Self(code: .lineBreakInEventType, field: "")

    /// The event ID contained CR or LF, which would end the `id:` line and inject fields.
    public static let lineBreakInID = Self(code: .lineBreakInID, field: "")

    /// The event ID contained U+0000 NULL; clients ignore such an `id` field.
    public static let nullInID = Self(code: .nullInID, field: "")

    /// A `retry` value was negative.
    public static let negativeRetry = Self(code: .negativeRetry, field: "")

    @usableFromInline static func lineBreakInEventType(_ value: String) -> Self {
        Self(code: .lineBreakInEventType, field: value)
    }
    @usableFromInline static func lineBreakInID(_ value: String) -> Self { Self(code: .lineBreakInID, field: value) }
    @usableFromInline static func nullInID(_ value: String) -> Self { Self(code: .nullInID, field: value) }
    @usableFromInline static func negativeRetry(_ value: Int) -> Self {
        Self(code: .negativeRetry, field: String(value))
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }

    public var description: String {
        switch code {
        case .lineBreakInEventType:
            "SSEEncodingError.lineBreakInEventType: event type \(field.debugDescription) contains CR or LF"
        case .lineBreakInID:
            "SSEEncodingError.lineBreakInID: event ID \(field.debugDescription) contains CR or LF"
        case .nullInID:
            "SSEEncodingError.nullInID: event ID \(field.debugDescription) contains U+0000 NULL"
        case .negativeRetry:
            "SSEEncodingError.negativeRetry: retry value \(field) is negative"
        }
    }
}
