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

/// Decompresses a gzip (or zlib) response body as it arrives, for clients.
///
/// ```swift
/// var gunzip = try SSEGzipDecoder()
/// var decoder = SSEDecoder()
/// for try await chunk in body {
///     try gunzip.decompress(chunk) { bytes in
///         try decoder.decode(bytes) { output in … }
///     }
/// }
/// try gunzip.finish()   // throws if the body was cut off
/// ```
///
/// Output comes in pieces of at most 16 KiB, as it is decompressed, so memory stays bounded
/// however much a small input expands. A stream of several gzip members (concatenated) is
/// decompressed as one.
public struct SSEGzipDecoder: ~Copyable {
    private var stream: ZStream
    /// Between members: the last one ended, and no byte of another has come.
    private var atMemberEnd = false

    /// Creates a decoder for gzip or zlib data (told apart by their headers).
    ///
    /// - Throws: ``SSECompressionError`` if zlib cannot allocate.
    public init() throws(SSECompressionError) {
        stream = ZStream(scratchSize: 16 * 1024)
        // windowBits + 32: detect gzip or zlib from the header.
        let code = CSSEZlib_inflateInit2(stream.pointer, 15 + 32)
        guard code == Z_OK else {
            throw code == Z_MEM_ERROR ? .outOfMemory(code) : .zlibFailure(code, stream.message)
        }
    }

    /// Decompresses the next part of the body, calling `body` with each piece of output.
    ///
    /// - Parameters:
    ///   - bytes: The next compressed bytes, split anywhere.
    ///   - body: Receives the decompressed bytes, in order.
    /// - Throws: ``SSECompressionError/corruptData`` if the data is not valid, or what `body`
    ///   throws.
    public mutating func decompress(
        _ bytes: some Collection<UInt8>,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try withContiguousBytes(bytes) { try decompress($0, body) }
    }

    /// Decompresses the next part of the body from raw memory, as the collection variant does.
    public mutating func decompress(
        _ bytes: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var remaining = bytes
        while !remaining.isEmpty {
            if atMemberEnd {
                inflateReset(stream.pointer)
                atMemberEnd = false
            }
            let (code, unconsumed) = try stream.run(remaining, step: { inflate($0, Z_NO_FLUSH) }, output: body)
            switch code {
            case Z_STREAM_END:
                atMemberEnd = true
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_DATA_ERROR, Z_NEED_DICT:
                throw SSECompressionError.corruptData(code, stream.message)
            case Z_MEM_ERROR:
                throw SSECompressionError.outOfMemory(code)
            default:
                throw SSECompressionError.zlibFailure(code, stream.message)
            }
            remaining = UnsafeRawBufferPointer(rebasing: remaining[(remaining.count - unconsumed)...])
        }
    }

    /// Checks that the body ended where a gzip member ends.
    ///
    /// - Throws: ``SSECompressionError/truncatedStream`` if it was cut off.
    public func finish() throws(SSECompressionError) {
        guard atMemberEnd else {
            throw .truncatedStream
        }
    }

    deinit {
        inflateEnd(stream.pointer)
    }
}
