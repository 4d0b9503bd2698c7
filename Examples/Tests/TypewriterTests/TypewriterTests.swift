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
import SSECodec
import SSENIO
import SSEStreaming
import Testing

@testable import typewriter

@Suite("Typewriter demo", .serialized, .timeLimit(.minutes(2)))
struct TypewriterTests {
    /// The demo's routes (with `upstream`, its `--upstream` mode) on a free port, for one test.
    static func withServer(upstream: Upstream? = nil, _ body: (Int) async throws -> Void) async throws {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = SSEServer(
            configuration: .init(host: "127.0.0.1", port: 0),
            router: Typewriter.router(upstream: upstream),
            onServerRunning: { continuation.yield($0) }
        )
        let task = Task { try await server.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        try await body(port)
        task.cancel()
        _ = await task.result
    }

    /// Runs a program to its end on a thread of its own; returns its standard output.
    static func run(_ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                do {
                    let process = Process()
                    let output = Pipe()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                    process.arguments = arguments
                    process.standardOutput = output
                    process.standardError = FileHandle.nullDevice
                    try process.run()
                    let data = output.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: String(decoding: data, as: UTF8.self))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }

    static let prompt = "What is SSE?"

    static var fullAnswer: String {
        AnswerGenerator(prompt: prompt).tokens.joined()
    }

    @Test(
        "Headless Chromium shows the whole answer, typed in order, even across a dropped connection",
        arguments: [false, true]
    )
    func chromiumReadsTheAnswer(dropConnection: Bool) async throws {
        try await Self.withServer { port in
            var query = URLComponents()
            query.queryItems = [
                URLQueryItem(name: "prompt", value: Self.prompt),
                URLQueryItem(name: "autostart", value: "1"),
                URLQueryItem(name: "pace", value: "fast"),
            ]
            if dropConnection {
                query.queryItems?.append(URLQueryItem(name: "drop", value: "1"))
            }
            let url = "http://127.0.0.1:\(port)/\(query.string ?? "")"
            // The page's script runs to the end of the answer within the virtual-time budget.
            let dom = try await Self.run([
                "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                "--virtual-time-budget=30000", url,
            ])
            try #require(!dom.isEmpty, "chromium printed nothing: is it installed (apt-get install chromium)?")
            let total = AnswerGenerator(prompt: Self.prompt).tokens.count
            #expect(dom.contains(#"data-state="done""#))
            #expect(dom.contains(#"<span id="count">\#(total)/\#(total)</span>"#))
            // The browser's own EventSource kept the last event ID (and sent it when it resumed):
            // the last chunk's, after the start event's.
            let lastID = try #require(Self.element("last-id", in: dom))
            #expect(lastID.hasSuffix(":\(total + 1)"), "\(lastID)")
            #expect(dom.contains(#"data-chunks="\#(total)""#))
            let text = try #require(Self.element("text", in: dom))
            #expect(Array(text.utf8) == Array(Self.fullAnswer.utf8))
        }
    }

    @Test("A reconnect with the last event ID resumes right after it, with nothing repeated")
    func resumeAfterLastEventID() async throws {
        try await Self.withServer { port in
            let url = "http://127.0.0.1:\(port)/answer?prompt=x&pace=fast"
            let first = try await Self.run(["curl", "-sN", url])
            let ids = first.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { $0.dropFirst(4) }
            let total = AnswerGenerator(prompt: "x").tokens.count
            // The answer's ID before its first event, the start, each chunk, the end.
            #expect(ids.count == total + 3)
            // A connection that dropped before the first event resumes the same answer, whole.
            let fromStart = try await Self.run(["curl", "-sN", "-H", "Last-Event-ID: \(ids[0])", url])
            let firstEvents = first.dropFirst("retry: 500\nid: \(ids[0])\n\n".count)
            #expect(fromStart.dropFirst("retry: 500\n\n".count) == firstEvents)
            let resumeID = String(ids[ids.count / 2])
            let resumed = try await Self.run(["curl", "-sN", "-H", "Last-Event-ID: \(resumeID)", url])
            let resumedIDs = resumed.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { $0.dropFirst(4) }
            #expect(Array(resumedIDs) == Array(ids[(ids.count / 2 + 1)...]))
            #expect(resumed.hasPrefix("retry: 500\n\nevent: chunk\n"), "\(resumed.prefix(100))")
            let end = "event: sse-generation-end\ndata: {\"reason\":\"completed\"}\nid: \(ids.last ?? "")\n\n"
            #expect(resumed.hasSuffix(end))
            // A client that has the end, and one that asks for an answer nobody started: 204.
            let ended = try await Self.run([
                "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Last-Event-ID: \(ids.last ?? "")", url,
            ])
            #expect(ended == "204")
            let unknown = try await Self.run([
                "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/answer?answer=nobody",
            ])
            #expect(unknown == "204")
        }
    }

    /// What the fake upstream counted (`GET /requests`).
    struct Counts: Decodable, Sendable {
        /// Chat completion requests received.
        let count: Int
        /// Those whose client went away before the answer's end.
        let abandoned: Int
        /// Tokens written, per streamed request.
        let tokens: [Int]
    }

    /// The fake OpenAI-compatible API (`Tests/fake_openai.py`) in a child process, for one test.
    static func withFakeUpstream(
        _ body: (_ url: String, _ requests: @escaping @Sendable () async throws -> Int) async throws -> Void
    ) async throws {
        try await withCountingFakeUpstream { url, counts in
            try await body(url) { try await counts().count }
        }
    }

    /// The fake OpenAI-compatible API, with all it counted.
    static func withCountingFakeUpstream(
        _ body: (_ url: String, _ counts: @escaping @Sendable () async throws -> Counts) async throws -> Void
    ) async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fake_openai.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", script, "0"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let port = try await readLine(output.fileHandleForReading).trimmingCharacters(in: .whitespacesAndNewlines)
        let base = "http://127.0.0.1:\(port)"
        // SIGKILL: a child started from a concurrency thread inherits its blocked signals, SIGTERM
        // among them.
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try await body(base + "/v1/chat/completions") {
            try JSONDecoder().decode(Counts.self, from: Data(try await run(["curl", "-s", base + "/requests"]).utf8))
        }
    }

