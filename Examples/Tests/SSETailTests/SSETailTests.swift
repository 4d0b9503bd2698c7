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
import HTTPTypes
import SSEClient
import SSECodec
import SSENIO
import SSEStreaming
import Synchronization
import Testing

@testable import sse_tail

@Suite("sse-tail example", .timeLimit(.minutes(1)))
struct SSETailTests {
    @Test("Follows a stream across a reconnection, resuming with Last-Event-ID, until 204")
    func followsAndResumes() async throws {
        // First visit: two events, then the end of the response. Second: what comes after the
        // client's last event ID. Third: 204, no more.
        let visits = Mutex(0)
        var router = SSERouter()
        router.get("/events") { request in
            let visit = visits.withLock { visit in
                visit += 1
                return visit
            }
            switch visit {
            case 1:
                // Reconnect after 10 ms rather than 3 s.
                var bytes: [UInt8] = []
                try SSEEncoder().encodeRetry(milliseconds: 10, into: &bytes)
                try SSEEncoder().encode(ServerSentEvent(type: "greeting", data: "hello", id: "1"), into: &bytes)
                try SSEEncoder().encode(ServerSentEvent(data: "world", id: "2"), into: &bytes)
                return .stream(
                    AsyncStream { continuation in
                        continuation.yield(bytes)
                        continuation.finish()
                    }
                )
            case 2:
                let resumed = ServerSentEvent(data: "after \(request.lastEventID ?? "nothing")", id: "3")
                return .events(
                    AsyncStream { continuation in
                        continuation.yield(resumed)
                        continuation.finish()
                    }
                )
            default:
                return .complete(status: 204, contentType: "text/plain", body: [])
            }
        }
        var configuration = SSEServer.Configuration(host: "127.0.0.1", port: 0)
        configuration.stream.heartbeat = nil
        let server = SSEServer(configuration: configuration, router: router)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let serving = Task { try await server.run { portContinuation.yield($0) } }
        defer { serving.cancel() }
        var portIterator = ports.makeAsyncIterator()
        let port = try #require(await portIterator.next())

        let client = try SSETail.client(["-H", "X-Demo: yes", "http://127.0.0.1:\(port)/events"])
        #expect(client.configuration.headerFields[.init("X-Demo")!] == "yes")
        var lines: [String] = []
        try await SSETail.tail(client, maximum: nil) { lines.append($0) }
        #expect(
            lines.filter { !$0.hasPrefix("#") } == [
                "greeting id=1: hello", "message id=2: world", "message id=3: after 2",
            ]
        )
        #expect(lines.first == "# connecting")
        #expect(lines.contains { $0.hasPrefix("# open: 200 text/event-stream") })
        #expect(lines.contains { $0.hasPrefix("# reconnecting in ") && $0.hasSuffix("the server ended the response") })
        #expect(lines.last == "# closed: the server answered 204 No Content")
    }

    @Test("Ctrl-C (SIGINT) ends the tail: what arrived is printed, and it exits 0")
    func interrupted() async throws {
        let broadcaster = SSEBroadcaster()
        var router = SSERouter()
        router.get("/events") { request in
            .stream(broadcaster.subscribe(to: ["news"], lastEventID: request.lastEventID))
        }
        let server = SSEServer(configuration: .init(host: "127.0.0.1", port: 0), router: router)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let serving = Task { try await server.run { portContinuation.yield($0) } }
        defer { serving.cancel() }
        var portIterator = ports.makeAsyncIterator()
        let port = try #require(await portIterator.next())

        // The example's executable, built beside these tests.
        let tests = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tests).deletingLastPathComponent().appendingPathComponent(
            "sse-tail"
        )
        process.arguments = ["http://127.0.0.1:\(port)/events"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let handle = output.fileHandleForReading
        var subscribed = false
        for _ in 0..<600 where !subscribed {
            subscribed = broadcaster.subscriberCount == 1
            if !subscribed {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(subscribed)
        try broadcaster.publish(ServerSentEvent(data: "before the interrupt"), to: "news")
        // Interrupted once the event is printed; then everything up to its end is read.
        let printed = await Task.detached {
            var text = ""
            while !text.contains("before the interrupt\n") {
                let data = handle.availableData
                guard !data.isEmpty else {
                    break
                }
                text += String(decoding: data, as: UTF8.self)
            }
            kill(process.processIdentifier, SIGINT)
            text += String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return text
        }.value
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        #expect(printed.contains(": before the interrupt\n"))
        #expect(printed.hasSuffix("# interrupted\n"))
    }

    @Test("Arguments: headers, a POST body, a starting event ID; a missing URL is a usage error")
    func arguments() throws {
        let client = try SSETail.client([
            "-H", "Authorization: Bearer t", "-d", #"{"q":1}"#, "--last-event-id", "7", "https://example.com/s",
        ])
        #expect(client.url == "https://example.com/s")
        #expect(client.configuration.method == .post)
        #expect(client.configuration.body == Array(#"{"q":1}"#.utf8))
        #expect(client.configuration.headerFields[.authorization] == "Bearer t")
        #expect(client.configuration.headerFields[.contentType] == "application/json")
        #expect(client.configuration.lastEventID == "7")
        #expect(throws: SSETail.UsageError.self) { try SSETail.client(["-H", "X: y"]) }
    }
}
