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

/// The browser script in headless Chromium (Debian's `chromium`), against two servers: the
/// embedded server with long polling (`Tests/SSEBrowserFixture`), and `independent_server.py`, a
/// second implementation of the protocol written from the documentation alone. Every transport,
/// through drops, a restart, offline and online, nginx (stock, and with gzip and no
/// `X-Accel-Buffering`), a proxy that holds streams, refuses with 503 or goes silent, 204, and
/// shared connections across tabs; authorized streams (a bearer header, a ticket, a cookie) whose
/// credentials expire mid-stream, against the embedded server; and the embedded server again over
/// HTTPS, where Chromium speaks HTTP/2 to it. The scenarios live in `Tests/Browser/run_browser_tests.py`,
/// which drives Chromium through the DevTools protocol; these tests run it and fail with its report.
@Suite("Browser script in Chromium", .serialized, .timeLimit(.minutes(15)))
struct BrowserTests {
    /// The repository's root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let browser = root.appendingPathComponent("Tests/Browser")

    /// The fixture server's executable, built beside the tests.
    static var fixturePath: String {
        let tests =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: tests).deletingLastPathComponent().appendingPathComponent("SSEBrowserFixture").path
    }

    @Test(
        "Against the embedded server: every event once, in order, through drops, restarts, offline, proxies and 204",
        .requires(.chromium, .python3)
    )
    func embeddedServer() async throws {
        try await Self.runSuite(serverCommand: Self.fixturePath, extraArguments: ["--auth"])
    }

    @Test(
        "Against a second server written from the docs: the same scenarios",
        .requires(.chromium, .python3)
    )
    func independentServer() async throws {
        // The suite's default server, with the waits the fixture has: 3 s polls, 1 s heartbeats.
        let server = Self.browser.appendingPathComponent("independent_server.py").path
        try await Self.runSuite(serverCommand: "python3 \(server) --timeout 3 --heartbeat 1 --padding 2048")
    }

    #if TLSSupport
    @Test(
        "Against the embedded server over HTTPS and HTTP/2: every transport, the same scenarios but those through proxies",
        .requires(.chromium, .python3, .openssl)
    )
    func embeddedServerOverHTTP2() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        try await Self.runSuite(
            serverCommand: Self.fixturePath,
            extraArguments: [
                "--auth", "--tls-certificate", certificates.certificate, "--tls-key", certificates.privateKey,
            ]
        )
    }
    #endif

    static func runSuite(serverCommand: String, extraArguments: [String] = []) async throws {
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "python3", Self.browser.appendingPathComponent("run_browser_tests.py").path,
                // The script adds --port 0 and --static with its own folder.
                "--server-command", serverCommand,
            ] + extraArguments
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

    @Test(
        "The embedded script is the parts of Assets/sse.js/ as the build joins them, and as the test servers serve it",
        .requires(.python3)
    )
    func embeddedScriptIsCurrent() async throws {
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.browser.appendingPathComponent("sse_script.py").path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let joined = try await blocking {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Array(data)
        }
        #expect(process.terminationStatus == 0)
        #expect(Array(SSELongPoll.browserScript.utf8) == joined)
        #expect(SSELongPoll.browserModule.hasPrefix(SSELongPoll.browserScript))
        #expect(SSELongPoll.browserModule.hasSuffix("export default SSEEventSource;\n"))
    }
}
#endif