    @Test(
        "--upstream: an OpenAI-style stream comes out as start, chunks and end; a second tab, a resume and a refresh get it from the one upstream call; 204 after the end"
    )
    func upstreamAnswer() async throws {
        try await Self.withFakeUpstream { url, requests in
            let upstream = Upstream(url: url, model: "test", apiKey: "test-key", idleTimeout: .seconds(5))
            try await Self.withServer(upstream: upstream) { port in
                let answer = try await Self.run(["curl", "-sN", "http://127.0.0.1:\(port)/answer?prompt=hello%20world"])
                #expect(answer.hasPrefix("retry: 500\nid: "), "\(answer)")
                let chunks = answer.split(separator: "\n").filter { $0.hasPrefix("data: {\"index\"") }
                let texts = try chunks.map { line in
                    try JSONDecoder().decode(Answers.Chunk.self, from: Data(line.dropFirst(6).utf8)).text
                }
                #expect(texts.joined() == "Echo: hello world", "\(answer)")
                let ids = answer.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
                let lastID = try #require(ids.last)
                #expect(
                    answer.hasSuffix("event: sse-generation-end\ndata: {\"reason\":\"completed\"}\nid: \(lastID)\n\n"),
                    "\(answer)"
                )
                let answerID = try #require(SSEGenerations.generationID(of: lastID))
                // A second tab (or the page after a refresh) gets the whole answer; a reconnection the rest.
                let again = try await Self.run(["curl", "-sN", "http://127.0.0.1:\(port)/answer?answer=\(answerID)"])
                let answerEvents = answer.dropFirst("retry: 500\nid: \(ids[0])\n\n".count)
                #expect(again.dropFirst("retry: 500\n\n".count) == answerEvents)
                let rest = try await Self.run([
                    "curl", "-sN", "-H", "Last-Event-ID: \(ids[1])",
                    "http://127.0.0.1:\(port)/answer?prompt=hello%20world",
                ])
                #expect(rest.hasPrefix("retry: 500\n\nevent: chunk\n") && rest.hasSuffix(answer.suffix(60)), "\(rest)")
                let resumed = try await Self.run([
                    "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Last-Event-ID: \(lastID)",
                    "http://127.0.0.1:\(port)/answer?prompt=hello%20world",
                ])
                #expect(resumed == "204")
                #expect(try await requests() == 1)
            }
        }
    }

    @Test(
        "--upstream: a failure mid-answer, an error status or a stall reaches the page as an in-band error event, and the stream ends",
        arguments: ["FAIL_AFTER_3 please", "ERROR_500", "STALL_AFTER_2"]
    )
    func upstreamFailure(_ prompt: String) async throws {
        try await Self.withFakeUpstream { url, requests in
            let upstream = Upstream(url: url, model: "test", apiKey: "test-key", idleTimeout: .seconds(1))
            try await Self.withServer(upstream: upstream) { port in
                let query = prompt.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? prompt
                let answer = try await Self.run([
                    "curl", "-sN", "--max-time", "20", "http://127.0.0.1:\(port)/answer?prompt=\(query)",
                ])
                // Words for people; the reason is in the log, never a Swift type name on the page.
                #expect(
                    answer.contains(
                        "event: sse-generation-end\ndata: {\"reason\":\"failed\",\"message\":\"\(Upstream.failureMessage)\"}"
                    ),
                    "\(answer)"
                )
                #expect(!answer.contains("SSEClient"), "\(answer)")
                #expect(!answer.contains("completed"), "\(answer)")
                let lines = answer.split(separator: "\n")
                let chunkCount = lines.filter { $0 == "event: chunk" }.count
                #expect(chunkCount == (prompt.hasPrefix("FAIL") ? 3 : prompt.hasPrefix("STALL") ? 2 : 0), "\(answer)")
                #expect(try await requests() == 1)
            }
        }
    }

    @Test(
        "--upstream in Chromium: Stop at the third token cancels the upstream request, which writes no more of the answer"
    )
    func upstreamStop() async throws {
        try await Self.withCountingFakeUpstream { url, counts in
            let upstream = Upstream(url: url, model: "test", apiKey: "test-key", idleTimeout: .seconds(5))
            try await Self.withServer(upstream: upstream) { port in
                // 300 words, 20 ms apart: six seconds of answer.
                let words = 300
                let prompt = Array(repeating: "word", count: words - 1).joined(separator: "+")
                let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .appendingPathComponent("page_check.py").path
                let stopAtThird = """
                    (() => {
                      if (!window.__stopped && Number(document.getElementById('count').textContent) >= 3) {
                        window.__stopped = true;
                        document.getElementById('stop').click();
                      }
                      return document.body.dataset.stop === '204';
                    })()
                    """
                let page = try await Self.run([
                    "python3", script, "http://127.0.0.1:\(port)/?autostart=1&prompt=\(prompt)", "--until", stopAtThird,
                    "--print", "[document.body.dataset.state, document.getElementById('count').textContent]",
                ])
                #expect(page.hasPrefix("[\"stopped\""), "\(page)")
                // The fake finds its client gone at its next writes.
                var counted = try await counts()
                while counted.abandoned == 0, counted.tokens.count == 1, counted.tokens[0] < words {
                    try await Task.sleep(for: .milliseconds(50))
                    counted = try await counts()
                }
                #expect(counted.count == 1)
                #expect(counted.abandoned == 1, "\(counted)")
                #expect(counted.tokens.first ?? words < words / 2, "\(counted)")
            }
        }
    }

    @Test(
        "Headless Chromium refreshed mid-answer shows the whole answer once; with --upstream, from the one upstream call",
        arguments: [false, true]
    )
    func refreshMidAnswer(upstream: Bool) async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("page_check.py").path
        // Reloaded at the third token; then the page attaches to the same answer and types it whole.
        func check(port: Int, prompt: String) async throws -> [String] {
            let query = prompt.replacingOccurrences(of: " ", with: "+")
            let page = try await Self.run([
                "python3", script, "http://127.0.0.1:\(port)/?autostart=1&prompt=\(query)",
                "--reload-when",
                "Number(document.body.dataset.chunks) >= 3 && (sessionStorage.setItem('before', document.body.dataset.answer), true)",
                "--until", "document.body.dataset.state === 'done'", "--timeout", "60",
                "--print",
                "[document.getElementById('text').textContent, document.body.dataset.chunks, document.getElementById('count').textContent, String(sessionStorage.getItem('before') === document.body.dataset.answer)]",
            ])
            return try JSONDecoder().decode([String].self, from: Data(page.utf8))
        }
        if upstream {
            try await Self.withCountingFakeUpstream { url, counts in
                let upstream = Upstream(url: url, model: "test", apiKey: "test-key", idleTimeout: .seconds(5))
                try await Self.withServer(upstream: upstream) { port in
                    // 100 words, 20 ms apart.
                    let prompt = Array(repeating: "word", count: 99).joined(separator: " ")
                    let shown = try await check(port: port, prompt: prompt)
                    let expected = "Echo: " + prompt
                    let words = expected.split(separator: " ").count
                    #expect(shown == [expected, String(words), "\(words)/\(words)", "true"], "\(shown)")
                    let counted = try await counts()
                    #expect(counted.count == 1, "one upstream request for the answer: \(counted)")
                    #expect(counted.abandoned == 0, "\(counted)")
                }
            }
        } else {
            try await Self.withServer { port in
                let total = AnswerGenerator(prompt: Self.prompt).tokens.count
                let shown = try await check(port: port, prompt: Self.prompt)
                // The same answer as before the refresh, whole, each chunk once.
                #expect(shown == [Self.fullAnswer, String(total), "\(total)/\(total)", "true"], "\(shown)")
            }
        }
    }

    @Test(
        "--upstream in Chromium: drop and fast are off and say why; a new question clears the last ID; a failure shows words for people"
    )
    func upstreamPage() async throws {
        try await Self.withFakeUpstream { url, _ in
            let upstream = Upstream(url: url, model: "test", apiKey: "test-key", idleTimeout: .seconds(1))
            try await Self.withServer(upstream: upstream) { port in
                let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .appendingPathComponent("page_check.py").path
                // The first answer completes; then a second question, whose upstream stalls.
                let askAgain = """
                    (() => {
                      const $ = (id) => document.getElementById(id);
                      if (!window.__again && document.body.dataset.state === 'done') {
                        window.__again = true;
                        window.__firstID = $('last-id').textContent;
                        $('prompt').value = 'STALL_AFTER_2 now';
                        $('ask').requestSubmit();
                        window.__clearedID = $('last-id').textContent;
                      }
                      return window.__again && document.body.dataset.state === 'failed';
                    })()
                    """
                let page = try await Self.run([
                    "python3", script, "http://127.0.0.1:\(port)/?autostart=1&prompt=hello+world", "--until", askAgain,
                    "--print",
                    "[document.body.dataset.mode, String(document.getElementById('drop').disabled), String(document.getElementById('fast').disabled), String(document.getElementById('mode-note').hidden), window.__firstID, window.__clearedID, document.getElementById('error').textContent]",
                ])
                let shown = try JSONDecoder().decode([String].self, from: Data(page.utf8))
                #expect(shown.count == 7, "\(page)")
                guard shown.count == 7 else {
                    return
                }
                #expect(shown[0] == "upstream")
                #expect(shown[1] == "true" && shown[2] == "true" && shown[3] == "false", "\(shown)")
                #expect(shown[4].hasSuffix(":4"), "the first answer's last chunk, after its start: \(shown[4])")
                #expect(shown[5] == "–", "cleared when the second question is asked: \(shown[5])")
                #expect(shown[6] == Upstream.failureMessage)
            }
        }
    }

    @Test(
        "Ctrl-C (SIGINT) or SIGTERM stops the demo process: an open answer is ended properly, and it exits 0",
        arguments: [SIGINT, SIGTERM]
    )
    func stopsOnSignal(_ signal: Int32) async throws {
        // The demo's executable, built beside these tests.
        let tests = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tests).deletingLastPathComponent().appendingPathComponent(
            "typewriter"
        )
        process.arguments = ["--port", "0"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let announcement = try await Self.readLine(output.fileHandleForReading)
        let port = try #require(
            announcement.split(separator: ":").last.flatMap { Int($0.prefix { $0.isNumber }) }
        )
        // A slow answer is still streaming when the signal comes: curl sees its response end.
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        curl.arguments = [
            "curl", "-sN",
            "http://127.0.0.1:\(port)/answer?prompt=\(Self.prompt.replacingOccurrences(of: " ", with: "+"))",
        ]
        let answer = Pipe()
        curl.standardOutput = answer
        try curl.run()
        let first = try await Self.readLine(answer.fileHandleForReading)
        #expect(first.hasPrefix("retry: "))
        kill(process.processIdentifier, signal)
        try await Self.waitForExit(process)
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        try await Self.waitForExit(curl)
        // curl exits 0 only when the chunked response was ended properly (18 when cut off).
        #expect(curl.terminationStatus == 0)
    }

    @Test(
        "Over HTTPS with a self-signed certificate: curl --http2 gets the whole answer over HTTP/2, and Chromium types it"
    )
    func overHTTPS() async throws {
        // A self-signed certificate for 127.0.0.1, as the README makes one for local use.
        let folder = NSTemporaryDirectory() + "typewriter-tls-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (certificate, key) = (folder + "/cert.pem", folder + "/key.pem")
        _ = try await Self.run([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", key, "-out", certificate,
        ])
        try #require(FileManager.default.fileExists(atPath: certificate), "openssl made no certificate")

        let tests = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tests).deletingLastPathComponent().appendingPathComponent(
            "typewriter"
        )
        process.arguments = ["--port", "0", "--tls-certificate", certificate, "--tls-key", key]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGINT)
            process.waitUntilExit()
        }
        let announcement = try await Self.readLine(output.fileHandleForReading)
        let start = try #require(announcement.range(of: "https://"), "no https URL in: \(announcement)")
        let end = try #require(announcement.range(of: "/ ("), "no URL in: \(announcement)")
        let origin = String(announcement[start.lowerBound..<end.lowerBound])

        let answer = try await Self.run([
            "curl", "-sN", "--http2", "--cacert", certificate, "-w", "\nprotocol %{http_version}",
            origin + "/answer?prompt=What+is+SSE%3F&pace=fast",
        ])
        #expect(answer.hasSuffix("\nprotocol 2"), "\(answer.suffix(200))")
        var decoder = SSEDecoder()
        var events: [ServerSentEvent] = []
        try decoder.decode(Array(answer.utf8)) { output in
            if case .event(let event) = output { events.append(event) }
        }
        let text = try events.filter { $0.type == "chunk" }.map {
            try JSONDecoder().decode(Answers.Chunk.self, from: Data($0.data.utf8)).text
        }.joined()
        #expect(Array(text.utf8) == Array(Self.fullAnswer.utf8))
        #expect(events.first?.type == "start")
        #expect(events.last?.type == "sse-generation-end")

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("page_check.py").path
        let page = try await Self.run([
            "python3", script, origin + "/?prompt=What+is+SSE%3F&autostart=1&pace=fast", "--ignore-certificate-errors",
            "--until", "document.body.dataset.state === 'done'",
            "--print",
            "[performance.getEntriesByType('navigation')[0].nextHopProtocol, document.getElementById('text').textContent]",
        ])
        let shown = try JSONDecoder().decode([String].self, from: Data(page.utf8))
        #expect(shown == ["h2", Self.fullAnswer])
    }

    /// One line from a pipe, read on a thread of its own.
    static func readLine(_ handle: FileHandle) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                var line = ""
                while !line.hasSuffix("\n") {
                    guard let byte = try? handle.read(upToCount: 1), !byte.isEmpty else {
                        break
                    }
                    line += String(decoding: byte, as: UTF8.self)
                }
                continuation.resume(returning: line)
            }.start()
        }
    }

    /// Waits, on a thread of its own, for a process to exit.
    static func waitForExit(_ process: Process) async throws {
        await withCheckedContinuation { continuation in
            Thread {
                process.waitUntilExit()
                continuation.resume()
            }.start()
        }
    }

    /// The text content of the element with this ID in serialised HTML (no nested elements).
    static func element(_ id: String, in html: String) -> String? {
        guard let start = html.range(of: #"id="\#(id)">"#),
            let end = html.range(of: "</", range: start.upperBound..<html.endIndex)
        else {
            return nil
        }
        return String(html[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&amp;", with: "&")
            .replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&nbsp;", with: "\u{A0}")
    }
}
