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
package import NIOCore
package import SSECompression

/// gzip for an event stream written in batches: each batch compressed and sync-flushed on its own,
/// so that the client can decode every event on arrival; then the trailer.
package struct BatchCompressor: ~Copyable {
    private var encoder: SSEGzipEncoder
    private var compressed: [UInt8] = []

    package init(_ configuration: SSEGzipEncoder.Configuration) throws(SSECompressionError) {
        encoder = try SSEGzipEncoder(configuration: configuration)
    }

    /// The batch, compressed and flushed, with `headroom` free bytes before it (see
    /// ``SSEStreamWriter/buffer(capacity:headroom:allocator:)``).
    package mutating func compress(
        _ batch: ByteBuffer,
        allocator: ByteBufferAllocator,
        headroom: Int = 0
    ) throws(SSECompressionError) -> ByteBuffer {
        compressed.removeAll(keepingCapacity: true)
        try encoder.compressAndFlush(batch.readableBytesView, into: &compressed)
        var buffer = SSEStreamWriter.buffer(capacity: compressed.count, headroom: headroom, allocator: allocator)
        buffer.writeBytes(compressed)
        return buffer
    }

    /// The end of the gzip stream.
    package mutating func finish(allocator: ByteBufferAllocator) throws(SSECompressionError) -> ByteBuffer {
        compressed.removeAll(keepingCapacity: true)
        try encoder.finish(into: &compressed)
        return allocator.buffer(bytes: compressed)
    }
}
#endif
