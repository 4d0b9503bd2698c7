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

/// The events of a base sequence up to, and not including, the first one whose data is a sentinel.
///
/// OpenAI-style streams end with `data: [DONE]`:
///
/// ```swift
/// for try await event in body.serverSentEvents().prefix(untilData: "[DONE]") {
///     print(event.data)
/// }
/// ```
public struct ServerSentEventPrefixSequence<Base: AsyncSequence>: AsyncSequence
where Base.Element == ServerSentEvent {
    public typealias Element = ServerSentEvent

    @usableFromInline let base: Base
    @usableFromInline let sentinel: String

    @inlinable
    init(base: Base, sentinel: String) {
        self.base = base
        self.sentinel = sentinel
    }

    @inlinable
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), sentinel: sentinel)
    }

    /// The iterator of ``ServerSentEventPrefixSequence``.
    public struct AsyncIterator: AsyncIteratorProtocol {
        @usableFromInline var base: Base.AsyncIterator?
        @usableFromInline let sentinel: String

        @inlinable
        init(base: Base.AsyncIterator, sentinel: String) {
            self.base = base
            self.sentinel = sentinel
        }

        @inlinable
        public mutating func next() async throws -> ServerSentEvent? {
            try await next(isolation: nil)
        }

        /// Runs on the caller's actor: no hop off it and back per element (a loop on the main
        /// actor, say), only when the base must wait.
        @inlinable
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> ServerSentEvent? {
            guard let event = try await base?.next(isolation: actor) else {
                base = nil
                return nil
            }
            // Byte equality: the sentinel is a wire value, not text to be normalised.
            guard !event.data.utf8.elementsEqual(sentinel.utf8) else {
                base = nil
                return nil
            }
            return event
        }
    }
}

extension ServerSentEventPrefixSequence: Sendable where Base: Sendable {}

@available(*, unavailable)
extension ServerSentEventPrefixSequence.AsyncIterator: Sendable {}

extension AsyncSequence where Element == ServerSentEvent {
    /// Ends the sequence at the first event whose data is `sentinel`; that event is not delivered,
    /// and nothing after it is read.
    ///
    /// - Parameter sentinel: The data that ends the stream, such as `"[DONE]"`.
    /// - Returns: The events before the sentinel.
    @inlinable
    public func prefix(untilData sentinel: String) -> ServerSentEventPrefixSequence<Self> {
        ServerSentEventPrefixSequence(base: self, sentinel: sentinel)
    }
}
