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

// Shared by the tests and the libFuzzer target (scripts/fuzz-decoder.sh): no Testing here.
import SSECodec

/// A decoder output (or error) held as UTF-8 bytes, so that comparisons see every scalar:
/// `String ==` would treat canonically equivalent strings as equal and hide normalisation bugs.
enum Observed: Equatable, CustomStringConvertible {
    case event(type: [UInt8], data: [UInt8], id: [UInt8]?)
    case committedID([UInt8]?)
    case retry(Int)
    case comment([UInt8])
    case error(SSEDecodingError)

    init(_ output: SSEDecoder.Output) {
        switch output {
        case .event(let event):
            self = .event(
                type: Array(event.type.utf8),
                data: Array(event.data.utf8),
                id: event.id.map { Array($0.utf8) }
            )
        case .lastEventID(let id):
            self = .committedID(id.map { Array($0.utf8) })
        case .retry(let milliseconds):
            self = .retry(milliseconds)
        case .comment(let text):
            self = .comment(Array(text.utf8))
        }
    }

    static func event(_ data: String, type: String = "message", id: String? = nil) -> Self {
        .event(type: Array(type.utf8), data: Array(data.utf8), id: id.map { Array($0.utf8) })
    }

    static func lastEventID(_ id: String?) -> Self {
        .committedID(id.map { Array($0.utf8) })
    }

    static func comment(_ text: String) -> Self {
        .comment(Array(text.utf8))
    }

    var description: String {
        switch self {
        case .event(let type, let data, let id):
            "event(type: \(Self.render(type)), data: \(Self.render(data)), id: \(id.map(Self.render) ?? "nil"))"
        case .committedID(let id):
            "lastEventID(\(id.map(Self.render) ?? "nil"))"
        case .retry(let milliseconds):
            "retry(\(milliseconds))"
        case .comment(let text):
            "comment(\(Self.render(text)))"
        case .error(let error):
            "error(\(error))"
        }
    }

    /// Every scalar outside printable ASCII is shown as `\u{…}`.
    private static func render(_ bytes: [UInt8]) -> String {
        var result = "\""
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\"" && scalar != "\\" {
                result.unicodeScalars.append(scalar)
            } else {
                result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            }
        }
        return result + "\""
    }
}

/// Decodes `chunks` with a fresh decoder through the pull API, recording errors in line, then ends
/// the stream.
func decode(
    chunks: [[UInt8]],
    configuration: SSEDecoder.Configuration = .init(),
    lastEventID: String? = nil
) -> [Observed] {
    var decoder = SSEDecoder(configuration: configuration, lastEventID: lastEventID)
    var observed: [Observed] = []
    for chunk in chunks {
        chunk.withUnsafeBytes { buffer in
            var offset = 0
            while true {
                do throws(SSEDecodingError) {
                    guard let output = try decoder.next(from: buffer, offset: &offset) else {
                        break
                    }
                    observed.append(Observed(output))
                } catch {
                    observed.append(.error(error))
                }
            }
            precondition(offset == buffer.count, "the decoder stopped before the end of a chunk")
        }
    }
    decoder.finish()
    return observed
}

/// A small, seeded generator (SplitMix64) so that property tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
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
