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
            handoff.begin(
                StreamDecoder(
                    decoder: SSEDecoder(configuration: client.configuration.decoder, lastEventID: lastEventID),
                    skipsOversizedEvents: client.configuration.oversizedEvents.skips,
                    logger: client.configuration.logger
                )
            )
            // The reader decodes the body with the decoder, until the input ends.
            var failure: (any Error)?
            do {
                guard await handoff.send(.state(.open(response.head))) else {
                    throw CancellationError()
                }
                if gzip {
                    var inflater = try SSEGzipDecoder()
                    var rejected = false
                    chunks: for try await chunk in response.body {
                        activity?.touch()
                        // Inflated a slice at a time, handed over in between: a small chunk that
                        // expands a thousandfold still reaches the reader in bounded pieces, and
                        // back pressure counts the bytes decoded, not those received.
                        var rest = chunk
                        while let slice = rest.readSlice(length: min(rest.readableBytes, Self.inflationSlice)) {
                            var inflated = ByteBuffer()
                            try slice.withUnsafeReadableBytes { compressed in
                                try inflater.decompress(compressed) { piece in
                                    inflated.writeBytes(piece)
                                }
                            }
                            guard try await deliver(inflated, activity: activity) else {
                                rejected = true
                                break chunks
                            }
                            if rest.readableBytes == 0 {
                                break
                            }
                        }
                    }
                    if !rejected {
                        try inflater.finish()
                    }
                } else {
                    for try await chunk in response.body {
                        activity?.touch()
                        guard try await deliver(chunk, activity: activity) else {
                            break
                        }
                    }
                }
            } catch {
                failure = error
            }
            // What the reader has not taken yet is decoded here, so that the last event ID and the
            // retry time are known without waiting for the reader to catch up.
            activity?.pause()
            guard var stream = await handoff.endInput() else {
                result.outcome = .interrupted(.error(failure ?? CancellationError()), healthy: false)
                return result
            }
            activity?.touch()
            if let error = stream.failure {
                // The events before it still reach the reader, then the error.
                result.outcome = .failed(error)
            } else if let failure {
                result.outcome = .interrupted(.error(failure), healthy: stream.deliveredEvents)
            } else {
                // An event cut off by the end of the body is not dispatched.
                _ = stream.decoder.finish()
                result.outcome = .interrupted(.endOfStream, healthy: stream.deliveredEvents)
            }
            result.lastEventID = stream.decoder.lastEventID
            result.retryMilliseconds = stream.retryMilliseconds
            return result
        }

        /// Compressed bytes inflated between two hand-overs: at most about 2 MB decoded (deflate
        /// expands at most 1,032-fold), usually a few KiB.
        static let inflationSlice = 2048

        /// Hands bytes of the body to the reader; a wait for it does not count as idle. Returns
        /// `false` once the decoder met an oversized event that ends the session.
        private func deliver(_ input: ByteBuffer, activity: Activity?) async throws -> Bool {
            guard input.readableBytes > 0 else {
                return true
            }
            activity?.pause()
            let sent = await handoff.send(input: input)
            activity?.touch()
            switch sent {
            case .taken:
                return true
            case .rejected:
                return false
            case .gone:
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

    /// The decoder of one connection, with what it learnt that outlives the connection. The
    /// reader decodes with it (``Handoff``), and the connection takes it back at its end.
    struct StreamDecoder: Sendable {
        var decoder: SSEDecoder
        let skipsOversizedEvents: Bool
        let logger: Logger?
        var retryMilliseconds: Int?
        var deliveredEvents = false
        /// An oversized line or event under ``OversizedEventPolicy/fail``: the input after it is
        /// ignored, and the session ends with this error.
        var failure: SSEClientError?

        /// Decodes `input` into `batch`, at most `maximumOutputs` events and other updates,
        /// moving its reader index past what it decoded; unless an earlier oversized event ended
        /// the input, which is then skipped.
        mutating func decode(_ input: inout ByteBuffer, into batch: inout Handoff.Batch, maximumOutputs: Int = .max) {
            guard failure == nil else {
                input.moveReaderIndex(to: input.writerIndex)
                return
            }
            let consumed = input.withUnsafeReadableBytes { decode($0, into: &batch, maximumOutputs: maximumOutputs) }
            input.moveReaderIndex(forwardBy: consumed)
        }

        /// Returns how many bytes it decoded.
        private mutating func decode(
            _ bytes: UnsafeRawBufferPointer,
            into batch: inout Handoff.Batch,
            maximumOutputs: Int
        ) -> Int {
            var offset = 0
            var outputs = 0
            while outputs < maximumOutputs {
                outputs &+= 1
                do {
                    guard let output = try decoder.next(from: bytes, offset: &offset) else {
                        return offset
                    }
                    // Consumed: the event moves into the batch, without a copy.
                    switch consume output {
                    case .event(let event):
                        batch.append(consume event)
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
                        failure = .decoding(error)
                        return bytes.count
                    }
                    logger?.warning("SSE dropped an oversized line or event", metadata: ["sse.error": "\(error)"])
                    batch.append(.dropped(.decoding(error)))
                }
            }
            return offset
        }
    }
}
#endif
