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

/// The streams the codec benchmarks decode, each cut into chunks in two ways.
struct Corpus: Sendable {
    let name: String
    let bytes: [UInt8]
    let events: Int
    /// The stream cut into 4 KiB chunks.
    let pageChunks: [Range<Int>]
    /// The stream cut into chunks of a random 1–64 bytes, fixed by a seed.
    let smallChunks: [Range<Int>]

    init(name: String, bytes: [UInt8], events: Int) {
        self.name = name
        self.bytes = bytes
        self.events = events
        self.pageChunks = Self.cut(bytes.count) { 4096 }
        var generator = SplitMix64(seed: 0x5EED)
        self.smallChunks = Self.cut(bytes.count) { Int.random(in: 1...64, using: &generator) }
    }

    var megabytes: Double { Double(bytes.count) / 1_000_000 }

    /// The chunks as slices of `bytes` (no copies), for decoders that take an async sequence.
    func slices(_ chunks: [Range<Int>]) -> [ArraySlice<UInt8>] {
        chunks.map { bytes[$0] }
    }

    private static func cut(_ count: Int, size: () -> Int) -> [Range<Int>] {
        var chunks: [Range<Int>] = []
        var start = 0
        while start < count {
            let end = min(start + size(), count)
            chunks.append(start..<end)
            start = end
        }
        return chunks
    }

    /// (a) 1,000,000 OpenAI-style token events.
    static let tokens: Corpus = {
        let words = ["word ", "the ", "stream", "ing ", "model ", "Swift ", "token", "s ", "é ", "🙂 "]
        var bytes: [UInt8] = []
        bytes.reserveCapacity(80_000_000)
        for index in 0..<1_000_000 {
            let line =
                #"data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"\#(words[index % words.count])"}}]}"#
            bytes.append(contentsOf: line.utf8)
            bytes.append(contentsOf: "\n\n".utf8)
        }
        return Corpus(name: "tokens", bytes: bytes, events: 1_000_000)
    }()

    /// (b) 10,000 events of 20 data lines of 500 bytes.
    static let largeEvents: Corpus = {
        let line = Array("data: ".utf8) + (0..<500).map { UInt8(ascii: "a") + UInt8($0 % 26) } + [0x0A]
        var bytes: [UInt8] = []
        bytes.reserveCapacity(10_000 * (20 * line.count + 1))
        for _ in 0..<10_000 {
            for _ in 0..<20 {
                bytes.append(contentsOf: line)
            }
            bytes.append(0x0A)
        }
        return Corpus(name: "large", bytes: bytes, events: 10_000)
    }()

    /// (c) 500,000 CRLF events with id, event, comments and an occasional retry.
    static let crlfFields: Corpus = {
        var bytes: [UInt8] = []
        for index in 0..<500_000 {
            if index % 10 == 0 {
                bytes.append(contentsOf: ": keep-alive\r\n".utf8)
            }
            if index % 100 == 0 {
                bytes.append(contentsOf: "retry: 5000\r\n".utf8)
            }
            bytes.append(contentsOf: "id: \(index)\r\nevent: price\r\n".utf8)
            bytes.append(contentsOf: #"data: {"symbol":"ACME","price":\#(100 + index % 50).25}"#.utf8)
            bytes.append(contentsOf: "\r\n\r\n".utf8)
        }
        return Corpus(name: "crlf", bytes: bytes, events: 500_000)
    }()

    static let all = [tokens, largeEvents, crlfFields]
}

struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// An array as an async sequence: byte chunks for the async decoders, events for the encoding
/// sequence.
struct AsyncArray<Element: Sendable>: AsyncSequence, Sendable {
    let elements: [Element]

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: IndexingIterator<[Element]>

        mutating func next() async -> Element? {
            base.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: elements.makeIterator())
    }
}
