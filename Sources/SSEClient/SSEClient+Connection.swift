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

#if NIOSupport || AsyncHTTPClientSupport
import HTTPTypes
import Logging
import NIOCore
import SSECodec
import SSECompression

extension SSEClient {
    /// One request and its response: decodes the body and hands events to the reader as they come.
    struct Connection: Sendable {
        let client: SSEClient
        let handoff: Handoff
        let lastEventID: String?

        /// How the connection ended, and what it learnt that outlives it.
        struct Result: Sendable {
            var outcome: SSEClientStateMachine.Outcome
            var lastEventID: String?
            var retryMilliseconds: Int?
        }

        func run(_ request: SSEClientRequest, activity: Activity?) async -> Result {
            var result = Result(
                outcome: .interrupted(.endOfStream, healthy: false),
                lastEventID: lastEventID,
                retryMilliseconds: nil
            )
            let response: SSEClientResponse
            do {
                response = try await client.transport.send(request)
            } catch {
                result.outcome = .interrupted(.error(error), healthy: false)
                return result
            }
            activity?.touch()
            let decision = SSEClientStateMachine.decide(response.head, acceptsGzip: client.configuration.acceptsGzip)
            guard case .open(let gzip) = decision else {
                let excerpt = decision == .refused ? await self.excerpt(of: response, activity: activity) : ""
                result.outcome = .notOpened(response.head, decision, excerpt: excerpt)
                return result
            }
            var stream = StreamDecoder(
                decoder: SSEDecoder(configuration: client.configuration.decoder, lastEventID: lastEventID),
                skipsOversizedEvents: client.configuration.oversizedEvents.skips,
                logger: client.configuration.logger
            )
            stream.batch.append(.state(.open(response.head)))
            do {
                try await deliver(&stream, activity: activity)
                if gzip {
                    var inflater = try SSEGzipDecoder()
                    for try await chunk in response.body {
                        activity?.touch()
                        // Inflated a slice at a time, handed over in between: a small chunk that
                        // expands a thousandfold still reaches the reader in bounded batches, and
                        // back pressure counts the bytes decoded, not those received.
                        var rest = chunk
                        while let slice = rest.readSlice(length: min(rest.readableBytes, Self.inflationSlice)) {
                            try slice.withUnsafeReadableBytes { compressed in
                                try inflater.decompress(compressed) { piece in
                                    stream.inputBytes += piece.count
                                    try stream.decode(piece)
                                }
                            }
                            try await deliver(&stream, activity: activity)
                            if rest.readableBytes == 0 {
                                break
                            }
                        }
                    }
                    try inflater.finish()
                } else {
                    for try await chunk in response.body {
                        activity?.touch()
                        stream.inputBytes += chunk.readableBytes
                        try chunk.withUnsafeReadableBytes { try stream.decode($0) }
                        try await deliver(&stream, activity: activity)
                    }
                }
                // An event cut off by the end of the body is not dispatched.
                stream.decoder.finish()
                result.outcome = .interrupted(.endOfStream, healthy: stream.deliveredEvents)
            } catch let error as OversizedEvent {
                // The events before it still reach the reader, then the error.
                try? await deliver(&stream, activity: activity)
                result.outcome = .failed(error.error)
            } catch {
                result.outcome = .interrupted(.error(error), healthy: stream.deliveredEvents)
            }
            result.lastEventID = stream.decoder.lastEventID
            result.retryMilliseconds = stream.retryMilliseconds
            return result
        }

        /// Compressed bytes inflated between two hand-overs: at most about 2 MB decoded (deflate
        /// expands at most 1,032-fold), usually a few KiB.
        static let inflationSlice = 2048

        /// Hands the decoded batch to the reader; a wait for it does not count as idle.
        private func deliver(_ stream: inout StreamDecoder, activity: Activity?) async throws {
            guard !stream.batch.isEmpty else {
                return
            }
            activity?.pause()
            // The next batch decodes into storage the reader gave back, or a new one of this
            // one's size.
            var batch = Handoff.Batch(
                events: handoff.spareEvents() ?? Handoff.EventQueue(capacity: stream.batch.events.count)
            )
            swap(&batch, &stream.batch)
            let bytes = stream.inputBytes
            stream.inputBytes = 0
            let taken = await handoff.send(batch, bytes: bytes)
            activity?.touch()
            guard taken else {
                throw CancellationError()
            }
        }

        /// The start of a refused response's body, for the error.
        private func excerpt(of response: SSEClientResponse, activity: Activity?) async -> String {
            let limit = client.configuration.maximumErrorBodyExcerpt
            guard limit > 0 else {
                return ""
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(min(limit, 4096))
            let encoding = response.head.headerFields[.contentEncoding]?.trimmed.lowercased()
            let gzip = encoding == "gzip" || encoding == "x-gzip"
            do {
                var inflater = try SSEGzipDecoder()
                for try await chunk in response.body {
                    guard bytes.count < limit else {
                        break
                    }
                    activity?.touch()
                    if gzip {
                        try chunk.withUnsafeReadableBytes { compressed in
                            try inflater.decompress(compressed) { piece in
                                bytes += piece.prefix(limit - bytes.count)
                            }
                        }
                    } else {
                        bytes += chunk.readableBytesView.prefix(limit - bytes.count)
                    }
                }
            } catch {
                // What arrived before the error is excerpt enough.
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// An oversized line or event that ends the session (``OversizedEventPolicy/fail``).
    struct OversizedEvent: Error {
        let error: SSEClientError
    }

    /// The decoder of one connection and what it produced since the last hand-off.
    struct StreamDecoder {
        var decoder: SSEDecoder
        let skipsOversizedEvents: Bool
        let logger: Logger?
        var batch = Handoff.Batch()
        /// The input bytes `batch` was decoded from.
        var inputBytes = 0
        var retryMilliseconds: Int?
        var deliveredEvents = false

        /// Decodes `bytes` into the batch.
        ///
        /// - Throws: ``OversizedEvent`` for a line or event over the limits, unless they are skipped.
        mutating func decode(_ bytes: UnsafeRawBufferPointer) throws(OversizedEvent) {
            var offset = 0
            while true {
                do {
                    guard let output = try decoder.next(from: bytes, offset: &offset) else {
                        return
                    }
                    // Consumed: the event moves into the batch, without a copy.
                    switch consume output {
                    case .event(let event):
                        batch.append(event)
                        deliveredEvents = true
                    case .retry(let milliseconds):
                        retryMilliseconds = milliseconds
                        batch.append(.retry(milliseconds: milliseconds))
                    case .comment(let text):
                        batch.append(.comment(text))
                    case .lastEventID:
                        break
                    }
                } catch {
                    guard skipsOversizedEvents else {
                        throw OversizedEvent(error: .decoding(error))
                    }
                    logger?.warning("SSE dropped an oversized line or event", metadata: ["sse.error": "\(error)"])
                    batch.append(.dropped(.decoding(error)))
                }
            }
        }
    }
}
#endif
