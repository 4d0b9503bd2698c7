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

/// An async sequence of events decoded from an async sequence of byte chunks: what a browser's
/// `EventSource` delivers to its listeners.
///
/// ```swift
/// for try await event in response.body.serverSentEvents() {
///     print(event.type, event.data)
/// }
/// ```
///
/// Chunks may be `[UInt8]`, `ArraySlice<UInt8>` or any other sequence of bytes, of any size and
/// split anywhere. Decoding is pull-based (no chunk is read before the previous one is used up) and
/// follows [WHATWG HTML §9.2.6](https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)
/// exactly; see ``ServerSentEventOutputSequence`` for the `retry` and last-event-ID signals.
public struct ServerSentEventSequence<Base: AsyncSequence>: AsyncSequence
where Base.Element: Sequence, Base.Element.Element == UInt8 {
    public typealias Element = ServerSentEvent

    @usableFromInline let outputs: ServerSentEventOutputSequence<Base>

    @inlinable
    init(outputs: ServerSentEventOutputSequence<Base>) {
        self.outputs = outputs
    }

    @inlinable
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(outputs: outputs.makeAsyncIterator())
    }

    /// The iterator of ``ServerSentEventSequence``.
    public struct AsyncIterator: AsyncIteratorProtocol {
        @usableFromInline var outputs: ServerSentEventOutputSequence<Base>.AsyncIterator

        @inlinable
        init(outputs: ServerSentEventOutputSequence<Base>.AsyncIterator) {
            self.outputs = outputs
        }

        /// The last event ID committed so far, including by blank lines that dispatched no event.
        public var lastEventID: String? { outputs.lastEventID }

        @inlinable
        public mutating func next() async throws -> ServerSentEvent? {
            try await next(isolation: nil)
        }

        /// Runs on the caller's actor: no hop off it and back per element (a loop on the main
        /// actor, say), only when the base must wait.
        @inlinable
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> ServerSentEvent? {
            while let output = try await outputs.next(isolation: actor) {
                if case .event(let event) = output {
                    return event
                }
            }
            return nil
        }
    }
}

extension ServerSentEventSequence: Sendable where Base: Sendable {}

@available(*, unavailable)
extension ServerSentEventSequence.AsyncIterator: Sendable {}

extension AsyncSequence where Element: Sequence, Element.Element == UInt8 {
    /// Decodes this sequence of byte chunks as a `text/event-stream` body.
    ///
    /// - Parameters:
    ///   - configuration: The decoder's limits and options.
    ///   - lastEventID: The last event ID to start from, for a stream that resumes an earlier one.
    /// - Returns: A sequence of the stream's events.
    @inlinable
    public func serverSentEvents(
        configuration: SSEDecoder.Configuration = .init(),
        lastEventID: String? = nil
    ) -> ServerSentEventSequence<Self> {
        ServerSentEventSequence(outputs: serverSentEventOutputs(configuration: configuration, lastEventID: lastEventID))
    }
}
