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

/// Byte constants of the wire format.
/// Byte constants of the wire format. Computed and inlinable so that they fold into immediates;
/// stored `static let`s would be read through a lazy-initialisation accessor in hot loops.
@usableFromInline
enum ASCII {
    @inlinable static var lineFeed: UInt8 { 0x0A }
    @inlinable static var carriageReturn: UInt8 { 0x0D }
    @inlinable static var colon: UInt8 { 0x3A }
    @inlinable static var space: UInt8 { 0x20 }
    @inlinable static var zero: UInt8 { 0x30 }
    @inlinable static var nine: UInt8 { 0x39 }
    @inlinable static var null: UInt8 { 0x00 }
}

/// Returns the offset of the first CR or LF in `base[start..<end]`, or `end` if there is none.
///
/// Sixteen bytes at a time, as two SWAR words in one SIMD register (see `lineBreakMarks`). A tail
/// shorter than a block is read with one load that ends at `end` and overlaps bytes already found
/// clean, so short tails cost no byte-by-byte loop; only ranges under eight bytes are read a byte at
/// a time.
@inlinable
@inline(__always)
func firstLineBreak(in base: UnsafeRawPointer, from start: Int, to end: Int) -> Int {
    var index = start
    while index &+ 16 <= end {
        let marks = lineBreakMarks(base.loadUnaligned(fromByteOffset: index, as: SIMD2<UInt64>.self))
        if marks[0] | marks[1] != 0 {
            return index &+ firstMarkedByte(marks)
        }
        index &+= 16
    }
    guard index < end else {
        return end
    }
    if end &- start >= 16 {
        let blockStart = end &- 16
        let marks = lineBreakMarks(base.loadUnaligned(fromByteOffset: blockStart, as: SIMD2<UInt64>.self))
        return marks[0] | marks[1] == 0 ? end : blockStart &+ firstMarkedByte(marks)
    }
    if end &- start >= 8 {
        let wordStart = end &- 8
        let tail = base.loadUnaligned(fromByteOffset: wordStart, as: UInt64.self)
        let head = end &- index >= 8 ? base.loadUnaligned(fromByteOffset: index, as: UInt64.self) : tail
        let headStart = end &- index >= 8 ? index : wordStart
        let marks = lineBreakMarks(SIMD2(head, tail))
        if marks[0] != 0 {
            return headStart &+ (UInt64(littleEndian: marks[0]).trailingZeroBitCount &>> 3)
        }
        return marks[1] == 0 ? end : wordStart &+ (UInt64(littleEndian: marks[1]).trailingZeroBitCount &>> 3)
    }
    while index < end {
        let byte = base.load(fromByteOffset: index, as: UInt8.self)
        if byte == ASCII.lineFeed || byte == ASCII.carriageReturn {
            return index
        }
        index &+= 1
    }
    return end
}

/// Marks the CR and LF bytes of two eight-byte words as read from memory (SWAR, in SIMD lanes):
/// for a word `w`, `(w - 0x01…) & ~w & 0x80…` sets the top bit of each zero byte of `w`. A mark can
/// be spurious only above a true zero byte (a borrow), so the lowest mark of a word is always
/// exact, which is all callers use. Plain lane-wise integer operations, so the compiler emits SSE2
/// or NEON without reductions.
@inlinable
@inline(__always)
func lineBreakMarks(_ words: SIMD2<UInt64>) -> SIMD2<UInt64> {
    let ones = SIMD2<UInt64>(repeating: 0x0101_0101_0101_0101)
    let highs = SIMD2<UInt64>(repeating: 0x8080_8080_8080_8080)
    let lineFeed = words ^ SIMD2(repeating: 0x0A0A_0A0A_0A0A_0A0A)
    let carriageReturn = words ^ SIMD2(repeating: 0x0D0D_0D0D_0D0D_0D0D)
    return (((lineFeed &- ones) & ~lineFeed) | ((carriageReturn &- ones) & ~carriageReturn)) & highs
}

/// The offset of the lowest marked byte of a sixteen-byte block with at least one mark.
@inlinable
@inline(__always)
func firstMarkedByte(_ marks: SIMD2<UInt64>) -> Int {
    // Words were read in memory order; on a big-endian machine the first byte is the highest.
    let low = UInt64(littleEndian: marks[0])
    if low != 0 {
        return low.trailingZeroBitCount &>> 3
    }
    return 8 &+ (UInt64(littleEndian: marks[1]).trailingZeroBitCount &>> 3)
}
