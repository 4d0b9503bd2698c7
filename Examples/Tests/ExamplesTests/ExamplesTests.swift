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
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Each server example as a user runs it: the built executable on a free port, its stream read
/// with curl, its page in headless Chromium (`Tests/page_check.py`, over the DevTools protocol).
@Suite("Server examples", .serialized, .timeLimit(.minutes(5)))
struct ExamplesTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A running example, stopped by `stop()` as Ctrl-C stops it.
    final class Running: @unchecked Sendable {
        let process = Process()
        let output = Pipe()
        var url = ""

        init(_ name: String, _ arguments: [String] = []) throws {
            let tests =
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? CommandLine.arguments[0]
            process.executableURL = URL(fileURLWithPath: tests).deletingLastPathComponent().appendingPathComponent(name)
            process.arguments = ["--port", "0"] + arguments
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            // "Name: open http://127.0.0.1:PORT/ (Ctrl-C to stop)"
            var line = ""
            let handle = output.fileHandleForReading
            while !line.contains("\n") {
                let data = handle.availableData
                guard !data.isEmpty else {
                    break
                }
                line += String(decoding: data, as: UTF8.self)
            }
            guard let start = line.range(of: "http://"), let end = line.range(of: "/ (") else {
                throw ExampleFailure(description: "\(name) printed no URL: \(line)")
            }
            url = String(line[start.lowerBound..<end.lowerBound])
        }

        /// Ctrl-C; the exit status.
        func stop() -> Int32 {
            kill(process.processIdentifier, SIGINT)
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    struct ExampleFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs a command to its end; its standard output (and with `errors`, its standard error).
    static func run(_ arguments: [String], errors: Bool = false) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errors ? output : FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// A stream read with curl, for as long as a test waits for what it expects (30 s at most).
    final class CurlStream {
        private let process = Process()
        private let output = Pipe()
        private var bytes = Data()

        init(_ url: String, headers: [String] = []) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["curl", "-sN", "--max-time", "30"] + headers.flatMap { ["-H", $0] } + [url]
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        /// Everything received, once `done` holds for it (or the stream ends).
        func read(until done: (String) -> Bool) -> String {
            var received = String(decoding: bytes, as: UTF8.self)
            while !done(received) {
                let data = output.fileHandleForReading.availableData
                guard !data.isEmpty else {
                    break
                }
                bytes += data
                received = String(decoding: bytes, as: UTF8.self)
            }
            return received
        }

        /// Everything received, once it contains each of `texts` (or the stream ends).
        func read(untilContains texts: String...) -> String {
            read(untilContainsAll: texts)
        }

        private func read(untilContainsAll texts: [String]) -> String {
            read { received in texts.allSatisfy { received.contains($0) } }
        }

        /// Stops curl. SIGKILL: a child started from a concurrency thread inherits its blocked
        /// signals, SIGTERM among them, and would run on until its `--max-time`.
        func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        /// Reads `url` until it contains each of `texts`; what arrived.
        static func read(_ url: String, headers: [String] = [], untilContains texts: String...) throws -> String {
            let stream = try CurlStream(url, headers: headers)
            defer { stream.stop() }
            return stream.read(untilContainsAll: texts)
        }
    }

    /// The page in headless Chromium until `condition` holds; the value of `value` as JSON.
    static func page(_ url: String, until condition: String, print value: String) throws -> String {
        let script = examples.appendingPathComponent("Tests/page_check.py").path
        return try run(["python3", script, url, "--until", condition, "--print", value, "--timeout", "30"])
    }

    /// The page the server sends is the file in its Assets folder, byte for byte.
    static func expectServedPage(_ running: Running, _ name: String) throws {
        let served = try run(["curl", "-s", running.url + "/"])
        let file = try String(contentsOf: examples.appendingPathComponent("\(name)/Assets/index.html"), encoding: .utf8)
        let same = Array(served.utf8) == Array(file.utf8)
        #expect(same, "\(name) serves its Assets/index.html (\(served.utf8.count) bytes, the file \(file.utf8.count))")
    }

    @Test("ticker: curl receives numbered times, a resume goes on from Last-Event-ID; the page counts ticks")
    func ticker() throws {
        let ticker = try Running("ticker")
        try Self.expectServedPage(ticker, "ticker")
        // JSON data: the text the Vue tutorial's client reads, and the time.
        let stream = try CurlStream.read(ticker.url + "/time", untilContains: "id: 2\ndata: {")
        #expect(stream.hasPrefix("id: 1\ndata: {\"text\":\"Server time: 20"), "\(stream)")
        #expect(stream.contains("id: 2\ndata: {\"text\":\"Server time: 20"), "\(stream)")
        let resumed = try CurlStream.read(ticker.url + "/time", headers: ["Last-Event-ID: 41"], untilContains: "\n\n")
        #expect(resumed.hasPrefix("id: 42\ndata: {\"text\":\"Server time: 20"), "\(resumed)")
        let ticks = try Self.page(
            ticker.url + "/",
            until: "document.body.dataset.state === 'open' && Number(document.body.dataset.ticks) >= 2",
            print: "Number(document.body.dataset.ticks)"
        )
        #expect((Int(ticks.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 2, "\(ticks)")
        #expect(ticker.stop() == 0)
    }

    @Test("notifications: to one client only, 404 for an unknown one, broadcast to all, pings; the page shows them")
    func notifications() throws {
        let server = try Running("notifications", ["--ping", "1"])
        try Self.expectServedPage(server, "notifications")
        let alice = try CurlStream(server.url + "/sse/connect?clientId=alice")
        // Sent until alice's stream has it: her connection may not be counted the moment curl starts.
        var sent = ""
        let deadline = ContinuousClock.now + .seconds(10)
        while !sent.contains("\"id\""), ContinuousClock.now < deadline {
            sent = try Self.run([
                "curl", "-s", "-H", "Content-Type: application/json", "-d",
                #"{"clientId":"alice","message":"hi alice"}"#,
                server.url + "/sse/send",
            ])
        }
        #expect(sent.contains("\"id\""))
        let unknown = try Self.run([
            "curl", "-s", "-w", " %{http_code}", "-H", "Content-Type: application/json",
            "-d", #"{"clientId":"bob","message":"hi bob"}"#, server.url + "/sse/send",
        ])
        #expect(unknown.hasSuffix(" 404") && unknown.contains("No client bob is connected."))
        let invalid = try Self.run([
            "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json", "-d", "{}",
            server.url + "/sse/send",
        ])
        #expect(invalid == "400")
        _ = try Self.run([
            "curl", "-s", "-H", "Content-Type: application/json", "-d", #"{"message":"hello all"}"#,
            server.url + "/sse/broadcast",
        ])
        // Unnamed events, as the tutorials' pages read them with onmessage; pings carry JSON.
        let direct = "data: {\"from\":\"direct\",\"message\":\"hi alice\"}\n"
        let broadcast = "data: {\"from\":\"broadcast\",\"message\":\"hello all\"}\n"
        let ping = "event: ping\ndata: {\"time\":\"20"
        let received = alice.read(untilContains: direct, broadcast, ping)
        alice.stop()
        #expect(received.contains(direct), "\(received)")
        #expect(received.contains(broadcast), "\(received)")
        #expect(received.contains(ping), "\(received)")
        #expect(!received.contains("event: notification"), "\(received)")
        let pings = try Self.page(
            server.url + "/?clientId=carol",
            until: "document.body.dataset.state === 'open' && Number(document.body.dataset.pings) >= 1",
            print: "Number(document.body.dataset.pings)"
        )
        #expect((Int(pings.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 1)
        #expect(server.stop() == 0)
    }

    @Test("dashboard: metrics events with every figure; the page draws samples")
    func dashboard() throws {
        let server = try Running("dashboard")
        try Self.expectServedPage(server, "dashboard")
        // The first event, whole.
        let stream = try CurlStream.read(server.url + "/metrics", untilContains: "data: ", "\n\n")
        let line = try #require(stream.split(separator: "\n").first { $0.hasPrefix("data: ") })
        let sample = try JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any]
        for key in [
            "time", "cpu", "memoryUsed", "memoryTotal", "diskUsed", "diskTotal", "load1", "load5", "load15",
            "receivedPerSecond", "sentPerSecond",
        ] {
            #expect(sample?[key] != nil, "\(key)")
        }
        #expect((sample?["memoryTotal"] as? Int ?? 0) > 0)
        #expect((sample?["diskTotal"] as? Int ?? 0) > 0)
        #expect((sample?["diskUsed"] as? Int ?? 0) > 0)
        let shown = try Self.page(
            server.url + "/",
            until: "Number(document.body.dataset.samples) >= 2",
            print: "[Number(document.body.dataset.samples), document.getElementById('disk').textContent]"
        )
        let figures = try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [Any]
        #expect((figures?.first as? Int ?? 0) >= 2, "\(shown)")
        #expect((figures?.last as? String)?.hasSuffix(" %") == true, "\(shown)")
        #expect(server.stop() == 0)
    }

    @Test(
        "fallback: the page receives ticks on each transport it is switched to, and shows that transport on one line",
        arguments: ["eventsource", "fetch", "xhr", "longpoll"]
    )
    func fallback(_ transport: String) throws {
        let server = try Running("fallback")
        try Self.expectServedPage(server, "fallback")
        let script = Self.examples.appendingPathComponent("Tests/page_check.py").path
        // On a desktop window and on a phone's: the transport's name is never broken in two.
        for width in ["1000", "360"] {
            let shown = try Self.run([
                "python3", script, server.url + "/?transport=" + transport, "--width", width,
                "--until", "Number(document.body.dataset.ticks) >= 2",
                "--print",
                "[document.body.dataset.transport, document.getElementById('transport').getClientRects().length]",
                "--timeout", "30",
            ])
            let figures = try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [Any]
            #expect(figures?.first as? String == transport, "\(width): \(shown)")
            #expect(figures?.last as? Int == 1, "\(width): \(shown)")
        }
        #expect(server.stop() == 0)
    }

    @Test(
        "chat: joins, messages and leaves reach the room, 400/413 say why, a resume gets the history, notifications reach one user; the page shows messages",
        arguments: ["chat", "chat-vapor"]
    )
    func chat(_ name: String) throws {
        let server = try Running(name)
        let served = try Self.run(["curl", "-s", server.url + "/"])
        let page = try String(
            contentsOf: Self.examples.appendingPathComponent("ChatCore/Assets/index.html"),
            encoding: .utf8
        )
        let same = Array(served.utf8) == Array(page.utf8)
        #expect(same, "\(name) serves ChatCore/Assets/index.html")
        let ada = try CurlStream(server.url + "/rooms/lobby/events?user=ada")
        func post(_ path: String, _ body: String, json: Bool = true) throws -> String {
            try Self.run(
                ["curl", "-s", "-w", " %{http_code}"] + (json ? ["-H", "Content-Type: application/json"] : [])
                    + ["-d", body, server.url + path]
            )
        }
        // Ada is in the room once her own join has reached her.
        _ = ada.read(untilContains: "event: join")
        #expect(try post("/rooms/lobby/messages", #"{"user":"bob","text":"hello ada"}"#).hasSuffix(" 202"))
        let empty = try post("/rooms/lobby/messages", #"{"user":"bob","text":"  "}"#)
        #expect(empty.hasSuffix(" 400") && empty.contains("empty message"), "\(empty)")
        let long = try post(
            "/rooms/lobby/messages",
            #"{"user":"bob","text":""# + String(repeating: "x", count: 1001) + #""}"#
        )
        #expect(long.hasSuffix(" 413") && long.contains("at most 1000 characters"), "\(long)")
        #expect(try post("/users/ada/notifications", "just for you", json: false).hasSuffix(" 202"))
        let join = "event: join\ndata: {\"members\":1,\"user\":\"ada\"}"
        // `message` is the default type: the event has no `event:` line.
        let message = "id: 1\n\ndata: {\"text\":\"hello ada\",\"time\":"
        let notification = "event: notification\ndata: {\"text\":\"just for you\"}"
        let received = ada.read(untilContains: join, message, notification)
        ada.stop()
        #expect(received.contains(join), "\(received)")
        #expect(received.contains(message), "\(received)")
        #expect(received.contains(notification), "\(received)")
        // A page that resumes after ada's join gets what came after it, and not ada's notification.
        let resumed = try CurlStream.read(
            server.url + "/rooms/lobby/events?user=zoe",
            headers: ["Last-Event-ID: 1"],
            untilContains: "hello ada"
        )
        #expect(resumed.contains("hello ada") && !resumed.contains("just for you"), "\(resumed)")
        // The page shows messages posted once it is in the room: post until it has one.
        let checker = Process()
        checker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        checker.arguments = [
            "python3", Self.examples.appendingPathComponent("Tests/page_check.py").path,
            server.url + "/?room=lobby&user=cy",
            "--until", "Number(document.body.dataset.messages) >= 1", "--print", "document.body.dataset.lastMessage",
            "--timeout", "30",
        ]
        let checked = Pipe()
        checker.standardOutput = checked
        try checker.run()
        while checker.isRunning {
            _ = try post("/rooms/lobby/messages", #"{"user":"bob","text":"hello again"}"#)
            usleep(300_000)
        }
        let shown = String(decoding: checked.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(shown.contains("hello again"), "\(shown)")
        #expect(server.stop() == 0)
    }
}
