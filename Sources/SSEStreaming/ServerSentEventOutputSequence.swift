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

/// An async sequence of everything a stream reports — events, last-event-ID commits, `retry`
/// changes and (opt-in) comments — decoded from an async sequence of byte chunks.
///
/// Client code uses it to keep its reconnection state current even when no event fires:
///
/// ```swift
/// for try await output in response.body.serverSentEventOutputs() {
///     switch output {
///     case .event(let event): handle(event)
///     case .lastEventID(let id): lastEventID = id
///     case .retry(let milliseconds): reconnectionDelay = .milliseconds(milliseconds)
///     case .comment: break
///     }
/// }
/// ```
///
/// Decoding is pull-based: a chunk is read from the base sequence only when the outputs of the
/// previous one are used up, so a slow consumer slows the producer instead of filling memory.
/// A `SSEDecodingError` is thrown for an oversized line or event; the iterator stays
/// usable, and calling `next()` again continues with the rest of the stream.
public struct ServerSentEventOutputSequence<Base: AsyncSequence>: AsyncSequence
where Base.Element: Sequence, Base.Element.Element == UInt8 {
    public typealias Element = SSEDecoder.Output

    @usableFromInline let base: Base
    @usableFromInline let configuration: SSEDecoder.Configuration
    @usableFromInline let lastEventID: String?

    @inlinable
    init(base: Base, configuration: SSEDecoder.Configuration, lastEventID: String?) {
        self.base = base
        self.configuration = configuration
        self.lastEventID = lastEventID
    }

    @inlinable
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(
            base: base.makeAsyncIterator(),
            decoder: SSEDecoder(configuration: configuration, lastEventID: lastEventID)
        )
    }

    /// The iterator of ``ServerSentEventOutputSequence``.
    ///
    /// Inlinable, so that it is specialised for the caller's base sequence and chunk type.
    public struct AsyncIterator: AsyncIteratorProtocol {
        @usableFromInline var base: Base.AsyncIterator
        @usableFromInline var decoder: SSEDecoder
        /// The chunk being decoded, when the base's chunks have contiguous storage.
        @usableFromInline var chunk: Base.Element?
        /// The chunk being decoded, copied, when they do not.
        @usableFromInline var copiedChunk: [UInt8]?
        @usableFromInline var offset = 0
        @usableFromInline var baseFinished = false

        @inlinable
        init(base: Base.AsyncIterator, decoder: SSEDecoder) {
            self.base = base
            self.decoder = decoder
        }

        /// The last event ID committed so far, as the decoder tracks it.
        public var lastEventID: String? { decoder.lastEventID }

        @inlinable
        public mutating func next() async throws -> SSEDecoder.Output? {
            try await next(isolation: nil)
        }

        /// Runs on the caller's actor: no hop off it and back per element (a loop on the main
        /// actor, say), only when the base must wait.
        @inlinable
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> SSEDecoder.Output? {
            while true {
                if let output = try decodeFromCurrentChunk() {
                    return output
                }
                guard !baseFinished else {
                    return nil
                }
                guard let element = try await base.next(isolation: actor) else {
                    baseFinished = true
                    decoder.finish()
                    return nil
                }
                offset = 0
                if element.withContiguousStorageIfAvailable({ _ in true }) == true {
                    chunk = element
                } else {
                    copiedChunk = Array(element)
                }
            }
        }

        /// The next output from the current chunk, or `nil` (and no current chunk) once it is used up.
        @inlinable
        mutating func decodeFromCurrentChunk() throws -> SSEDecoder.Output? {
            let output: SSEDecoder.Output??
            if let chunk {
                output = try chunk.withContiguousStorageIfAvailable { buffer in
                    try decoder.next(from: UnsafeRawBufferPointer(buffer), offset: &offset)
                }
            } else if let copiedChunk {
                output = try copiedChunk.withUnsafeBytes { buffer in
                    try decoder.next(from: buffer, offset: &offset)
                }
            } else {
                return nil
            }
            if let output = output ?? nil {
                return output
            }
            chunk = nil
            copiedChunk = nil
            return nil
        }
    }
}

extension ServerSentEventOutputSequence: Sendable where Base: Sendable {}

@available(*, unavailable)
extension ServerSentEventOutputSequence.AsyncIterator: Sendable {}

extension AsyncSequence where Element: Sequence, Element.Element == UInt8 {
    /// Decodes this sequence of byte chunks as a `text/event-stream` body, reporting events and the
    /// stream's other signals.
    ///
    /// - Parameters:
    ///   - configuration: The decoder's limits and options (turn on `reportsComments` to see heartbeats).
    ///   - lastEventID: The last event ID to start from, for a stream that resumes an earlier one.
    /// - Returns: A sequence of `SSEDecoder.Output`.
    @inlinable
    public func serverSentEventOutputs(
        configuration: SSEDecoder.Configuration = .init(),
        lastEventID: String? = nil
    ) -> ServerSentEventOutputSequence<Self> {
        ServerSentEventOutputSequence(base: self, configuration: configuration, lastEventID: lastEventID)
    }
}
