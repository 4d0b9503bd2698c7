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

import CSSEZlib

/// Compresses a `text/event-stream` body with gzip, flushing after every event so that nothing is
/// held back.
///
/// ```swift
/// var gzip = try SSEGzipEncoder()
/// for try await chunk in subscription {          // one chunk per event
///     var compressed: [UInt8] = []
///     try gzip.compressAndFlush(chunk, into: &compressed)
///     try await writer.write(compressed)         // the client can decode this event now
/// }
/// var trailer: [UInt8] = []
/// try gzip.finish(into: &trailer)
/// ```
///
/// A general-purpose compressor waits for a full block (tens of kilobytes) before it writes
/// anything, which holds events back for seconds or forever on a quiet stream: the bug behind most
/// "SSE stops working with gzip" reports. Each ``compressAndFlush(_:into:)`` ends with a zlib sync
/// flush, so a decoder can decode every byte given so far; the compression context carries over
/// from event to event, so repeated field names and JSON keys still compress well.
public struct SSEGzipEncoder: ~Copyable {
    /// zlib's parameters.
    public struct Configuration: Sendable, Hashable {
        /// The compression level, 1 (fastest) to 9 (smallest). Defaults to 6, zlib's default.
        public var level: Int

        /// The base-two logarithm of the window: 9 to 15. Defaults to 15 (32 KiB). Smaller windows
        /// use less memory per connection and compress repetitive event streams nearly as well.
        public var windowBits: Int

        /// How much memory zlib may use for its state, 1 to 9. Defaults to 8.
        public var memoryLevel: Int

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - level: The compression level, 1 to 9.
        ///   - windowBits: The window size, 9 to 15.
        ///   - memoryLevel: zlib's memory level, 1 to 9.
        public init(level: Int = 6, windowBits: Int = 15, memoryLevel: Int = 8) {
            self.level = level
            self.windowBits = windowBits
            self.memoryLevel = memoryLevel
        }

        /// About the memory zlib allocates per encoder with this configuration, in bytes (zlib's
        /// formula: `(1 << (windowBits + 2)) + (1 << (memoryLevel + 9))`, plus its fixed state).
        public var estimatedMemory: Int {
            (1 << (windowBits + 2)) + (1 << (memoryLevel + 9)) + 6 * 1024
        }
    }

    private var stream: ZStream
    private var finished = false

    /// Creates an encoder that writes a gzip stream.
    ///
    /// - Parameter configuration: zlib's parameters.
    /// - Throws: ``SSECompressionError`` if zlib refuses the parameters or cannot allocate.
    public init(configuration: Configuration = Configuration()) throws(SSECompressionError) {
        precondition((1...9).contains(configuration.level), "level must be 1 to 9")
        precondition((9...15).contains(configuration.windowBits), "windowBits must be 9 to 15")
        precondition((1...9).contains(configuration.memoryLevel), "memoryLevel must be 1 to 9")
        // Compressed events are small: a few hundred bytes at a time is plenty.
        stream = ZStream(scratchSize: 1024)
        // windowBits + 16: a gzip header and trailer rather than zlib's.
        let code = CSSEZlib_deflateInit2(
            stream.pointer,
            Int32(configuration.level),
            Int32(configuration.windowBits + 16),
            Int32(configuration.memoryLevel)
        )
        guard code == Z_OK else {
            throw code == Z_MEM_ERROR ? .outOfMemory(code) : .zlibFailure(code, stream.message)
        }
    }

    /// Compresses `bytes` and flushes: appends to `output` everything a decoder needs to decode all
    /// the bytes given so far.
    ///
    /// - Parameters:
    ///   - bytes: The next part of the stream, usually one event.
    ///   - output: Where to append the compressed bytes.
    /// - Throws: ``SSECompressionError`` if zlib fails.
    public mutating func compressAndFlush(
        _ bytes: some Collection<UInt8>,
        into output: inout some RangeReplaceableCollection<UInt8>
    ) throws(SSECompressionError) {
        precondition(!finished, "the stream is finished")
        let code = withContiguousBytes(bytes) { input in
            stream.run(input, step: { deflate($0, Z_SYNC_FLUSH) }, output: { output.append(contentsOf: $0) }).code
        }
        // Z_BUF_ERROR: nothing to do, as with an empty input after a flush.
        guard code == Z_OK || code == Z_BUF_ERROR else {
            throw .zlibFailure(code, stream.message)
        }
    }

    /// Ends the stream: appends the gzip trailer (its checksum and length) to `output`.
    ///
    /// - Parameter output: Where to append the bytes.
    /// - Throws: ``SSECompressionError`` if zlib fails.
    public mutating func finish(into output: inout some RangeReplaceableCollection<UInt8>) throws(SSECompressionError) {
        precondition(!finished, "the stream is finished")
        finished = true
        let code = stream.run(
            UnsafeRawBufferPointer(start: nil, count: 0),
            step: { deflate($0, Z_FINISH) },
            output: { output.append(contentsOf: $0) }
        ).code
        guard code == Z_STREAM_END else {
            throw .zlibFailure(code, stream.message)
        }
    }

    deinit {
        deflateEnd(stream.pointer)
    }
}
