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
import ArgumentParser
import SSECodec

/// `sse decode [FILE|-]`: decodes a stream as it arrives into JSON lines.
struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode an event stream from a file or standard input, as it arrives, into JSON lines.",
        discussion: """
            Each event is one line: {"type":…,"data":…,"id":…} (the ID in effect, null when none), with \
            "retry" when a retry field changed before it. Decoding follows the WHATWG rules exactly: \
            CR, LF and CRLF line ends, a leading BOM, comments, id-only blocks.

            Examples:
              curl -sN http://127.0.0.1:8080/events | sse decode - | jq -r .data
              sse decode --strict recording.sse
            """
    )

    @Argument(help: "The stream: a file, or - (the default) for standard input.")
    var file: String = "-"

    @Flag(
        help:
            "Exit non-zero (\(ExitStatus.invalidStream)) on a line or event over a limit, or an unfinished final event."
    )
    var strict = false

    @Option(help: "The longest line accepted, in bytes (default: the event limit and 64).")
    var maxLine: Int?

    @Option(help: "The largest event accepted, in bytes (default 16 MiB).")
    var maxEvent: Int?

    func run() throws {
        let input: Int32
        if file == "-" {
            input = 0
        } else {
            input = open(file, O_RDONLY)
            guard input >= 0 else {
                Descriptor.standardError.put("sse: cannot read \(file)\n")
                throw ExitCode(ExitStatus.usage)
            }
        }
        var configuration = SSEDecoder.Configuration()
        if let maxLine {
            configuration.maximumLineLength = maxLine
        }
        if let maxEvent {
            configuration.maximumEventSize = maxEvent
        }
        var decoder = SSEDecoder(configuration: configuration)
        var printer = EventPrinter(format: .json)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var failed = false
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            guard count > 0 else {
                break
            }
            do {
                try buffer.withUnsafeBytes { bytes in
                    try decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[..<count])) { output in
                        switch output {
                        case .event(let event): printer.event(event)
                        case .retry(let milliseconds): printer.retry(milliseconds)
                        case .lastEventID, .comment: break
                        }
                    }
                }
            } catch {
                Descriptor.standardError.put("sse: \(error)\n")
                failed = true
                if strict {
                    printer.finish()
                    throw ExitCode(ExitStatus.invalidStream)
                }
            }
        }
        printer.finish()
        if decoder.finish() {
            Descriptor.standardError.put("sse: the stream ended inside an event, which was discarded\n")
            failed = true
        }
        if strict && failed {
            throw ExitCode(ExitStatus.invalidStream)
        }
    }
}
#endif
