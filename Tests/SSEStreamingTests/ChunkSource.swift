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

import Synchronization

/// Chunks as an async sequence that counts how many were pulled, to prove there is no read-ahead.
struct ChunkSource<Chunk: Sendable>: AsyncSequence, Sendable {
    final class Counter: Sendable {
        let pulled = Atomic<Int>(0)
    }

    let chunks: [Chunk]
    let counter = Counter()

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: IndexingIterator<[Chunk]>
        let counter: Counter

        mutating func next() async -> Chunk? {
            guard let chunk = remaining.next() else {
                return nil
            }
            counter.pulled.add(1, ordering: .relaxed)
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(remaining: chunks.makeIterator(), counter: counter)
    }

    var pulled: Int { counter.pulled.load(ordering: .relaxed) }
}

/// A sequence of bytes without contiguous storage.
struct ByteList: Sequence, Sendable {
    let bytes: [UInt8]

    func makeIterator() -> IndexingIterator<[UInt8]> {
        bytes.makeIterator()
    }
}

/// An event as UTF-8 bytes, so comparisons see every scalar.
struct EventBytes: Equatable, CustomStringConvertible {
    let type: [UInt8]
    let data: [UInt8]
    let id: [UInt8]?

    init(_ type: String, _ data: String, id: String? = nil) {
        self.type = Array(type.utf8)
        self.data = Array(data.utf8)
        self.id = id.map { Array($0.utf8) }
    }

    var description: String {
        "(\(String(decoding: type, as: UTF8.self)), \(String(decoding: data, as: UTF8.self).debugDescription), \(id.map { String(decoding: $0, as: UTF8.self) } ?? "nil"))"
    }
}

/// Cuts `bytes` into chunks of the given sizes, cycling through them.
func chunks(of bytes: [UInt8], sizes: [Int]) -> [[UInt8]] {
    var result: [[UInt8]] = []
    var start = 0
    var index = 0
    while start < bytes.count {
        let end = min(start + sizes[index % sizes.count], bytes.count)
        result.append(Array(bytes[start..<end]))
        start = end
        index += 1
    }
    return result
}
