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
#endif
import Foundation
import SSEClient
import SSECodec
import SSENIO
import SSEStreaming
import SSEServerTestSupport
import SSETestSupport
import Testing

/// The `sse` binary, run as a user runs it: a subprocess, its output read from pipes.
@Suite("The sse tool", .serialized, .timeLimit(.minutes(5)), .requires(.curl, .python3))
struct SSEToolTests {
    static let recordings = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Recordings")

    /// The tool, built beside the tests.
    static var toolPath: String {
        let tests =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: tests).deletingLastPathComponent().appendingPathComponent("sse").path
    }

    /// A run of the tool to its end.
    struct Run: Sendable {
        let status: Int32
        let output: String
        let errors: String
    }

    /// Runs the tool with `arguments` (and `input` on standard input) to its end.
    static func run(_ arguments: [String], input: [UInt8]? = nil) async throws -> Run {
        try await blocking {
            let process = TestProcess()
            process.executableURL = URL(fileURLWithPath: toolPath)
            process.arguments = arguments
            let output = Pipe()
            let errors = Pipe()
            let standardInput = Pipe()
            process.standardOutput = output
            process.standardError = errors
            process.standardInput = standardInput
            try process.run()
            if let input {
                standardInput.fileHandleForWriting.write(Data(input))
            }
            try standardInput.fileHandleForWriting.close()
            // Read both pipes to their ends: a full pipe would block the tool.
            let errorData = ErrorOutput()
            let done = DispatchSemaphore(value: 0)
            Thread {
                errorData.data = errors.fileHandleForReading.readDataToEndOfFile()
                done.signal()
            }.start()
            let outputData = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            done.wait()
            return Run(
                status: process.terminationStatus,
                output: String(decoding: outputData, as: UTF8.self),
                errors: String(decoding: errorData.data, as: UTF8.self)
            )
        }
    }

    static func recording(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: recordings.appendingPathComponent(name)))
    }

    // MARK: decode

    @Test("decode turns the recordings into the expected JSON lines, from a file and from standard input")
    func decodeRecordings() async throws {
        for name in ["edges", "typewriter"] {
            let expected = String(decoding: try Self.recording(name + ".jsonl"), as: UTF8.self)
            let file = try await Self.run(["decode", Self.recordings.appendingPathComponent(name + ".sse").path])
            #expect(Array(file.output.utf8) == Array(expected.utf8), "\(name)")
            #expect(file.status == 0)
            let piped = try await Self.run(["decode", "-"], input: try Self.recording(name + ".sse"))
            #expect(Array(piped.output.utf8) == Array(expected.utf8), "\(name)")
        }
    }

    @Test("decode reads standard input as it arrives: the same lines at every split of it into two reads")
    func decodeEverySplit() async throws {
        for name in ["edges", "typewriter"] {
            let bytes = try Self.recording(name + ".sse")
            let expected = String(decoding: try Self.recording(name + ".jsonl"), as: UTF8.self)
            for split in 1..<bytes.count {
                let output = try await blocking { try Self.decodeInTwoReads(bytes, at: split) }
                #expect(Array(output.utf8) == Array(expected.utf8), "\(name) split at \(split)")
            }
        }
    }

    /// Writes the first part, waits until the tool has read all of it (the pipe is empty), then
    /// the rest: the tool sees two reads, split there.
    static func decodeInTwoReads(_ bytes: [UInt8], at split: Int) throws -> String {
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: toolPath)
        process.arguments = ["decode"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let writer = input.fileHandleForWriting
        writer.write(Data(bytes[..<split]))
        var unread: Int32 = 1
        let deadline = ContinuousClock.now + .seconds(10)
        while unread > 0, ContinuousClock.now < deadline {
            _ = ioctl(writer.fileDescriptor, UInt(FIONREAD), &unread)
            if unread > 0 {
                usleep(200)
            }
        }
        writer.write(Data(bytes[split...]))
        try writer.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("decode --strict exits 72 on an unfinished final event or a line over --max-line; without it, 0")
    func decodeStrict() async throws {
        let edges = Self.recordings.appendingPathComponent("edges.sse").path
        let strict = try await Self.run(["decode", "--strict", edges])
        #expect(strict.status == 72)
        #expect(strict.errors.contains("ended inside an event"))
        let typewriter = Self.recordings.appendingPathComponent("typewriter.sse").path
        #expect(try await Self.run(["decode", "--strict", typewriter]).status == 0)
        let long = try await Self.run(["decode", "--strict", "--max-line", "10", typewriter])
        #expect(long.status == 72)
        #expect(long.errors.contains("line"))
        // Lines over 12 bytes are dropped with their events, the others decoded.
        let lenient = try await Self.run(["decode", "--max-line", "12", typewriter])
        #expect(lenient.status == 0)
        #expect(lenient.output.contains("\"data\":\"Hello\""))
        #expect(lenient.output.contains("\"data\":\"!\""))
        #expect(!lenient.output.contains("world"))
    }

    // MARK: listen

    @Test("listen --json against the misbehaving server: byte-exact lines across a reconnection, ending at its 204")
    func listenJSON() async throws {
        let server = try await MisbehavingServer.start()
        let run = try await Self.run(["listen", "--json", server.url("split", client: "tool-json")])
        let expected = """
            {"type":"message","data":"one","id":"1","retry":10}
            {"type":"message","data":"two","id":"2"}
            {"type":"message","data":"thr\\nee","id":"3"}
            {"type":"message","data":"ünï€😀","id":"3"}
            {"type":"resumed","data":"3","id":"3"}
            {"type":"message","data":"four","id":"4"}

            """
        #expect(Array(run.output.utf8) == Array(expected.utf8))
        #expect(run.status == 0)
        #expect(run.errors.contains("sse: open (200)"))
        #expect(run.errors.contains("sse: reconnecting in"))
        #expect(run.errors.contains("sse: closed"))
        await server.kill()
    }

    @Test("listen's exit statuses: bad URL 65, refused 69, non-200 70, wrong content type 71; retried statuses recover")
    func listenExitStatuses() async throws {
        #expect(try await Self.run(["listen", "ftp://example.com/events"]).status == 65)
        #expect(try await Self.run(["listen", "not a url"]).status == 65)
        let closedPort = try await Self.closedPort()
        let refused = try await Self.run(["listen", "--no-reconnect", "http://127.0.0.1:\(closedPort)/events"])
        #expect(refused.status == 69)
        let server = try await MisbehavingServer.start()
        let status = try await Self.run(["listen", server.url("status", client: "tool-404", "code=404")])
        #expect(status.status == 70)
        #expect(status.errors.contains("404"))
        let notRetried = try await Self.run([
            "listen", "--retry-statuses", "", server.url("status", client: "tool-500", "code=500"),
        ])
        #expect(notRetried.status == 70)
        let wrongType = try await Self.run(["listen", server.url("wrong-type", client: "tool-type")])
        #expect(wrongType.status == 71)
        let retried = try await Self.run([
            "listen", "--json", "--retry-statuses", "502,503",
            server.url("status", client: "tool-503", "code=503&times=1"),
        ])
        #expect(retried.status == 0)
        #expect(retried.output == "{\"type\":\"message\",\"data\":\"recovered\",\"id\":null}\n")
        #expect(try await Self.run(["listen", "--bogus"]).status == 64)
        await server.kill()
    }

    /// A port nothing listens on: one the OS gave a server that has stopped.
    static func closedPort() async throws -> Int {
        let server = try await TestServer.start(router: SSERouter())
        let port = server.port
        await server.stop()
        return port
    }

    @Test("listen sends -X, -H and -d; --max stops it; --record saves what serve replays")
    func listenRequestAndRecord() async throws {
        var router = SSERouter()
        router.post("/echo") { request in
            let token = request.headers[HTTPField.Name("X-Token")!] ?? "none"
            let events = [
                ServerSentEvent(data: "\(request.method.rawValue) \(token) \(request.bodyText)", id: "1"),
                ServerSentEvent(type: "second", data: "two", id: "2"),
                ServerSentEvent(data: "never read", id: "3"),
            ]
            return .events(events.async)
        }
        let server = try await TestServer.start(router: router)
        let recordPath = FileManager.default.temporaryDirectory.appendingPathComponent("sse-\(UUID()).sse").path
        defer { try? FileManager.default.removeItem(atPath: recordPath) }
        let run = try await Self.run([
            "listen", "--json", "-X", "POST", "-H", "X-Token: secret", "-d", "hello", "--max", "2",
            "--record", recordPath, server.url("/echo"),
        ])
        #expect(run.status == 0)
        #expect(
            run.output == """
                {"type":"message","data":"POST secret hello","id":"1"}
                {"type":"second","data":"two","id":"2"}

                """
        )
        let replayed = try await Self.run(["decode", recordPath])
        #expect(replayed.output == run.output)
        let recording = String(decoding: try Data(contentsOf: URL(fileURLWithPath: recordPath)), as: UTF8.self)
        #expect(recording.hasPrefix(": sse recording\n\n: +"))
        await server.stop()
    }

    @Test("Ctrl-C ends listen with status 130, what was received printed")
    func listenInterrupted() async throws {
        let server = try await MisbehavingServer.start()
        let child = try Child([Self.toolPath, "listen", "--json", server.url("counter", client: "tool-int")])
        var output = ""
        #expect(try await child.receive("\"id\":\"3\"}\n", into: &output))
        let status = try await blocking { child.interrupt() }
        #expect(status == 130)
        #expect(output.hasPrefix("{\"type\":\"message\",\"data\":\"1\",\"id\":\"1\"}\n"))
        await server.kill()
    }

    // MARK: serve

    /// Starts `sse serve` or `sse hub` on a free port; its URL from the line it prints.
    static func startServing(
        _ arguments: [String],
        environment: [String] = []
    ) async throws -> (child: Child, url: String) {
        let child = try Child(
            (environment.isEmpty ? [] : ["env"] + environment) + [toolPath] + arguments + ["--port", "0"]
        )
        var output = ""
        try #require(try await child.receive("/ (", into: &output))
        let line = try #require(output.range(of: "listening on "))
        let start = try #require(output.range(of: "http", range: line.upperBound..<output.endIndex))
        let end = try #require(output.range(of: "/ (", range: start.upperBound..<output.endIndex))
        return (child, String(output[start.lowerBound..<end.lowerBound]))
    }

    @Test("serve replays a recording with its retry and IDs: curl gets it whole, and resumes after Last-Event-ID")
    func serveForCurl() async throws {
        let (server, url) = try await Self.startServing([
            "serve", Self.recordings.appendingPathComponent("typewriter.sse").path,
        ])
        let whole = try Child(["curl", "-sN", url + "/events"])
        let expected = try await Self.run(["decode", Self.recordings.appendingPathComponent("typewriter.sse").path])
        let body = try await blocking { whole.readToEnd() }
        #expect(try await Self.run(["decode", "-"], input: Array(body.utf8)).output == expected.output)
        let resumed = try Child(["curl", "-sN", "-H", "Last-Event-ID: 3", url + "/events"])
        let rest = try await blocking { resumed.readToEnd() }
        #expect(rest == "retry: 200\nid: 4\nevent: chunk\ndata: !\n\nid: 5\nevent: end\ndata: {\"answer\":1}\n\n")
        try await blocking { server.kill() }
    }

    @Test("serve --drop-after ends every response early; SSEClient resumes until it has every event once")
    func serveDropsForSSEClient() async throws {
        let (server, url) = try await Self.startServing([
            "serve", Self.recordings.appendingPathComponent("edges.sse").path, "--drop-after", "2",
        ])
        var configuration = SSEClient.Configuration()
        configuration.reconnection.minimumDelay = .milliseconds(10)
        configuration.reconnection.initialReconnectionTime = .milliseconds(10)
        let client = SSEClient(url: url + "/events", configuration: configuration)
        var received: [String] = []
        var opens = 0
        for try await update in client.updates {
            switch update {
            case .event(let event): received.append(event.data)
            case .state(.open): opens += 1
            default: break
            }
            if received.count == 6 {
                break
            }
        }
        #expect(received == ["one", "two\nlines", "ünï€😀", "", " leading space kept after the first", "last"])
        #expect(opens == 3)
        try await blocking { server.kill() }
    }

    // MARK: hub

    @Test("hub: curl publishes, three clients receive every event; JSON events; a resume replays")
    func hub() async throws {
        let (hub, url) = try await Self.startServing(["hub"])
        let listeners = try (0..<3).map { _ in try Child(["curl", "-siN", url + "/events?topic=news"]) }
        for listener in listeners {
            var head = ""
            #expect(try await listener.receive("\r\n\r\n", into: &head))
        }
        let first = try Child(["curl", "-s", "-d", "hello", url + "/publish?topic=news"])
        #expect(try await blocking { first.readToEnd() } == "1\n")
        let second = try Child([
            "curl", "-s", "-H", "Content-Type: application/json", "-d", #"{"type":"alert","data":"hi there"}"#,
            url + "/publish?topic=news",
        ])
        #expect(try await blocking { second.readToEnd() } == "2\n")
        for listener in listeners {
            var output = ""
            #expect(try await listener.receive("event: alert\ndata: hi there\nid: 2\n\n", into: &output))
            #expect(output.contains("data: hello\nid: 1\n\n"))
        }
        let bad = try Child([
            "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json", "-d", "{}",
            url + "/publish",
        ])
        #expect(try await blocking { bad.readToEnd() } == "400")
        let resumed = try Child(["curl", "-sN", "-H", "Last-Event-ID: 1", url + "/events?topic=news"])
        var replayed = ""
        #expect(try await resumed.receive("event: alert\ndata: hi there\nid: 2\n\n", into: &replayed))
        #expect(replayed == "retry: 2000\n\nevent: alert\ndata: hi there\nid: 2\n\n")
        try await blocking {
            resumed.kill()
            for listener in listeners {
                listener.kill()
            }
            hub.kill()
        }
    }

    @Test(
        "hub over TLS: listen --cacert follows it, curl gets HTTP/2; SIGHUP serves a renewed certificate; --insecure; no trust fails",
        .requires(.openssl)
    )
    func hubOverTLS() async throws {
        let first = try TestCertificates(name: "first")
        let second = try TestCertificates(name: "second")
        defer {
            first.remove()
            second.remove()
        }
        let (hub, url) = try await Self.startServing([
            "hub", "--tls-certificate", first.certificate, "--tls-key", first.privateKey,
        ])
        #expect(url.hasPrefix("https://127.0.0.1:"))

        /// Publishes a tick every 50 ms until `listener` has printed one (it subscribes at a time
        /// of its own), and returns what it printed.
        func ticksReach(_ listener: Child, trusting authority: String) async throws -> String {
            var output = ""
            for tick in 0..<400 {
                let publish = try Child([
                    "curl", "-s", "--cacert", authority, "-d", "tick \(tick)", url + "/publish?topic=news",
                ])
                _ = try await blocking { publish.readToEnd() }
                if try await listener.receive("tick", into: &output, timeout: 0.05) {
                    break
                }
            }
            return output
        }

        // --max 1: it ends on its own after one event, its own HTTPClient shut down, with status 0.
        let listen = try Child([
            Self.toolPath, "listen", "--max", "1", "--cacert", first.authority, url + "/events?topic=news",
        ])
        #expect(try await ticksReach(listen, trusting: first.authority).contains("tick"))
        _ = try await blocking { listen.readToEnd() }
        #expect(listen.terminationStatus == 0)
        let version = try Child([
            "curl", "-s", "--cacert", first.authority, "-o", "/dev/null", "-w", "%{http_version}", url + "/",
        ])
        #expect(try await blocking { version.readToEnd() } == "2")

        // A renewed certificate, and SIGHUP: new connections get it.
        try second.install(over: first)
        hub.signal(SIGHUP)
        let renewed = await eventually {
            let check = try? Child([
                "curl", "-s", "--cacert", second.authority, "-o", "/dev/null", "-w", "%{http_code}", url + "/",
            ])
            return check?.readToEnd() == "200"
        }
        #expect(renewed)

        let insecure = try Child([Self.toolPath, "listen", "--insecure", url + "/events?topic=news"])
        #expect(try await ticksReach(insecure, trusting: second.authority).contains("tick"))
        insecure.kill()

        // Without a trust root for it, the certificate is refused: no stream, exit 69.
        let untrusted = try await Self.run(["listen", "--no-reconnect", url + "/events?topic=news"])
        #expect(untrusted.status == 69)
        try await blocking { hub.kill() }
    }

    @Test("--help of each command shows its examples")
    func help() async throws {
        let top = try await Self.run(["--help"])
        #expect(top.output.contains("listen") && top.output.contains("Exit codes"))
        for command in ["listen", "decode", "serve", "hub"] {
            let help = try await Self.run([command, "--help"])
            #expect(help.output.contains("Examples:"), "\(command)")
        }
    }
}

/// Standard error as a reader thread collects it; read once the thread has signalled.
final class ErrorOutput: @unchecked Sendable {
    var data = Data()
}

extension Array where Element: Sendable {
    /// The elements as an async sequence, for a route's events.
    var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self {
                continuation.yield(element)
            }
            continuation.finish()
        }
    }
}
#endif
