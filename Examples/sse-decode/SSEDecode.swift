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

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes a Server-Sent Events stream and prints what a client sees.
///
///     swift run sse-decode                 # the recording bundled with the example
///     curl -N http://127.0.0.1:8080/events | swift run sse-decode -   # a live stream
@main
struct SSEDecode {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        var printer = StreamPrinter()
        if arguments.first == "-" {
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                guard count > 0 else {
                    break
                }
                printer.feed(buffer[..<count])
            }
        } else if arguments.isEmpty {
            for chunk in Recording.reads {
                printer.feed(chunk)
            }
        } else {
            print("usage: sse-decode [-]   (no argument: decode the bundled recording; -: decode standard input)")
            exit(2)
        }
        for line in printer.finish() {
            print(line)
        }
    }
}

/// Turns decoder outputs into lines of text, assembling the `chunk` events of a typewriter stream
/// into the answer.
struct StreamPrinter {
    private var decoder = SSEDecoder(configuration: .init(reportsComments: true))
    private(set) var lines: [String] = []
    private var answer = ""
    private var events = 0

    mutating func feed(_ chunk: some Sequence<UInt8>) {
        do {
            try decoder.decode(chunk) { output in
                switch output {
                case .event(let event):
                    events += 1
                    lines.append("event \(event.type) id=\(event.id ?? "-") data=\(event.data.debugDescription)")
                    if event.type == "chunk" {
                        answer += event.data
                    }
                case .lastEventID(let id):
                    lines.append("last event ID is now \(id ?? "empty")")
                case .retry(let milliseconds):
                    lines.append("reconnection time: \(milliseconds) ms")
                case .comment(let text):
                    lines.append("comment: \(text)")
                }
            }
        } catch {
            lines.append("error: \(error)")
        }
    }

    /// Ends the stream and returns every line, the summary last.
    mutating func finish() -> [String] {
        if decoder.finish() {
            lines.append("the stream ended inside an event, which was discarded")
        }
        lines.append("\(events) events; last event ID \(decoder.lastEventID ?? "none")")
        if !answer.isEmpty {
            lines.append("answer: \(answer)")
        }
        return lines
    }
}
