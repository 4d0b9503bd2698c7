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

/// The data of a sequence of events, decoded as JSON values.
///
/// ```swift
/// for try await chunk in body.serverSentEvents().prefix(untilData: "[DONE]").decodedJSON(Chunk.self) {
///     print(chunk.text)
/// }
/// ```
///
/// An event whose data does not decode throws ``SSEJSONError`` naming it. The iterator stays
/// usable: to skip bad events instead of ending the stream, keep calling `next()` after the error.
public struct ServerSentEventJSONSequence<Base: AsyncSequence, Value: Decodable>: AsyncSequence
where Base.Element == ServerSentEvent {
    public typealias Element = Value

    let base: Base
    let decoder: JSONDecoder

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), decoder: decoder)
    }

    /// The iterator of ``ServerSentEventJSONSequence``.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private let decoder: JSONDecoder

        init(base: Base.AsyncIterator, decoder: JSONDecoder) {
            self.base = base
            self.decoder = decoder
        }

        public mutating func next() async throws -> Value? {
            try await next(isolation: nil)
        }

        /// Runs on the caller's actor: no hop off it and back per element (a loop on the main
        /// actor, say), only when the base must wait.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Value? {
            guard let event = try await base.next(isolation: actor) else {
                return nil
            }
            return try event.decodeJSON(Value.self, decoder: decoder)
        }
    }
}

extension ServerSentEventJSONSequence: Sendable where Base: Sendable {}

@available(*, unavailable)
extension ServerSentEventJSONSequence.AsyncIterator: Sendable {}

extension AsyncSequence where Element == ServerSentEvent {
    /// Decodes each event's data as JSON.
    ///
    /// - Parameters:
    ///   - type: The type of every event's data.
    ///   - decoder: The JSON decoder.
    /// - Returns: The decoded values; see ``ServerSentEventJSONSequence`` for errors.
    public func decodedJSON<Value: Decodable>(
        _ type: Value.Type,
        decoder: JSONDecoder = JSONDecoder()
    ) -> ServerSentEventJSONSequence<Self, Value> {
        ServerSentEventJSONSequence(base: self, decoder: decoder)
    }
}
