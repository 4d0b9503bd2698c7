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
import InMemoryLogging
import Logging
import MetricsTestKit
import SSECodec
import SSEJSON
import SSELongPolling
import SSENIO
import SSEStreaming
import SSEServerTestSupport
import SSETestSupport
import Testing

/// What applications build on the embedded server: path parameters, assets, JSON bodies, errors
/// with a status, logs and metrics. Real sockets, curl as the client.
@Suite("Embedded server: applications", .serialized, .timeLimit(.minutes(2)), .requires(.curl))
struct SSEServerAppTests {
    /// curl's whole output for `arguments` (add `-i` for the head); it must exit.
    static func curl(_ arguments: String...) async throws -> String {
        let child = try Child(["curl", "-s"] + arguments)
        return try await blocking { child.readToEnd() }
    }

    /// The value of a header field in curl's `-i` output, compared without regard to case.
    static func field(_ name: String, in output: String) -> String? {
        for line in output.components(separatedBy: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// The body in curl's `-i` output.
    static func body(of output: String) -> String {
        output.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
    }

    @Test("Path parameters and wildcards reach the route; the most specific route wins; 405 names the methods")
    func pathParameters() async throws {
        var router = SSERouter()
        router.get("/rooms/:room/events") { request in .text("room \(request.parameters["room"] ?? "?")") }
        router.get("/rooms/lobby/events") { _ in .text("the lobby") }
        router.post("/rooms/:room/messages") { request in
            .text("posted to \(request.parameters["room"] ?? "?"): \(request.bodyText)")
        }
        router.get("/users/:user/rooms/:room") { request in
            .text(
                "\(request.parameters["user"] ?? "?") in \(request.parameters["room"] ?? "?") (\(request.route ?? "?"))"
            )
        }
        router.get("/a/*/c") { request in .text("any b, route \(request.route ?? "?")") }
        router.get("/files/**") { request in
            .text("file [\(request.parameters["**"] ?? "?")], route \(request.route ?? "?")")
        }
        let server = try await TestServer.start(router: router)
        let base = "http://127.0.0.1:\(server.port)"
        #expect(try await Self.curl("\(base)/rooms/42/events") == "room 42")
        #expect(try await Self.curl("\(base)/rooms/lobby/events") == "the lobby")
        #expect(try await Self.curl("\(base)/rooms/a%20b%2Fc/events") == "room a b/c")
        #expect(try await Self.curl("\(base)/users/ann/rooms/7") == "ann in 7 (/users/:user/rooms/:room)")
        #expect(try await Self.curl("-d", "hello", "\(base)/rooms/9/messages") == "posted to 9: hello")
        // The route is the pattern (the metrics' `route` dimension), never the path as sent.
        #expect(try await Self.curl("\(base)/a/anything/c") == "any b, route /a/*/c")
        #expect(try await Self.curl("\(base)/files/css/site.css") == "file [css/site.css], route /files/**")
        #expect(try await Self.curl("\(base)/files") == "file [], route /files/**")
        #expect(try await Self.curl("-o", "/dev/null", "-w", "%{http_code}", "\(base)/a/b/c/d") == "404")
        #expect(try await Self.curl("-o", "/dev/null", "-w", "%{http_code}", "\(base)/rooms/42") == "404")
        let wrongMethod = try await Self.curl("-i", "\(base)/rooms/9/messages")
        #expect(wrongMethod.hasPrefix("HTTP/1.1 405"))
        #expect(Self.field("Allow", in: wrongMethod) == "POST")
        await server.stop()
    }

    @Test("Assets from memory: content type, ETag and 304, gzip decoded by curl, HEAD without a body")
    func assets() async throws {
        let script = String(repeating: "console.log('an event arrived');\n", count: 200)
        let asset = SSEAsset(script, contentType: SSEAsset.ContentType(fileName: "app.js"))
        var router = SSERouter()
        router.get("/app.js", asset: asset)
        router.get("/logo.png", asset: SSEAsset([0x89, 0x50, 0x4E, 0x47], contentType: .png))
        let server = try await TestServer.start(router: router)
        let url = "http://127.0.0.1:\(server.port)/app.js"

        let plain = try await Self.curl("-i", url)
        #expect(plain.hasPrefix("HTTP/1.1 200 OK"))
        #expect(Self.field("Content-Type", in: plain) == "text/javascript; charset=utf-8")
        #expect(Self.field("Content-Encoding", in: plain) == nil)
        #expect(Self.field("Vary", in: plain) == "Accept-Encoding")
        #expect(Self.field("Cache-Control", in: plain) == "no-cache")
        #expect(Self.body(of: plain) == script)
        let eTag = try #require(Self.field("ETag", in: plain))
        #expect(eTag.hasPrefix("\"") && eTag.hasSuffix("\""))

        let notModified = try await Self.curl("-i", "-H", "If-None-Match: \"other\", \(eTag)", url)
        #expect(notModified.hasPrefix("HTTP/1.1 304 Not Modified"))
        #expect(Self.field("ETag", in: notModified) == eTag)
        #expect(Self.body(of: notModified).isEmpty)
        let weak = try await Self.curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "If-None-Match: W/\(eTag)", url)
        #expect(weak == "304")
        let changed = try await Self.curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "If-None-Match: \"old\"", url)
        #expect(changed == "200")

        // curl asks for gzip and decodes it with its own zlib.
        let compressed = try await Self.curl("-i", "--compressed", url)
        #expect(Self.field("Content-Encoding", in: compressed) == "gzip")
        #expect(Self.body(of: compressed) == script)
        let wireSize = try await Self.curl(
            "-o",
            "/dev/null",
            "-w",
            "%{size_download}",
            "-H",
            "Accept-Encoding: gzip",
            url
        )
        #expect((Int(wireSize) ?? .max) < script.utf8.count / 10)

        let head = try await Self.curl("-I", url)
        #expect(head.hasPrefix("HTTP/1.1 200 OK"))
        #expect(Self.field("Content-Length", in: head) == String(script.utf8.count))
        #expect(Self.body(of: head).isEmpty)

        // Images are not compressed: gzip would not shrink them.
        let logo = try await Self.curl("-i", "--compressed", "http://127.0.0.1:\(server.port)/logo.png")
        #expect(Self.field("Content-Type", in: logo) == "image/png")
        #expect(Self.field("Content-Encoding", in: logo) == nil)
        await server.stop()
    }

