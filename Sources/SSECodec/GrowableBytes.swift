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

/// A growable byte buffer for the decoder's working storage: value semantics (copy on write), an
/// append that is one capacity check and one `memcpy`, and clearing that only resets the count.
///
/// `Array<UInt8>` does the same job, but its generic `append(contentsOf:)` and
/// `removeAll(keepingCapacity:)` cost about a hundred instructions per call, which is most of the
/// decoder's work per chunk when reads are small.
struct GrowableBytes: Sendable {
    /// Mutated only while uniquely referenced, as an array's storage is.
    private final class Storage: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
        let capacity: Int

        init(capacity: Int) {
            self.pointer = .allocate(byteCount: capacity, alignment: 1)
            self.capacity = capacity
        }

        deinit {
            pointer.deallocate()
        }
    }

    private var storage: Storage?
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else {
            return
        }
        let newCount = count &+ bytes.count
        reserve(newCount)
        storage.unsafelyUnwrapped.pointer.advanced(by: count).copyMemory(from: source, byteCount: bytes.count)
        count = newCount
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(count &+ 1)
        storage.unsafelyUnwrapped.pointer.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count &+= 1
    }

    mutating func append(_ string: String) {
        var string = string
        string.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: storage?.pointer, count: count))
    }

    /// Empties the buffer, keeping its memory for the next use unless it grew beyond `limit`.
    @inline(__always)
    mutating func removeAll(keepingCapacityUpTo limit: Int) {
        count = 0
        if let storage, storage.capacity > limit {
            self.storage = nil
        }
    }

    @inline(__always)
    private mutating func reserve(_ needed: Int) {
        // No `if let` here: a bound copy of the reference would make the storage look shared.
        if needed <= storage?.capacity ?? 0 && isKnownUniquelyReferenced(&storage) {
            return
        }
        grow(to: needed)
    }

    /// Allocates unique storage for `needed` bytes: double the capacity when it is too small, the same
    /// capacity when the storage was only shared.
    @inline(never)
    private mutating func grow(to needed: Int) {
        let current = storage?.capacity ?? 0
        let capacity = needed <= current ? current : Swift.max(needed, current &* 2, 64)
        let grown = Storage(capacity: capacity)
        if let storage, count > 0 {
            grown.pointer.copyMemory(from: storage.pointer, byteCount: count)
        }
        storage = grown
    }
}
