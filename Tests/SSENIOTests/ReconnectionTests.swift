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
import MetricsTestKit
import SSECodec
import SSENIO
import SSEServerTestSupport
import SSEStreaming
import SSETestSupport
import Testing

/// No reconnect storms: the server spreads the reconnections of the streams it ends.
@Suite("Embedded server: reconnections spread out", .serialized, .timeLimit(.minutes(3)), .requires(.curl))
struct ReconnectionTests {
    /// What `reconnect_storm.py` printed.
    struct StormReport: Decodable {
        let retries: [Int?]
        let reconnected: Int
        let perHundredMilliseconds: [Int]
    }

    static func router(_ broadcaster: SSEBroadcaster) -> SSERouter {
        var router = SSERouter()
        router.get("/events") { request in
            .stream(broadcaster.subscribe(to: ["news"], lastEventID: request.lastEventID))
        }
        return router
    }

    @Test(
        "A stopping server with 5,000 streams gives each a retry of its own: they come back over the window (without one: all at once)",
        arguments: [true, false]
    )
    func stopSpreadsReconnections(spread: Bool) async throws {
        let broadcaster = SSEBroadcaster()
        var configuration = SSEServer.Configuration(port: 0)
        configuration.reconnectionWindow = spread ? .seconds(1)...(.seconds(6)) : nil
        let stopping = try await TestServer.start(configuration, router: Self.router(broadcaster))
        let takingOver = try await TestServer.start(router: Self.router(broadcaster))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SSETestSupport/reconnect_storm.py").path
        let streams = 5_000
        let storm = try Child([
            "python3", script, "http://127.0.0.1:\(stopping.port)/events", "--streams", "\(streams)",
            "--reconnect-url", "http://127.0.0.1:\(takingOver.port)/events",
        ])
        var output = ""
        try #require(try await storm.receive("ready \(streams)\n", into: &output, timeout: 120), "\(output)")
        #expect(await eventually { broadcaster.subscriberCount == streams })
        await stopping.stop()
        let printed = try await blocking { storm.readToEnd() }
        let report = try JSONDecoder().decode(StormReport.self, from: Data(printed.utf8))
        #expect(report.reconnected == streams)
        print("reconnections per 100 ms after the stop (window: \(spread)):", report.perHundredMilliseconds)
        await takingOver.stop()
        guard spread else {
            #expect(report.retries.allSatisfy { $0 == nil }, "no retry: without a window")
            return
        }
        let retries = report.retries.compactMap { $0 }
        #expect(retries.count == streams, "every stream got a retry: field")
        #expect(retries.allSatisfy { (1_000...6_000).contains($0) })
        // Drawn uniformly: each half second of the window has about a tenth of them.
        let halves = Dictionary(grouping: retries) { min(($0 - 1_000) / 500, 9) }.mapValues(\.count)
        #expect((0..<10).allSatisfy { (250...750).contains(halves[$0] ?? 0) }, "\(halves.sorted { $0.key < $1.key })")
    }

    @Test("Without a window, the streams end with no retry: the clients' own delay, all at once")
    func noWindow() async throws {
        let broadcaster = SSEBroadcaster()
        var configuration = SSEServer.Configuration(port: 0)
        configuration.reconnectionWindow = nil
        let server = try await TestServer.start(configuration, router: Self.router(broadcaster))
        let client = try Child(["curl", "-sN", "http://127.0.0.1:\(server.port)/events"])
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        try broadcaster.publish(ServerSentEvent(data: "one"), to: "news")
        await server.stop()
        let received = try await blocking { client.readToEnd() }
        #expect(received.hasPrefix("data: one\nid: "))
        #expect(!received.contains("retry:"))
    }