    struct Message: Codable, Equatable {
        var user: String
        var text: String
    }

    @Test(
        "JSON bodies decode in a route (400 saying what is wrong, 415 when not JSON); JSON responses; SSEHTTPError's status"
    )
    func jsonBodies() async throws {
        var router = SSERouter()
        router.post("/rooms/:room/messages") { request in
            var message = try request.decodeJSON(Message.self)
            message.text += " (in \(request.parameters["room"] ?? "?"))"
            return try .json(message, status: .created)
        }
        router.get("/busy") { _ in
            throw SSEHTTPError(.serviceUnavailable, "try again later", headers: [.retryAfter: "5"])
        }
        let server = try await TestServer.start(router: router)
        let url = "http://127.0.0.1:\(server.port)/rooms/7/messages"
        let created = try await Self.curl(
            "-i",
            "-H",
            "Content-Type: application/json",
            "-d",
            #"{"user":"ann","text":"hi"}"#,
            url
        )
        #expect(created.hasPrefix("HTTP/1.1 201 Created"))
        #expect(Self.field("Content-Type", in: created) == "application/json")
        let echoed = try JSONDecoder().decode(Message.self, from: Data(Self.body(of: created).utf8))
        #expect(echoed == Message(user: "ann", text: "hi (in 7)"))

        let malformed = try await Self.curl("-i", "-H", "Content-Type: application/json", "-d", #"{"user":"#, url)
        #expect(malformed.hasPrefix("HTTP/1.1 400 Bad Request"))
        #expect(Self.body(of: malformed) == "The body is not valid JSON.\n")
        // What is wrong, by the field's name, never a Swift type name.
        let missing = try await Self.curl("-i", "-H", "Content-Type: application/json", "-d", #"{"user":"ann"}"#, url)
        #expect(missing.hasPrefix("HTTP/1.1 400 Bad Request"))
        #expect(Self.body(of: missing) == "The body lacks \"text\".\n")
        let wrong = try await Self.curl(
            "-i",
            "-H",
            "Content-Type: application/json",
            "-d",
            #"{"user":1,"text":"x"}"#,
            url
        )
        #expect(Self.body(of: wrong) == "\"user\" has a value of the wrong kind.\n")
        let array = try await Self.curl("-i", "-H", "Content-Type: application/json", "-d", "[1]", url)
        #expect(Self.body(of: array) == "The body is not the JSON value expected.\n")
        let form = try await Self.curl("-i", "-d", "user=ann", url)
        #expect(form.hasPrefix("HTTP/1.1 415 Unsupported Media Type"))

        let busy = try await Self.curl("-i", "http://127.0.0.1:\(server.port)/busy")
        #expect(busy.hasPrefix("HTTP/1.1 503 Service Unavailable"))
        #expect(Self.field("Retry-After", in: busy) == "5")
        #expect(Self.body(of: busy) == "try again later\n")
        await server.stop()
    }

    struct Failure: Error {}

    @Test("Route errors, refused requests and cut subscribers are logged with method and path, and counted")
    func logsAndMetrics() async throws {
        let logs = InMemoryLogHandler()
        let metrics = TestMetrics()
        var broadcasting = SSEBroadcaster.Configuration()
        broadcasting.maximumQueuedEvents = 8
        broadcasting.overflowPolicy = .disconnect
        let broadcaster = SSEBroadcaster(configuration: broadcasting)
        try broadcaster.publish(ServerSentEvent(data: "first", id: "1"), to: "news")
        var configuration = SSEServer.Configuration(port: 0)
        configuration.logger = Logger(label: "test") { _ in logs }
        configuration.metrics = SSEMetrics(factory: metrics)
        configuration.maximumBodySize = 10
        var router = SSERouter()
        router.get("/fails") { _ in throw Failure() }
        router.post("/small") { _ in .empty() }
        router.get("/events") { request in
            .stream(broadcaster.subscribe(to: ["news"], lastEventID: request.lastEventID))
        }
        let longPoll = SSELongPoll(broadcaster: broadcaster)
        router.get("/updates") { request in await longPoll.response(to: request, topics: ["news"]) }
        let server = try await TestServer.start(configuration, router: router)
        let base = "http://127.0.0.1:\(server.port)"

        // A long poll from the newest event waits, counted, until a publish answers it.
        let updates = [("route", "/updates")]
        let poll = try Child(["curl", "-s", "\(base)/updates?transport=poll&lastEventId=1"])
        #expect(await eventually { (try? metrics.expectMeter("sse_long_polls", updates).lastValue) == 1 })
        try broadcaster.publish(ServerSentEvent(data: "for the poll", id: "1a"), to: "news")
        #expect(try await blocking { poll.readToEnd() }.contains("data: for the poll\n"))
        #expect(await eventually { (try? metrics.expectMeter("sse_long_polls", updates).lastValue) == 0 })
        #expect(try metrics.expectCounter("sse_long_polls_total", updates + [("outcome", "events")]).totalValue == 1)

        #expect(try await Self.curl("-o", "/dev/null", "-w", "%{http_code}", "\(base)/fails?x=1") == "500")
        let routeError = try #require(logs.entries.first { $0.level == .error })
        #expect(routeError.metadata["http.method"] == "GET")
        #expect(routeError.metadata["http.path"] == "/fails")
        #expect(routeError.metadata["error.type"] == "Failure")

        #expect(
            try await Self.curl("-o", "/dev/null", "-w", "%{http_code}", "-d", "far too large", "\(base)/small")
                == "413"
        )
        #expect(await eventually { metrics.counterTotal(label: "sse_requests_refused_total") == 1 })
        let bodyCounter = try metrics.expectCounter("sse_requests_refused_total", [("reason", "body_too_large")])
        #expect(bodyCounter.totalValue == 1)
        let refusal = try #require(logs.entries.first { $0.metadata["sse.refusal"] == "body_too_large" })
        #expect(refusal.metadata["http.path"] == "/small")

        // A stream that resumes from an ID the log never had: a replay miss; its events are counted.
        let reader = try Child(["curl", "-sN", "-H", "Last-Event-ID: 999", "\(base)/events"])
        var output = ""
        #expect(try await reader.receive("sse-replay-unavailable", into: &output))
        try broadcaster.publish(ServerSentEvent(data: "second", id: "2"), to: "news")
        #expect(try await reader.receive("data: second", into: &output))
        #expect(
            try metrics.expectCounter("sse_replay_misses_total", Self.events + [("reason", "unknown")]).totalValue == 1
        )
        #expect(
            await eventually {
                (try? metrics.expectCounter("sse_events_written_total", Self.events).totalValue) ?? 0 >= 2
            }
        )
        #expect(
            try metrics.expectCounter("sse_bytes_written_total", Self.events).totalValue >= Int64(output.utf8.count)
        )
        #expect(try metrics.expectMeter("sse_streams", Self.events).lastValue == 1)
        reader.kill()
        #expect(await eventually { (try? metrics.expectMeter("sse_streams", Self.events).lastValue) == 0 })

        // A subscriber that stops reading falls behind by more than its queue (16 MB published,
        // far beyond the socket buffers); when it reads again it is cut: counted and logged.
        let stalled = try RawConnection(port: server.port)
        stalled.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        let payload = String(repeating: "x", count: 16 * 1024)
        for _ in 0..<1_000 {
            try broadcaster.publish(ServerSentEvent(data: payload), to: "news")
        }
        // Read until the server closes the connection.
        _ = try await blocking { stalled.read(until: "never sent") }
        #expect(
            await eventually { (try? metrics.expectCounter("sse_subscribers_cut_total", Self.events).totalValue) == 1 }
        )
        // Logged just after it is counted, from the connection's event loop.
        #expect(await eventually { logs.entries.contains { $0.message.description.contains("subscriberTooSlow") } })
        let cut = try #require(logs.entries.first { $0.message.description.contains("subscriberTooSlow") })
        #expect(cut.metadata["http.method"] == "GET")
        #expect(cut.metadata["http.path"] == "/events")
        stalled.close()
        #expect(await eventually { server.server.connectionCount == 0 })
        #expect(try metrics.expectMeter("sse_connections").lastValue == 0)
        await server.stop()
    }

    /// The stream metrics' dimensions for the route `/events`.
    static let events = [("route", "/events")]

    /// The fixture server process (see `Tests/SSEServerFixture`), built beside the tests.
    static var fixturePath: String {
        let tests =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: tests).deletingLastPathComponent().appendingPathComponent("SSEServerFixture").path
    }

    @Test(
        "SIGINT and SIGTERM stop a server process gracefully: the final event reaches curl, the process exits 0",
        arguments: [SIGINT, SIGTERM]
    )
    func stopsOnSignal(_ signal: Int32) async throws {
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: Self.fixturePath)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let lines = output.fileHandleForReading
        let listening = try await blocking { () -> String in
            var text = ""
            while !text.contains("\n"), let byte = try lines.read(upToCount: 1), !byte.isEmpty {
                text += String(decoding: byte, as: UTF8.self)
            }
            return text
        }
        let port = try #require(
            Int(listening.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
        )
        let base = "http://127.0.0.1:\(port)"
        let reader = try Child(["curl", "-sN", "\(base)/events"])
        var subscribed = false
        for _ in 0..<600 where !subscribed {
            subscribed = try await Self.curl("\(base)/subscribers") == "1\n"
            if !subscribed {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(subscribed)
        _ = try await Self.curl("\(base)/publish?data=hello")
        var received = ""
        #expect(try await reader.receive("data: hello", into: &received))

        kill(process.processIdentifier, signal)
        // curl exits when the server ends the response: the goodbye comes first.
        received += try await blocking { reader.readToEnd() }
        #expect(received.contains("event: bye\ndata: the server is stopping\n\n"))
        try await blocking { process.waitUntilExit() }
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        let rest = try await blocking { String(decoding: lines.readDataToEndOfFile(), as: UTF8.self) }
        #expect(rest.contains("stopped"))
    }
}
#endif
