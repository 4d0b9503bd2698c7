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

/// One Server-Sent Event: what a browser's `EventSource` delivers as a `MessageEvent`.
///
/// The same value is produced by ``SSEDecoder`` and consumed by ``SSEEncoder``:
///
/// ```swift
/// let event = ServerSentEvent(type: "chunk", data: "Hello", id: "42")
/// let bytes = try SSEEncoder().encode(event)  // "id: 42\nevent: chunk\ndata: Hello\n\n"
/// ```
///
/// See [WHATWG HTML §9.2.6, Interpreting an event stream](https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
public struct ServerSentEvent: Sendable, Hashable {
    /// The event type; `"message"` unless the stream sent an `event:` field.
    public var type: String

    /// The event's data: its `data:` lines joined by U+000A LINE FEED.
    public var data: String

    /// The event ID.
    ///
    /// When decoding: the last event ID in effect when the event was dispatched (the stream's most
    /// recent `id:` field), or `nil` while it is empty. When encoding: the `id:` field to send, `nil`
    /// for none; the empty string sends an empty `id` field, which resets the client's last event ID.
    public var id: String?

    /// The default event type.
    @inlinable
    public static var defaultType: String { "message" }

    /// Creates an event.
    ///
    /// - Parameters:
    ///   - type: The event type. An empty type means ``defaultType``.
    ///   - data: The data; line breaks (CR, LF or CRLF) are sent as separate `data:` lines.
    ///   - id: The event ID, or `nil` for none.
    public init(type: String = ServerSentEvent.defaultType, data: String, id: String? = nil) {
        self.type = type
        self.data = data
        self.id = id
    }
}

extension ServerSentEvent: CustomStringConvertible {
    public var description: String {
        "ServerSentEvent(type: \(type.debugDescription), data: \(data.debugDescription), id: \(id?.debugDescription ?? "nil"))"
    }
}