    @Test("Over maximumStreamsPerSecond a stream is refused with 503 and a Retry-After from the window")
    func streamRate() async throws {
        let broadcaster = SSEBroadcaster()
        var configuration = SSEServer.Configuration(port: 0)
        configuration.maximumStreamsPerSecond = 3
        configuration.reconnectionWindow = .seconds(2)...(.seconds(4))
        let server = try await TestServer.start(configuration, router: Self.router(broadcaster))
        var heads: [String] = []
        var connections: [RawConnection] = []
        // A burst: the first three are taken at once; one of the next is refused.
        while !heads.contains(where: { $0.hasPrefix("HTTP/1.1 503") }), heads.count < 100 {
            let connection = try RawConnection(port: server.port)
            connection.send("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
            heads.append(try await blocking { connection.read(until: "\r\n\r\n") })
            connections.append(connection)
        }
        #expect(heads.prefix(3).allSatisfy { $0.hasPrefix("HTTP/1.1 200") }, "\(heads)")
        let refused = try #require(heads.last)
        #expect(refused.hasPrefix("HTTP/1.1 503"))
        let retryAfter = refused.split(separator: "\r\n").first { $0.lowercased().hasPrefix("retry-after: ") }
        let seconds = try #require(retryAfter.flatMap { Int($0.dropFirst("retry-after: ".count)) })
        #expect((2...4).contains(seconds))
        // A refused stream holds no subscription.
        #expect(await eventually { broadcaster.subscriberCount == heads.count - 1 })
        // The bucket refills: a later stream is taken.
        var admitted = false
        for _ in 0..<200 where !admitted {
            let connection = try RawConnection(port: server.port)
            connection.send("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
            admitted = try await blocking { connection.read(until: "\r\n\r\n") }.hasPrefix("HTTP/1.1 200")
            connection.close()
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(admitted)
        for connection in connections {
            connection.close()
        }
        await server.stop()
    }

    @Test("A stream at maximumStreamAge ends properly with a retry; the client resumes with nothing missed")
    func maximumAge() async throws {
        let broadcaster = SSEBroadcaster()
        var configuration = SSEServer.Configuration(port: 0)
        configuration.maximumStreamAge = .milliseconds(400)
        configuration.reconnectionWindow = .milliseconds(100)...(.milliseconds(200))
        let metrics = TestMetrics()
        configuration.metrics = SSEMetrics(factory: metrics)
        let server = try await TestServer.start(configuration, router: Self.router(broadcaster))
        let first = try broadcaster.publish(ServerSentEvent(data: "before"), to: "news")
        let client = try Child(
            [
                "curl", "-sN", "-H", "Accept-Encoding: gzip", "--compressed", "-H", "Last-Event-ID: \(first)",
                "http://127.0.0.1:\(server.port)/events",
            ]
        )
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        let second = try broadcaster.publish(ServerSentEvent(data: "during"), to: "news")
        // curl ends with the stream: the server ended it, gzip trailer and all.
        let received = try await blocking { client.readToEnd() }
        #expect(received.hasPrefix("data: during\nid: \(second)\n\n"), "\(received)")
        let retry = received.split(separator: "\n").first { $0.hasPrefix("retry: ") }
        let milliseconds = try #require(retry.flatMap { Int($0.dropFirst("retry: ".count)) })
        #expect((100...200).contains(milliseconds))
        #expect(client.interrupt() == 0, "curl saw a complete response")
        let maximumAge = try metrics.expectCounter(
            "sse_streams_closed_total",
            [("route", "/events"), ("reason", "max_age")]
        )
        #expect(maximumAge.totalValue == 1)
        let third = try broadcaster.publish(ServerSentEvent(data: "after"), to: "news")
        let resumed = try Child(
            ["curl", "-sN", "-H", "Last-Event-ID: \(second)", "http://127.0.0.1:\(server.port)/events"]
        )
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        try broadcaster.shutDown()
        #expect(try await blocking { resumed.readToEnd() }.hasPrefix("data: after\nid: \(third)\n\n"))
        await server.stop()
    }
}
