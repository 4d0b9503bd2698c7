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

/// An error encoding a value as an event's JSON data, or decoding an event's data as JSON, naming
/// the event it happened with.
///
/// ```swift
/// do {
///     let chunk = try event.decodeJSON(Chunk.self)
/// } catch {
///     logger.warning("skipping an event: \(error)")  // names the event's type and ID
/// }
/// ```
///
/// Errors compare equal by kind; the event and the underlying error are context.
public struct SSEJSONError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case encodingFailed
        case decodingFailed
    }

    private let code: Code

    /// The event's type.
    public let eventType: String

    /// The event's ID, if it had one.
    public let eventID: String?

    /// The start of the event's data, at most 100 characters (decoding only).
    public let dataPrefix: String

    /// What `JSONEncoder` or `JSONDecoder` threw.
    public let underlying: (any Error)?

    private init(code: Code, eventType: String, eventID: String?, dataPrefix: String, underlying: (any Error)?) {
        self.code = code
        self.eventType = eventType
        self.eventID = eventID
        self.dataPrefix = dataPrefix
        self.underlying = underlying
    }

    /// A value could not be encoded as JSON.
    public static let encodingFailed = Self(
        code: .encodingFailed,
        eventType: "",
        eventID: nil,
        dataPrefix: "",
        underlying: nil
    )

    /// An event's data was not JSON of the expected shape.
    public static let decodingFailed = Self(
        code: .decodingFailed,
        eventType: "",
        eventID: nil,
        dataPrefix: "",
        underlying: nil
    )

    static func encodingFailed(type: String, id: String?, underlying: any Error) -> Self {
        Self(code: .encodingFailed, eventType: type, eventID: id, dataPrefix: "", underlying: underlying)
    }

    static func decodingFailed(type: String, id: String?, data: String, underlying: any Error) -> Self {
        Self(
            code: .decodingFailed,
            eventType: type,
            eventID: id,
            dataPrefix: String(data.prefix(100)),
            underlying: underlying
        )
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }

    public var description: String {
        let event =
            "event of type \(eventType.debugDescription)" + (eventID.map { " with ID \($0.debugDescription)" } ?? "")
        let cause = underlying.map { ": \($0)" } ?? ""
        switch code {
        case .encodingFailed:
            return "SSEJSONError.encodingFailed: the data of an \(event) could not be encoded as JSON\(cause)"
        case .decodingFailed:
            return
                "SSEJSONError.decodingFailed: the data of an \(event), \(dataPrefix.debugDescription), is not the JSON expected\(cause)"
        }
    }
}
