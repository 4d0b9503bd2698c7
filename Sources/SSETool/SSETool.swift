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
import ArgumentParser

/// `sse`: listen to, decode, serve and publish Server-Sent Events from a shell.
@main
struct SSETool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sse",
        abstract: "Listen to, decode, serve and publish Server-Sent Events.",
        discussion: """
            Examples:
              sse listen http://127.0.0.1:8080/events
              sse listen --json --max 10 https://example.com/events | jq .data
              curl -sN http://127.0.0.1:8080/events | sse decode -
              sse listen --record stream.sse URL; sse serve stream.sse --drop-after 5
              sse hub --port 8080 & curl -d 'hello' 127.0.0.1:8080/publish
              sse doctor https://example.com/events

            Exit codes: 0 done, \(ExitStatus.usage) usage, \(ExitStatus.badURL) bad URL, \
            \(ExitStatus.connectionFailed) connection refused or failed, \(ExitStatus.badStatus) non-200 status, \
            \(ExitStatus.wrongContentType) not text/event-stream, \(ExitStatus.invalidStream) invalid stream \
            (decode --strict), \(ExitStatus.checksFailed) a check failed (doctor), \(ExitStatus.interrupted) interrupted (Ctrl-C).
            """,
        subcommands: [Listen.self, Decode.self, Serve.self, Hub.self, Publish.self, Doctor.self]
    )
}
#else
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Without its trait the tool is not built: say how to build it.
@main
struct SSETool {
    static func main() {
        print("sse is built with the CommandLineTool trait: swift run --traits CommandLineTool sse --help")
        exit(64)
    }
}
#endif
