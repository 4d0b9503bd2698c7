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

#if NIOSupport
import Foundation
import SSELongPolling
import SSETestSupport
import Testing

/// The browser script in headless Chromium (Debian's `chromium`), against the embedded server
/// with long polling (`Tests/SSEBrowserFixture`): every transport, through drops, a restart,
/// offline and online, nginx, 204, and shared connections across tabs. The scenarios live in
/// `Tests/Browser/run_browser_tests.py`, which drives Chromium through the DevTools protocol;
/// this test runs it and fails with its report.
@Suite("Browser script in Chromium", .serialized, .timeLimit(.minutes(10)))
struct BrowserTests {
    /// The repository's root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The fixture server's executable, built beside the tests.
    static var fixturePath: String {
        let tests =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: tests).deletingLastPathComponent().appendingPathComponent("SSEBrowserFixture").path
    }

    @Test(
        "Every transport receives every event once, in order, through drops, restarts, offline, nginx and 204",
        .requires(.chromium, .python3)
    )
    func browserSuite() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let browser = Self.root.appendingPathComponent("Tests/Browser")
        process.arguments = [
            "python3", browser.appendingPathComponent("run_browser_tests.py").path,
            // The script adds --port 0 and --static with its own folder.
            "--server-command", Self.fixturePath,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Minutes of reading: on a thread of its own, not one of the few the other tests run on.
        let report = try await blocking {
            let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return report
        }
        print(report)
        #expect(process.terminationStatus == 0, "the browser suite failed:\n\(report)")
    }

    @Test("The embedded script is Assets/sse.js as it is (the SSEEmbedAssets plugin embeds it)")
    func embeddedScriptIsCurrent() throws {
        let source = Self.root.appendingPathComponent("Sources/SSELongPolling/Assets/sse.js")
        let script = try String(contentsOf: source, encoding: .utf8)
        #expect(Array(SSELongPoll.browserScript.utf8) == Array(script.utf8))
        #expect(SSELongPoll.browserModule.hasPrefix(SSELongPoll.browserScript))
        #expect(SSELongPoll.browserModule.hasSuffix("export default SSEEventSource;\n"))
    }
}
#endif
