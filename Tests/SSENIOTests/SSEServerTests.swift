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
import SSECodec
import SSENIO
import SSEStreaming
import SSETestSupport
import Testing

@Suite("Embedded server", .serialized, .timeLimit(.minutes(2)))
struct SSEServerTests {
    static let start: Scenarios.Start = { fixture, corsOrigin in
        try await TestServer.start(fixture, corsOrigin: corsOrigin)
    }

    @Test("What every adapter promises", arguments: Scenario.all)
    func scenario(_ scenario: Scenario) async throws {
        try await scenario.run(Self.start)
    }

    @Test("Bad requests get clear 4xx answers; static pages keep the connection alive")
    func badRequests() async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await TestServer.start(fixture, corsOrigin: nil)
        let raw = try RawConnection(port: server.port)
        raw.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await blocking { raw.read(until: "</title>") }.hasPrefix("HTTP/1.1 200 OK"))
        raw.send("GET /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await blocking { raw.read(until: "Not found\n") }.hasPrefix("HTTP/1.1 404 Not Found"))
        raw.send("DELETE /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let notAllowed = try await blocking { raw.read(until: "not allowed\n") }
        #expect(notAllowed.hasPrefix("HTTP/1.1 405 Method Not Allowed"))
        #expect(notAllowed.lowercased().contains("allow: get\r\n"))
        raw.close()

        let garbage = try RawConnection(port: server.port)
        garbage.send("NOT HTTP AT ALL\r\n\r\n")
        #expect(try await blocking { garbage.read(until: "\r\n\r\n") }.hasPrefix("HTTP/1.1 400 Bad Request"))
        garbage.close()
        #expect(broadcaster.subscriberCount == 0)
        await server.stop()
    }

    @Test("A subscription that outruns a slow reader is written as the socket takes it: all of it, in order")
    func subscriptionToSlowReader() async throws {
        var configuration = SSEBroadcaster.Configuration()
        configuration.idPrefix = ""
        configuration.heartbeat = nil
        configuration.maximumQueuedEvents = 10_000
        configuration.maximumQueuedBytes = 64 << 20
        let broadcaster = SSEBroadcaster(configuration: configuration)
        var router = SSERouter()
        router.get("/events") { _ in .stream(broadcaster.subscribe(to: ["t"])) }
        let server = try await TestServer.start(router: router)
        let connection = try RawConnection(port: server.port)
        connection.send("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        _ = try await blocking { connection.read(until: "\r\n\r\n") }
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        // 4,000 events of 1 KiB: megabytes more than the socket buffers hold, so the connection
        // waits for the socket again and again.
        let data = String(repeating: "x", count: 1_024)
        for _ in 0..<4_000 {
            try broadcaster.publish(ServerSentEvent(data: data), to: "t")
        }
        var received = try await blocking { connection.readSlowly(untilSuffix: "id: 4000\n\n\r\n") }
        var ids: [String] = []
        var decoder = SSEDecoder()
        try decoder.decode(received) { output in
            if case .event(let event) = output, event.data == data {
                ids.append(event.id ?? "")
            }
        }
        #expect(ids == (1...4_000).map(String.init))
        // Stopping the server ends the response properly.
        await server.stop()
        received = Array(try await blocking { connection.read(until: "0\r\n\r\n") }.utf8)
        #expect(received.suffix(5).elementsEqual("0\r\n\r\n".utf8))
        #expect(broadcaster.subscriberCount == 0)
        connection.close()
    }

    @Test("Stopping the server ends open streams and returns")
    func stopEndsStreams() async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await TestServer.start(fixture, corsOrigin: nil)
        let curl = try Child(["curl", "-sN", server.url("/events")])
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        await server.stop()
        _ = try await blocking { curl.readToEnd() }
        #expect(broadcaster.subscriberCount == 0)
    }
}
#endif
