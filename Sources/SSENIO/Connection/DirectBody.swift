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

#if NIOSupport
import NIOCore
import NIOHTTP1
import SSENIOCore

extension SSEServer {
    /// How an HTTP/1.1 event stream's batches reach the socket: written below NIO's HTTP/1
    /// encoder, each as one buffer framed in place (its chunk-size line in the headroom the stream
    /// writer keeps, CRLF after it), instead of passing the three handlers above the encoder and
    /// leaving it as three writes (the size line, the bytes, CRLF). The response's head and its
    /// end still go through the encoder, which frames the body the same way (see
    /// ``HTTP1VersionHandler/lastBodyIsChunked``); every write is on the event loop, so the order
    /// stays. An HTTP/2 stream's batches go through its codec as before.
    struct DirectBody {
        /// The context of NIO's `HTTPResponseEncoder`: a write there goes to the handler before
        /// it (the socket, or TLS).
        private let encoder: ChannelHandlerContext
        /// Chunked transfer coding; otherwise the body is delimited by the connection's close.
        private let isChunked: Bool

        /// What the stream writer keeps free before each batch: a size line of up to 8
        /// hexadecimal digits and CRLF. A batch without it (a larger one, or one the writer
        /// did not allocate) gets its size line in a buffer of its own.
        static let headroom = 10

        /// The connection's HTTP/1 encoder, once the stream's head has been written through it;
        /// `nil` when the pipeline has none (the stream then writes through the handlers).
        init?(pipeline: ChannelPipeline.SynchronousOperations) {
            guard let encoder = try? pipeline.context(handlerType: HTTPResponseEncoder.self),
                let versions = try? pipeline.handler(type: HTTP1VersionHandler.self)
            else {
                return nil
            }
            self.encoder = encoder
            isChunked = versions.lastBodyIsChunked
        }

        /// Writes a non-empty batch of the body.
        func write(_ batch: ByteBuffer, flush: Bool) {
            var batch = batch
            if isChunked {
                batch = Self.framed(batch)
            }
            encoder.write(NIOAny(IOData.byteBuffer(batch)), promise: nil)
            if flush {
                encoder.flush()
            }
        }

        /// The batch as one chunk: `SIZE\r\n`, the bytes, `\r\n`.
        static func framed(_ batch: ByteBuffer) -> ByteBuffer {
            var batch = batch
            let size = batch.readableBytes
            let digits = max(1, (Int.bitWidth - size.leadingZeroBitCount + 3) / 4)
            let line = digits + 2
            if batch.readerIndex >= line {
                let start = batch.readerIndex - line
                for index in 0..<digits {
                    let digit = (size >> (4 * (digits - 1 - index))) & 0xF
                    batch.setInteger(Self.hex[digit], at: start + index)
                }
                batch.setInteger(UInt16(0x0D0A), at: start + digits)
                batch.moveReaderIndex(to: start)
                batch.writeInteger(UInt16(0x0D0A))
                return batch
            }
            // No room before it: copied into a buffer that has some, then framed as above.
            var roomy = SSEStreamWriter.buffer(capacity: size, headroom: line, allocator: ByteBufferAllocator())
            roomy.writeImmutableBuffer(batch)
            return framed(roomy)
        }

        private static let hex = Array("0123456789abcdef".utf8)
    }
}
#endif
