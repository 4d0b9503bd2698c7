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

#if TLSSupport
import Foundation
import SSECodec
import SSENIO
import SSEServerTestSupport
import SSEStreaming
import SSETestSupport
import Synchronization
import Testing

/// Sixty `EventSource`s from one page in headless Chromium (`Tests/Browser/many_streams.py`): over
/// HTTPS every one opens over HTTP/2 (sharing a connection) and receives every event; over cleartext
/// HTTP/1.1 the seventh stalls behind the browser's six connections per origin.
@Suite("Many streams from one page in Chromium", .serialized, .timeLimit(.minutes(3)))
struct ManyStreamsBrowserTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Browser/many_streams.py").path

    static let page = """
        <!doctype html><title>many streams</title><script>
        const count = Number(new URLSearchParams(location.search).get("n"));
        window.opened = 0;
        window.received = new Array(count).fill(0);
        for (let index = 0; index < count; index++) {
          const source = new EventSource("/events?stream=" + index);
          source.onopen = () => { window.opened++; };
          source.onmessage = () => { window.received[index]++; };
        }
        </script>
        """

    /// The server once it runs, for its connection count in `/stats`.
    final class Running: Sendable {
        let server = Mutex<SSEServer?>(nil)
    }

    static func start(tls: TestCertificates?) async throws -> TestServer {
        let broadcaster = SSEBroadcaster()
        let running = Running()
        var router = SSERouter()
        router.get("/") { _ in .html(Self.page) }
        router.get("/events") { request in .stream(broadcaster.subscribe(to: ["all"])) }
        router.post("/publish") { _ in
            let id = try broadcaster.publish(ServerSentEvent(data: "to every stream"), to: "all")
            return .text(id + "\n")
        }
        router.get("/stats") { _ in
            let connections = running.server.withLock { $0?.connectionCount ?? 0 }
            return .text(#"{"subscribers": \#(broadcaster.subscriberCount), "connections": \#(connections)}"#)
        }
        var configuration = SSEServer.Configuration(port: 0)
        if let tls {
            configuration.tls = .files(certificateChain: tls.certificate, privateKey: tls.privateKey)
        }
        let server = try await TestServer.start(configuration, router: router)
        running.server.withLock { $0 = server.server }
        return server
    }

    @Test(
        "60 EventSources in one tab: all open and get every event over HTTP/2; over HTTP/1.1 the seventh stalls",
        .requires(.chromium, .python3, .openssl)
    )
    func sixtyStreams() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let secure = try await Self.start(tls: certificates)
        let cleartext = try await Self.start(tls: nil)
        let run = try Child([
            "python3", Self.script, "https://127.0.0.1:\(secure.port)", "http://127.0.0.1:\(cleartext.port)", "60",
        ])
        let report = try await blocking { run.readToEnd() }
        print(report)
        #expect(report.contains("HTTP/2: 60 streams open on "), "\(report)")
        #expect(report.contains("connection(s), each got every event"), "\(report)")
        #expect(report.contains("HTTP/1.1: 6 of 60 streams open"), "\(report)")
        await secure.stop()
        await cleartext.stop()
    }
}
#endif
