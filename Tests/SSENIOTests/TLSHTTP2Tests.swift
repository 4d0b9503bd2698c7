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
import Testing

@Suite("TLS and HTTP/2 on the embedded server", .serialized, .timeLimit(.minutes(3)), .requires(.curl, .openssl))
struct TLSHTTP2Tests {
    static func https(_ server: TestServer, _ path: String) -> String {
        "https://127.0.0.1:\(server.port)\(path)"
    }

    @Test(
        "curl over TLS negotiates HTTP/2 by ALPN and gets each event as it is published, with no connection-specific field"
    )
    func curlOverHTTP2() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await TestServer.start(fixture, tls: certificates)
        let curl = try Child([
            "curl", "-sN", "--http2", "--cacert", certificates.authority, "-D", "-", Self.https(server, "/events"),
        ])
        let output = try await HTTP2Checks.threeEventsThenBye(broadcaster, to: curl)
        let head = String(output.split(separator: "\r\n\r\n").first ?? "")
        #expect(head.hasPrefix("HTTP/2 200"))
        #expect(head.lowercased().contains("content-type: text/event-stream"))
        #expect(HTTP2Checks.connectionSpecificFields(in: head) == [])
        #expect(output.hasSuffix("event: bye\ndata: done\n\n"))

        // The same routes answer over HTTP/2 as over HTTP/1.1: a page, a long poll, a 404.
        let page = try Child([
            "curl", "-s", "--http2", "--cacert", certificates.authority, "-i", Self.https(server, "/"),
        ])
        let pageOutput = try await blocking { page.readToEnd() }
        #expect(pageOutput.hasPrefix("HTTP/2 200"))
        #expect(pageOutput.hasSuffix(Fixture.page))
        #expect(HTTP2Checks.connectionSpecificFields(in: pageOutput) == [])
        let missing = try Child([
            "curl", "-s", "--http2", "--cacert", certificates.authority, "-o", "/dev/null", "-w",
            "%{http_version} %{http_code}",
            Self.https(server, "/nowhere"),
        ])
        #expect(try await blocking { missing.readToEnd() } == "2 404")
        await server.stop()
    }

    @Test("a client without HTTP/2 gets HTTP/1.1 over the same TLS port; gzip and Last-Event-ID work over both")
    func http1OverTLS() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await TestServer.start(fixture, tls: certificates)
        for index in 1...4 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
        }
        for version in ["--http1.1", "--http2"] {
            let curl = try Child([
                "curl", "-sN", version, "--compressed", "--cacert", certificates.authority, "-i", "-H",
                "Last-Event-ID: 2",
                Self.https(server, "/events"),
            ])
            var output = ""
            #expect(try await curl.receive("data: event 4\nid: 4\n\n", into: &output))
            #expect(output.hasPrefix(version == "--http2" ? "HTTP/2 200" : "HTTP/1.1 200"))
            #expect(output.lowercased().contains("content-encoding: gzip"))
            #expect(!output.contains("event 2\n"))
            #expect(output.contains("data: event 3\nid: 3\n\n"))
            curl.kill()
        }
        await server.stop()
    }

    @Test(
        "nghttp, a second HTTP/2 implementation, sees the response head without connection-specific fields and one DATA frame per event",
        .requires(.nghttp)
    )
    func nghttp() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await TestServer.start(fixture, tls: certificates)
        let client = try Child(["nghttp", "-v", Self.https(server, "/events")])
        let output = try await HTTP2Checks.threeEventsThenBye(broadcaster, to: client)
        #expect(output.contains("The negotiated protocol: h2"))
        #expect(output.contains(":status: 200"))
        #expect(output.contains("content-type: text/event-stream"))
        let received = output.split(separator: "\n").filter { $0.contains("recv (stream_id=") && $0.contains(") ") }
        #expect(!received.contains { $0.contains(") connection:") || $0.contains(") keep-alive:") })
        // The three events and the final one each came in a DATA frame of their own.
        #expect(output.components(separatedBy: "recv DATA frame").count - 1 >= 4)
        await server.stop()
    }

    @Test("cleartext HTTP/2 with prior knowledge and HTTP/1.1 on the same port")
    func cleartextHTTP2() async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await TestServer.start(fixture, corsOrigin: nil) { $0.http2.acceptsCleartext = true }
        let http2 = try Child(["curl", "-sN", "--http2-prior-knowledge", "-i", server.url("/events")])
        let http1 = try Child(["curl", "-sN", "-i", server.url("/events")])
        #expect(await eventually { broadcaster.subscriberCount == 2 })
        try broadcaster.publish(ServerSentEvent(data: "both"), to: "news")
        var output2 = ""
        var output1 = ""
        #expect(try await http2.receive("data: both\nid: 1\n\n", into: &output2))
        #expect(try await http1.receive("data: both\nid: 1\n\n", into: &output1))
        #expect(output2.hasPrefix("HTTP/2 200"))
        #expect(output1.hasPrefix("HTTP/1.1 200"))
        #expect(HTTP2Checks.connectionSpecificFields(in: output2) == [])
        http2.kill()
        http1.kill()
        // A connection that says nothing is closed after the request-head timeout; a raw HTTP/1.1
        // request still gets its answer.
        let raw = try RawConnection(port: server.port)
        raw.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await blocking { raw.read(until: "</title>") }.hasPrefix("HTTP/1.1 200 OK"))
        raw.close()
        await server.stop()
    }

    @Test("a reloaded certificate serves new connections while open streams go on; a bad one changes nothing")
    func certificateRotation() async throws {
        let first = try TestCertificates(name: "first")
        let second = try TestCertificates(name: "second")
        let unrelated = try TestCertificates(name: "unrelated")
        defer {
            first.remove()
            second.remove()
            unrelated.remove()
        }
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await TestServer.start(fixture, tls: first)
        let open = try Child(["curl", "-sN", "--http2", "--cacert", first.authority, Self.https(server, "/events")])
        #expect(await eventually { broadcaster.subscriberCount == 1 })

        func status(trusting authority: String) async throws -> String {
            let curl = try Child([
                "curl", "-s", "--cacert", authority, "-o", "/dev/null", "-w", "%{http_code}", Self.https(server, "/"),
            ])
            return try await blocking { curl.readToEnd() }
        }
        #expect(try await status(trusting: first.authority) == "200")
        #expect(try await status(trusting: second.authority) == "000")

        try second.install(over: first)
        try server.server.reloadTLSCertificates()
        #expect(try await status(trusting: second.authority) == "200")
        #expect(try await status(trusting: first.authority) == "000")
        var output = ""
        try broadcaster.publish(ServerSentEvent(data: "still here"), to: "news")
        #expect(try await open.receive("data: still here\n", into: &output))

        // A key that does not belong to the certificate: the reload throws and the server keeps
        // serving the certificate it had.
        try FileManager.default.removeItem(atPath: first.privateKey)
        try FileManager.default.copyItem(atPath: unrelated.privateKey, toPath: first.privateKey)
        #expect(throws: SSEServerError.invalidTLSConfiguration) { try server.server.reloadTLSCertificates() }
        #expect(try await status(trusting: second.authority) == "200")
        open.kill()
        await server.stop()
    }

    @Test("a certificate that cannot be read stops run() before it listens, with a typed error")
    func badCertificate() async throws {
        var configuration = SSEServer.Configuration(port: 0)
        configuration.tls = .files(certificateChain: "/nonexistent/chain.pem", privateKey: "/nonexistent/key.pem")
        let server = SSEServer(configuration: configuration, router: SSERouter())
        await #expect(throws: SSEServerError.invalidTLSConfiguration) { try await server.run() }
        do {
            try await server.run()
        } catch let error as SSEServerError {
            #expect(error.reason.contains("/nonexistent/chain.pem"))
        }
    }
}
#endif
