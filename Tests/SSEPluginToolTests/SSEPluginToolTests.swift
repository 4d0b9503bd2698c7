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

import Foundation
import SSELongPolling
import SSETestSupport
import Testing

/// The executables behind the plugins, run as the plugins run them.
@Suite("Plugin tools")
struct SSEPluginToolTests {
    static func tool(_ name: String) -> String {
        let tests =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: tests).deletingLastPathComponent().appendingPathComponent(name).path
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: Self.tool(tool))
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sse-plugin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("sse-embed writes text as raw strings that hold quotes, hashes and backslashes, and other files as bytes")
    func embed() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tricky = "const a = \"\"\"#;\nlet b = \"\\##(x)\";\n\n  indented\nno final newline"
        try Data(tricky.utf8).write(to: directory.appendingPathComponent("tricky.js"))
        try Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x0D, 0x0A]).write(to: directory.appendingPathComponent("logo.png"))
        try Data("a\r\nb".utf8).write(to: directory.appendingPathComponent("crlf.txt"))
        let output = directory.appendingPathComponent("EmbeddedAssets.swift")
        let run = try Self.run(
            "SSEEmbed",
            [output.path, "EmbeddedAssets"]
                + ["tricky.js", "logo.png", "crlf.txt"].map {
                    directory.appendingPathComponent($0).path
                }
        )
        #expect(run.status == 0, "\(run.output)")
        let source = try String(contentsOf: output, encoding: .utf8)
        // Three hashes: one more than the longest run after a quote or backslash in the text.
        #expect(source.contains("static let trickyJs: String = ###\"\"\""))
        #expect(source.contains("        const a = \"\"\"#;\n"))
        #expect(source.contains("\n\n          indented\n        no final newline\n        \"\"\"###"))
        #expect(source.contains("static let logoPng: [UInt8] = [\n        0x89, 0x50, 0x4E, 0x47, 0x0, 0xD, 0xA,"))
        // A CR cannot stay in a multi-line literal (its line ends are LF): bytes instead.
        #expect(source.contains("static let crlfTxt: [UInt8] = ["))
        #expect(source.contains("(\"tricky.js\", Array(trickyJs.utf8)),"))
        #expect(try Self.run("SSEEmbed", []).status == 64)
    }

    @Test("sse-embed joins a folder into the file of its name; a script keeps its leading comment and its code")
    func embedFolder() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("app.js")
        let notes = directory.appendingPathComponent("notes.txt")
        for folder in [script, notes] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        let parts = [
            "1-head.js": "// License\n\n// What the script is\n(function () {\n",
            "2-body.js": "// License\n\n    // Why this line\n    const url = \"https://a/b\"; // kept\n",
            "3-tail.js": "    //   also gone\n})();\n",
            ".hidden.js": "hidden\n",
        ]
        for (name, text) in parts {
            try Data(text.utf8).write(to: script.appendingPathComponent(name))
        }
        try Data("// one\n".utf8).write(to: notes.appendingPathComponent("a"))
        try Data("// two\n".utf8).write(to: notes.appendingPathComponent("b"))
        let output = directory.appendingPathComponent("EmbeddedAssets.swift")
        let run = try Self.run("SSEEmbed", [output.path, "EmbeddedAssets", script.path, notes.path])
        #expect(run.status == 0, "\(run.output)")
        let source = try String(contentsOf: output, encoding: .utf8)
        let joined =
            "// License\n\n// What the script is\n(function () {\n\n    const url = \"https://a/b\"; // kept\n})();\n"
        let literal = joined.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : "        " + $0 }.joined(separator: "\n")
        #expect(source.contains("static let appJs: String = #\"\"\"\n\(literal)\n        \"\"\"#"))
        // Only a script loses its comments.
        #expect(
            source.contains("static let notesTxt: String = #\"\"\"\n        // one\n        // two\n\n        \"\"\"#")
        )
    }

    @Test("sse-export-script writes sse.js and sse.mjs, the module's script as it is")
    func exportScript() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try Self.run("SSEScriptExport", ["--output", directory.appendingPathComponent("Public").path])
        #expect(run.status == 0, "\(run.output)")
        let script = try Data(contentsOf: directory.appendingPathComponent("Public/sse.js"))
        let module = try Data(contentsOf: directory.appendingPathComponent("Public/sse.mjs"))
        #expect(Array(script) == Array(SSELongPoll.browserScript.utf8))
        #expect(Array(module) == Array(SSELongPoll.browserModule.utf8))
        #expect(try Self.run("SSEScriptExport", ["--bogus"]).status == 64)
    }
}
