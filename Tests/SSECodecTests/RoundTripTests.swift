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

import SSECodec
import Testing

@Suite("Round trip: decode(encode(events)) == events")
struct RoundTripTests {
    /// Scalars a generator picks from: ASCII, the line breaks, the BOM, combining marks, multi-byte
    /// characters, NUL and characters that look like line separators but are not.
    private static let alphabet: [Unicode.Scalar] = [
        "a", "b", "Z", "0", " ", ":", "\t", "\n", "\r", "\u{0}", "\u{85}", "\u{2028}", "\u{FEFF}", "é", "e",
        "\u{301}", "€", "😀", "日", "\u{FFFD}", "\"", "{", "}",
    ]

    private static func randomText(
        using generator: inout SeededGenerator,
        maximumLength: Int,
        excluding excluded: Set<Unicode.Scalar> = []
    ) -> String {
        var text = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...maximumLength, using: &generator) {
            let scalar = alphabet.randomElement(using: &generator)!
            if !excluded.contains(scalar) {
                text.append(scalar)
            }
        }
        // Runs of CR LF are common in real data; add some.
        if Bool.random(using: &generator) {
            text.append(contentsOf: "\r\n".unicodeScalars)
        }
        return String(text)
    }

    /// What a client receives for `data`: every CRLF and lone CR become LF.
    private static func normalisedLineBreaks(_ data: String) -> String {
        var result = String.UnicodeScalarView()
        var previousWasCarriageReturn = false
        for scalar in data.unicodeScalars {
            if scalar == "\n" && previousWasCarriageReturn {
                previousWasCarriageReturn = false
                continue
            }
            previousWasCarriageReturn = scalar == "\r"
            result.append(scalar == "\r" ? "\n" : scalar)
        }
        return String(result)
    }

    @Test("Random events survive the round trip, whole and in random chunks", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func randomEventsRoundTrip(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let encoder = SSEEncoder()
        var stream: [UInt8] = []
        var expected: [Observed] = []
        var lastEventID: String?
        for _ in 0..<400 {
            let type = Self.randomText(using: &generator, maximumLength: 6, excluding: ["\n", "\r"])
                .replacingCarriageReturnLineFeed()
            let id: String? =
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: nil
                case 1: ""
                default:
                    Self.randomText(using: &generator, maximumLength: 8, excluding: ["\n", "\r", "\u{0}"])
                        .replacingCarriageReturnLineFeed()
                }
            let data = Self.randomText(using: &generator, maximumLength: 40)
            let event = ServerSentEvent(type: type, data: data, id: id)
            if Int.random(in: 0..<5, using: &generator) == 0 {
                encoder.encodeComment(Self.randomText(using: &generator, maximumLength: 10), into: &stream)
            }
            try encoder.encode(event, into: &stream)
            if let id {
                lastEventID = id.isEmpty ? nil : id
            }
            expected.append(
                .event(Self.normalisedLineBreaks(data), type: type.isEmpty ? "message" : type, id: lastEventID)
            )
        }

        #expect(decode(chunks: [stream]) == expected)
        var chunks: [[UInt8]] = []
        var index = 0
        while index < stream.count {
            let size = Int.random(in: 0...64, using: &generator)
            chunks.append(Array(stream[index..<min(index + size, stream.count)]))
            index += size
        }
        #expect(decode(chunks: chunks) == expected)
    }
}

extension String {
    /// The generator's "\r\n" suffix, for fields that may not contain line breaks.
    fileprivate func replacingCarriageReturnLineFeed() -> String {
        String(String.UnicodeScalarView(unicodeScalars.filter { $0 != "\r" && $0 != "\n" }))
    }
}
