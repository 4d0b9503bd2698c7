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

/// The examples as a user meets them: `--help`, a bad flag, a port already taken, Ctrl-C with a
/// page open, and the tutorials' own clients pointed at them.
extension ExamplesTests {
    /// Every server example, with options `--help` lists besides the common ones.
    static let everyExample: [(name: String, options: [String])] = [
        ("ticker", ["--tls-certificate", "--tls-key"]),
        ("notifications", ["--ping", "--tls-certificate"]),
        ("dashboard", ["--tls-certificate"]),
        ("fallback", ["--tls-certificate"]),
        ("chat", []),
        ("chat-vapor", []),
        ("typewriter", ["--upstream", "--model", "--upstream-timeout", "--tls-certificate"]),
    ]

    static var exampleNames: [String] { everyExample.map(\.name) }

    /// A run of an example to its end.
    struct Finished {
        let status: Int32
        let output: String
        let errors: String
    }

    /// Runs the example with `arguments` until it exits.
    static func finish(_ name: String, _ arguments: [String]) throws -> Finished {
        let tests =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tests).deletingLastPathComponent().appendingPathComponent(name)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Short outputs: each fits in its pipe, so reading one after the other cannot block.
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Finished(
            status: process.terminationStatus,
            output: String(decoding: out, as: UTF8.self),
            errors: String(decoding: err, as: UTF8.self)
        )
    }

    @Test(
        "--help lists the options and exits 0; a bad flag or value is one line and exit status 1",
        arguments: exampleNames
    )
    func helpAndBadFlags(_ name: String) throws {
        let options = try #require(Self.everyExample.first { $0.name == name }).options
        let help = try Self.finish(name, ["--help"])
        #expect(help.status == 0)
        for option in ["--port", "--cors-origin", "--help"] + options {
            #expect(help.output.contains(option), "\(name) --help lacks \(option): \(help.output)")
        }
        let unknown = try Self.finish(name, ["--bogus"])
        #expect(unknown.status == 1)
        #expect(
            unknown.errors == "\(name): unknown option --bogus (\(name) --help lists the options)\n",
            "\(unknown.errors)"
        )
        #expect(unknown.output.isEmpty, "\(unknown.output)")
        let port = try Self.finish(name, ["--port", "eighty"])
        #expect(port.status == 1)
        #expect(port.errors == "\(name): --port takes a whole number from 0 to 65535, not eighty\n", "\(port.errors)")
        let missing = try Self.finish(name, ["--port"])
        #expect(missing.status == 1)
        #expect(missing.errors.hasPrefix("\(name): --port needs a value"), "\(missing.errors)")
        #expect(missing.errors.split(separator: "\n").count == 1)
    }

    @Test("A port already in use is one line and exit status 1, not a crash report", arguments: exampleNames)
    func portInUse(_ name: String) throws {
        let first = try Running(name)
        let port = try #require(first.url.split(separator: ":").last)
        let second = try Self.finish(name, ["--port", String(port)])
        #expect(second.status == 1)
        #expect(
            second.errors
                == "\(name): port \(port) on 127.0.0.1 is already in use; choose another with --port PORT (0 picks a free one)\n",
            "\(second.errors)"
        )
        #expect(first.stop() == 0)
    }

    /// Each example's page, and what it shows once its stream is open.
    static let openPages: [String: (path: String, open: String)] = [
        "ticker": ("/", "document.body.dataset.state === 'open' && Number(document.body.dataset.ticks) >= 1"),
        "notifications": ("/?clientId=zed", "document.body.dataset.state === 'open'"),
        "dashboard": ("/", "document.body.dataset.state === 'open' && Number(document.body.dataset.samples) >= 1"),
        "fallback": (
            "/?transport=eventsource",
            "document.body.dataset.state === 'open' && Number(document.body.dataset.ticks) >= 1"
        ),
        "chat": ("/?room=lobby&user=cy", "document.body.dataset.state === 'open'"),
        "chat-vapor": ("/?room=lobby&user=cy", "document.body.dataset.state === 'open'"),
        "typewriter": (
            "/?prompt=What+is+SSE%3F&autostart=1",
            "document.body.dataset.state === 'streaming' && document.getElementById('text').textContent.length > 0"
        ),
    ]

    @Test(
        "Ctrl-C with a page open: the page's stream gets the final shutdown event, and the example exits 0",
        arguments: exampleNames
    )
    func ctrlCWithPageOpen(_ name: String) throws {
        let page = try #require(Self.openPages[name])
        let server = try Running(name)
        // The typewriter keeps its answer on screen and says the server is stopping; the others
        // show the state `stopped`.
        let stopped =
            name == "typewriter"
            ? "document.body.dataset.shutdown === '1'" : "document.body.dataset.state === 'stopped'"
        let script = Self.examples.appendingPathComponent("Tests/page_check.py").path
        let shown = try Self.run(
            [
                "python3", script, server.url + page.path, "--until", page.open, "--interrupt",
                String(server.process.processIdentifier), "--then", stopped, "--print", stopped, "--timeout", "30",
            ],
            errors: true
        )
        #expect(shown.trimmingCharacters(in: .whitespacesAndNewlines) == "true", "\(name): \(shown)")
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0)
    }

    /// The pages of the tutorials' clients (`Tests/TutorialClients`), served from another origin
    /// (a Python file server on a port of its own).
    final class TutorialClients {
        let process = Process()
        let origin: String

        init() throws {
            let output = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory",
                ExamplesTests.examples.appendingPathComponent("Tests/TutorialClients").path,
            ]
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
            var line = ""
            while !line.contains("\n") {
                let data = output.fileHandleForReading.availableData
                guard !data.isEmpty else {
                    break
                }
                line += String(decoding: data, as: UTF8.self)
            }
            guard let range = line.range(of: "port "), let port = Int(line[range.upperBound...].prefix { $0.isNumber })
            else {
                process.terminate()
                throw ExampleFailure(description: "the file server printed no port: \(line)")
            }
            origin = "http://127.0.0.1:\(port)"
        }

        deinit {
            // SIGKILL: a child started from a concurrency thread inherits its blocked signals,
            // SIGTERM among them.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test("The tutorials' clients: the Vue page's EventSource from another origin reads the ticker's JSON text")
    func vueTutorialClient() throws {
        let clients = try TutorialClients()
        let ticker = try Running("ticker", ["--cors-origin", clients.origin])
        let text = try Self.page(
            clients.origin + "/vue.html?server=" + ticker.url,
            until: "Number(document.body.dataset.messages) >= 2",
            print: "document.body.dataset.text"
        )
        #expect(text.hasPrefix("\"Server time: 20"), "\(text)")
        // The origin named may read the stream; another gets no CORS header fields.
        let allowed = try Self.run([
            "curl", "-s", "-i", "-X", "OPTIONS", "-H", "Origin: \(clients.origin)", "-H",
            "Access-Control-Request-Method: GET", ticker.url + "/events",
        ])
        #expect(allowed.lowercased().contains("access-control-allow-origin: \(clients.origin)"), "\(allowed)")
        let refused = try Self.run([
            "curl", "-s", "-i", "-X", "OPTIONS", "-H", "Origin: http://elsewhere.example", "-H",
            "Access-Control-Request-Method: GET", ticker.url + "/events",
        ])
        #expect(!refused.lowercased().contains("access-control-allow-origin"), "\(refused)")
        #expect(ticker.stop() == 0)
    }

    @Test(
        "The tutorials' clients: the SpringBoot form post reaches the Gin page's EventSource (with credentials, from another origin), whose ping parser reads the time"
    )
    func springBootAndGinTutorialClients() throws {
        let clients = try TutorialClients()
        let server = try Running("notifications", ["--ping", "1", "--cors-origin", clients.origin])
        let checker = Process()
        checker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        checker.arguments = [
            "python3", Self.examples.appendingPathComponent("Tests/page_check.py").path,
            clients.origin + "/springboot-gin.html?clientId=tutorial&server=" + server.url,
            "--until", "Number(document.body.dataset.messages) >= 1 && Number(document.body.dataset.pings) >= 1",
            "--print", "[document.body.dataset.lastMessage, document.body.dataset.lastPing]", "--timeout", "30",
        ]
        let checked = Pipe()
        checker.standardOutput = checked
        try checker.run()
        // The form is posted until the page's client is connected to take it (404 before).
        var answers: [String] = []
        while checker.isRunning {
            answers.append(
                try Self.run([
                    "curl", "-s", "-w", " %{http_code}", "-d", "clientId=tutorial", "-d", "message=hello+from+a+form",
                    server.url + "/sse/send",
                ])
            )
            usleep(300_000)
        }
        let shown = try JSONDecoder().decode(
            [String].self,
            from: checked.fileHandleForReading.readDataToEndOfFile()
        )
        #expect(shown.first == #"{"from":"direct","message":"hello from a form"}"#, "\(shown)")
        #expect(shown.last?.hasPrefix("20") == true, "\(shown)")
        #expect(answers.contains { $0.hasSuffix(" 202") }, "\(answers)")
        #expect(server.stop() == 0)
    }

    @Test("notifications: a request that lacks a field, or is not JSON or a form, says so in words")
    func notificationsRefusals() throws {
        let server = try Running("notifications")
        func post(_ body: String, _ contentType: String) throws -> String {
            try Self.run([
                "curl", "-s", "-w", " %{http_code}", "-H", "Content-Type: \(contentType)", "-d", body,
                server.url + "/sse/send",
            ])
        }
        #expect(
            try post("{}", "application/json") == #"{"error":"Send clientId and message, as JSON or as a form."} 400"#
        )
        #expect(try post(#"{"clientId":5}"#, "application/json") == #"{"error":"\"clientId\" must be text."} 400"#)
        #expect(try post("[1]", "application/json") == #"{"error":"The body is not a JSON object."} 400"#)
        #expect(
            try post("hi", "text/plain")
                == #"{"error":"Send JSON (application/json) or a form (application/x-www-form-urlencoded), not text/plain."} 415"#
        )
        #expect(try post("clientId=nobody&message=hi", "application/x-www-form-urlencoded").hasSuffix(" 404"))
        let broadcast = try Self.run([
            "curl", "-s", "-w", " %{http_code}", "-d", "message=to+all", server.url + "/sse/broadcast",
        ])
        #expect(broadcast.hasSuffix(" 202"), "\(broadcast)")
        #expect(server.stop() == 0)
    }

    @Test(
        "chat: a notice to a user in no room is a 404, a body over 16 KiB a 413 that says why; CORS for --cors-origin",
        arguments: ["chat", "chat-vapor"]
    )
    func chatRefusals(_ name: String) throws {
        let origin = "http://127.0.0.1:1"
        let server = try Running(name, ["--cors-origin", origin])
        let nobody = try Self.run([
            "curl", "-s", "-w", " %{http_code}", "-d", "hello", server.url + "/users/nobody/notifications",
        ])
        #expect(nobody.hasSuffix(" 404") && nobody.contains("No user nobody is in a room."), "\(nobody)")
        let big = #"{"user":"bob","text":""# + String(repeating: "x", count: 20_000) + #""}"#
        let file = NSTemporaryDirectory() + "chat-big-\(UUID().uuidString).json"
        try big.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let tooLarge = try Self.run([
            "curl", "-s", "-w", " %{http_code}", "-H", "Content-Type: application/json", "--data-binary", "@" + file,
            server.url + "/rooms/lobby/messages",
        ])
        #expect(
            tooLarge.hasSuffix(" 413") && tooLarge.contains("at most 1000 characters; this request is over 16 KiB"),
            "\(tooLarge)"
        )
        let preflight = try Self.run([
            "curl", "-s", "-i", "-X", "OPTIONS", "-H", "Origin: \(origin)", "-H", "Access-Control-Request-Method: GET",
            server.url + "/rooms/lobby/events",
        ])
        #expect(preflight.lowercased().contains("access-control-allow-origin: \(origin)"), "\(preflight)")
        #expect(preflight.lowercased().contains("access-control-allow-credentials: true"), "\(preflight)")
        let elsewhere = try Self.run([
            "curl", "-s", "-i", "-X", "OPTIONS", "-H", "Origin: http://elsewhere.example", "-H",
            "Access-Control-Request-Method: GET", server.url + "/rooms/lobby/events",
        ])
        #expect(!elsewhere.lowercased().contains("access-control-allow-origin"), "\(elsewhere)")
        #expect(server.stop() == 0)
    }
}
