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

public import SSECodec

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension ServerSentEvent {
    /// Creates an event whose data is `value` encoded as JSON.
    ///
    /// ```swift
    /// let event = try ServerSentEvent(type: "order", json: Order(id: 7, status: .shipped))
    /// try broadcaster.publish(event, to: "orders")
    /// ```
    ///
    /// JSON puts line breaks only between tokens (and only when pretty-printing), so any encoder
    /// output survives the `data:` lines unchanged.
    ///
    /// - Parameters:
    ///   - type: The event type.
    ///   - value: The value to send.
    ///   - id: The event ID, or `nil` for none.
    ///   - encoder: The JSON encoder.
    /// - Throws: ``SSEJSONError/encodingFailed`` naming the event, with the encoder's error.
    public init(
        type: String = ServerSentEvent.defaultType,
        json value: some Encodable,
        id: String? = nil,
        encoder: JSONEncoder = JSONEncoder()
    ) throws(SSEJSONError) {
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            throw .encodingFailed(type: type, id: id, underlying: error)
        }
        self.init(type: type, data: String(decoding: data, as: UTF8.self), id: id)
    }

    /// Decodes the event's data as JSON.
    ///
    /// ```swift
    /// for try await event in body.serverSentEvents().prefix(untilData: "[DONE]") {
    ///     let chunk = try event.decodeJSON(ChatCompletionChunk.self)
    ///     print(chunk.choices[0].delta.content ?? "", terminator: "")
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - type: The type to decode.
    ///   - decoder: The JSON decoder.
    /// - Returns: The decoded value.
    /// - Throws: ``SSEJSONError/decodingFailed`` naming the event (type, ID, the start of its
    ///   data), with the decoder's error.
    public func decodeJSON<Value: Decodable>(
        _ type: Value.Type = Value.self,
        decoder: JSONDecoder = JSONDecoder()
    ) throws(SSEJSONError) -> Value {
        do {
            return try decoder.decode(Value.self, from: Data(data.utf8))
        } catch {
            throw .decodingFailed(type: self.type, id: id, data: data, underlying: error)
        }
    }
}
