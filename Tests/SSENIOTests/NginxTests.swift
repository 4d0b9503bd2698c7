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
import SSEServerTestSupport
import SSETestSupport
import Testing

/// A real nginx (Debian's) in front of the embedded server, with the configuration that
/// Documentation/SwiftSSE.docc/BehindNginx.md recommends.
@Suite("Behind nginx", .serialized, .timeLimit(.minutes(2)), .requires(.nginx, .curl))
struct NginxTests {
    /// Publishes three events through nginx, each after the one before has arrived, and returns
    /// how many arrived. A buffering nginx holds back small events until its buffer fills or the
    /// response ends, so they would not arrive at all.
    static func eventsArrivingInTime() async throws -> Int {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await TestServer.start(fixture, corsOrigin: nil)
        let nginx = try Nginx.start(upstreamPort: server.port)
        defer { nginx.stop() }
        // nginx listens once its socket exists.
        try #require(await eventually { FileManager.default.fileExists(atPath: nginx.socketPath) })
        let client = try Child(["curl", "-sN", "--unix-socket", nginx.socketPath, "http://localhost/events"])
        try #require(await eventually { broadcaster.subscriberCount == 1 })
        var inTime = 0
        var output = ""
        for index in 1...3 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
            guard try await client.receive("data: event \(index)\nid: \(index)\n\n", into: &output) else {
                break
            }
            inTime += 1
        }
        try await blocking { client.kill() }
        await server.stop()
        return inTime
    }

    @Test("Events pass through nginx one by one, each before the next is published")
    func unbufferedThroughNginx() async throws {
        #expect(try await Self.eventsArrivingInTime() == 3)
    }
}
#endif
