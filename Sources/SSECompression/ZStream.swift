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

/// A zlib stream at a fixed address (zlib keeps a pointer back to it), with the buffer plumbing
/// shared by the encoder and the decoder.
struct ZStream: ~Copyable {
    let pointer: UnsafeMutablePointer<z_stream>
    /// Where zlib writes before the output is handed on; allocated once, so a call allocates nothing.
    private let scratch: UnsafeMutableRawBufferPointer

    /// - Parameter scratchSize: The most output handed on at a time.
    init(scratchSize: Int) {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: z_stream())
        scratch = .allocate(byteCount: scratchSize, alignment: 1)
    }

    /// zlib's last message, if any.
    var message: String {
        pointer.pointee.msg.map { String(cString: $0) } ?? ""
    }

    /// Runs `step` (deflate or inflate) over `input` until it is consumed, or zlib stops, and zlib
    /// has no more output to give, handing each piece of output to `body`. Returns the last zlib
    /// code and how many input bytes zlib left (after the end of a gzip member).
    mutating func run(
        _ input: UnsafeRawBufferPointer,
        step: (UnsafeMutablePointer<z_stream>) -> Int32,
        output body: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows -> (code: Int32, unconsumed: Int) {
        let stream = pointer
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        while true {
            stream.pointee.next_out = scratch.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(scratch.count)
            let code = step(stream)
            let produced = scratch.count - Int(stream.pointee.avail_out)
            if produced > 0 {
                try body(UnsafeRawBufferPointer(rebasing: scratch[..<produced]))
            }
            // Done when zlib left output space unused (it has nothing more to give for now),
            // or stopped with an end or an error.
            if code != Z_OK || stream.pointee.avail_out != 0 {
                return (code, Int(stream.pointee.avail_in))
            }
        }
    }

    deinit {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
        scratch.deallocate()
    }
}

/// Calls `body` with the bytes of `bytes` in contiguous memory, copying them only when the
/// collection has none.
func withContiguousBytes<R>(
    _ bytes: some Collection<UInt8>,
    _ body: (UnsafeRawBufferPointer) throws -> R
) rethrows -> R {
    if let result = try bytes.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
        return result
    }
    return try Array(bytes).withUnsafeBytes(body)
}
