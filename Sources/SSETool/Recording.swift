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

#if CommandLineTool
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SSECodec
import Synchronization

/// A recorded stream, as `sse listen --record` writes it and `sse serve` reads it: an ordinary
/// event stream (any SSE parser reads it), where a comment `: +SECONDS` before an event says when
/// it arrived, counted from the start of the recording:
///
/// ```
/// : sse recording
/// retry: 3000
///
/// : +0.512
/// data: hello
/// id: 1
///
/// ```
///
/// A plain event stream with no such comments is a recording too, without timing.
struct Recording: Sendable {
    /// One event of the recording, or a `retry` field, with its arrival time when known.
    enum Item: Sendable, Equatable {
        case event(ServerSentEvent, at: Duration?)
        case retry(milliseconds: Int)
    }

    var items: [Item] = []

    var events: [ServerSentEvent] {
        items.compactMap {
            guard case .event(let event, _) = $0 else {
                return nil
            }
            return event
        }
    }

    var isTimed: Bool {
        items.contains {
            if case .event(_, at: .some) = $0 {
                return true
            }
            return false
        }
    }

    /// Parses a recording (or a plain event stream).
    ///
    /// - Throws: `SSEDecodingError` for a line or event over the decoder's default limits.
    init(parsing bytes: [UInt8]) throws {
        var decoder = SSEDecoder(configuration: .init(reportsComments: true))
        var time: Duration?
        var items: [Item] = []
        try decoder.decode(bytes) { output in
            switch output {
            case .comment(let text):
                if text.hasPrefix("+"), let seconds = Double(text.dropFirst()) {
                    time = .milliseconds(Int((seconds * 1000).rounded()))
                }
            case .event(let event):
                items.append(.event(event, at: time))
                time = nil
            case .retry(let milliseconds):
                items.append(.retry(milliseconds: milliseconds))
            case .lastEventID:
                break
            }
        }
        decoder.finish()
        self.items = items
    }
}

/// Writes a stream to a file as it arrives, in the format of `Recording`.
final class Recorder: Sendable {
    private let descriptor: Descriptor
    private let start = ContinuousClock.now
    private let encoder = SSEEncoder()

    init(path: String) throws {
        let number = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard number >= 0 else {
            throw ToolFailure(description: "cannot write \(path)", status: ExitStatus.usage)
        }
        descriptor = Descriptor(number: number)
        descriptor.put(": sse recording\n\n")
    }

    func event(_ event: ServerSentEvent) {
        let elapsed = ContinuousClock.now - start
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        var bytes = Array(": +\(milliseconds / 1000).\(Self.threeDigits(milliseconds % 1000))\n".utf8)
        // Only what the parser accepted can be here, so it encodes.
        try? encoder.encode(event, into: &bytes)
        descriptor.put(String(decoding: bytes, as: UTF8.self))
    }

    func retry(_ milliseconds: Int) {
        descriptor.put("retry: \(milliseconds)\n\n")
    }

    private static func threeDigits(_ value: Int64) -> String {
        let digits = String(value)
        return String(repeating: "0", count: 3 - digits.count) + digits
    }
}
#endif
