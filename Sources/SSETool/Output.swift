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

/// Writes to a file descriptor at once, with no buffering: a line is on its way to a pipe (`jq`,
/// a test) as soon as its event has arrived, and nothing is lost when the run is interrupted.
struct Descriptor: Sendable {
    let number: Int32

    static let standardOutput = Descriptor(number: 1)
    static let standardError = Descriptor(number: 2)

    var isTerminal: Bool { isatty(number) == 1 }

    func put(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(number, bytes.baseAddress! + offset, bytes.count - offset)
                guard written > 0 else {
                    return
                }
                offset += written
            }
        }
    }
}

/// How events are printed: one JSON object per line, or readable text (coloured on a terminal).
struct EventPrinter {
    enum Format {
        case json
        case text(colour: Bool)
    }

    let format: Format
    let output: Descriptor
    /// A `retry` that changed since the last event, added to the next event's JSON line.
    private var pendingRetry: Int?

    init(format: Format, output: Descriptor = .standardOutput) {
        self.format = format
        self.output = output
    }

    mutating func retry(_ milliseconds: Int) {
        switch format {
        case .json: pendingRetry = milliseconds
        case .text(let colour): output.put(Self.dim("retry: \(milliseconds) ms", colour) + "\n")
        }
    }

    mutating func event(_ event: ServerSentEvent) {
        switch format {
        case .json:
            output.put(Self.jsonLine(event, retry: pendingRetry))
            pendingRetry = nil
        case .text(let colour):
            var head = Self.bold(event.type, colour)
            if let id = event.id {
                head += Self.dim("  id \(id)", colour)
            }
            let data = event.data.split(separator: "\n", omittingEmptySubsequences: false)
                .map { "  " + $0 }.joined(separator: "\n")
            output.put(head + "\n" + data + "\n")
        }
    }

    /// A `retry` that no event followed, so that it is not lost from the JSON lines.
    mutating func finish() {
        if case .json = format, let retry = pendingRetry {
            output.put("{\"retry\":\(retry)}\n")
            pendingRetry = nil
        }
    }

    /// `{"type":…,"data":…,"id":…}` (the ID `null` when there is none), `"retry"` last when it
    /// changed; keys always in this order.
    static func jsonLine(_ event: ServerSentEvent, retry: Int?) -> String {
        var line =
            "{\"type\":" + jsonStringLiteral(event.type) + ",\"data\":" + jsonStringLiteral(event.data) + ",\"id\":"
        line += event.id.map(jsonStringLiteral) ?? "null"
        if let retry {
            line += ",\"retry\":\(retry)"
        }
        return line + "}\n"
    }

    static func bold(_ text: String, _ colour: Bool) -> String {
        colour ? "\u{1B}[1;36m" + text + "\u{1B}[0m" : text
    }

    static func dim(_ text: String, _ colour: Bool) -> String {
        colour ? "\u{1B}[2m" + text + "\u{1B}[0m" : text
    }
}
#endif
