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
import Foundation
import SSECodec
import SSENIO
import SSEServerTestSupport
import SSEStreaming
import SSETestSupport
import Testing

/// `sse doctor`'s report, as `--json` writes it.
struct DoctorReport: Decodable {
    struct Finding: Decodable {
        var check: String
        var status: String
        var summary: String
        var evidence: [String]
        var fix: String?
    }

    var url: String
    var `protocol`: String
    var failed: Bool
    var findings: [Finding]

    func status(_ check: String) -> String? {
        findings.first { $0.check == check }?.status
    }

    func summary(_ check: String) -> String {
        findings.first { $0.check == check }?.summary ?? ""
    }
}

extension SSEToolTests {
    /// Runs `sse doctor --json` with `arguments`; its report and exit status.
    static func doctor(_ arguments: [String]) async throws -> (report: DoctorReport, status: Int32) {
        let run = try await Self.run(["doctor", "--json"] + arguments)
        let report = try JSONDecoder().decode(DoctorReport.self, from: Data(run.output.utf8))
        return (report, run.status)
    }

    /// Publishes an event to `news` every 100 ms until cancelled: the doctor judges what it sees.
    static func publishing(to fixture: Fixture) -> Task<Void, Never> {
        Task {
            var number = 0
            while !Task.isCancelled {
                number += 1
                _ = try? fixture.broadcaster.publish(ServerSentEvent(data: "event \(number)"), to: "news")
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    @Test(
        "doctor finds nothing wrong with the package's three servers: status, type, caching, delivery, gzip flushed per event, resuming, CORS and 20 streams at once all pass"
    )
    func doctorOnThePackageServers() async throws {
        let origin = "https://app.example"
        let starts: [(String, @Sendable (Fixture) async throws -> any ServerUnderTest)] = [
            ("SSENIO", { try await TestServer.start($0, corsOrigin: origin) }),
            ("Hummingbird", { try await HummingbirdServer.start($0, corsOrigin: origin) }),
            ("Vapor", { try await VaporServer.start($0, corsOrigin: origin) }),
        ]
        for (name, start) in starts {
            let fixture = Fixture()
            let server = try await start(fixture)
            // Published while the doctor watches, as it asks.
            let publisher = Self.publishing(to: fixture)
            let (report, status) = try await Self.doctor([
                "--duration", "3", "--origin", origin, "--connections", "20", server.url("/events"),
            ])
            publisher.cancel()
            #expect(status == 0, "\(name): \(report.findings.filter { $0.status == "failure" })")
            #expect(!report.failed, "\(name)")
            for check in [
                "status", "content-type", "caching", "delivery", "gzip", "last-event-id", "cors", "connections",
            ] {
                #expect(report.status(check) == "pass", "\(name) \(check): \(report.summary(check))")
            }
            #expect(report.summary("gzip").contains("flushed per event"), "\(name)")
            // Plain HTTP/1.1: the six-connection limit is named.
            #expect(report.status("protocol") == "warning" && report.protocol == "HTTP/1.1", "\(name)")
            await server.stop()
        }
    }

    @Test(
        "doctor names each problem of a misbehaving server (buffered, bursts, Content-Length, gzip without flush, Last-Event-ID ignored or repeated, no CORS), and exits 73"
    )
    func doctorOnAMisbehavingServer() async throws {
        let server = try await MisbehavingServer.start()
        let base = "http://127.0.0.1:\(server.port)"
        // The good stream: nothing fails (HTTP/1.0 is named as a warning).
        let (good, goodStatus) = try await Self.doctor([
            "--duration", "3", "--origin", "https://app.example", base + "/doctor-good",
        ])
        #expect(goodStatus == 0 && !good.failed, "\(good.findings.filter { $0.status != "pass" })")
        for check in ["delivery", "heartbeat", "retry", "last-event-id", "cors"] {
            #expect(good.status(check) == "pass", "\(check): \(good.summary(check))")
        }

        let cases: [(route: String, check: String, says: String, arguments: [String])] = [
            ("doctor-buffered", "delivery", "when the response ended", []),
            ("doctor-bursts", "delivery", "bursts", []),
            ("doctor-content-length", "content-length", "Content-Length: 1000000", []),
            ("doctor-gzip", "gzip", "without a flush per event", []),
            ("doctor-restart", "last-event-id", "starts over", []),
            ("doctor-repeat", "last-event-id", "repeats the last event", []),
            ("doctor-restart", "cors", "preflight answered 405", ["--origin", "https://app.example"]),
            ("doctor-no-head", "delivery", "no response head", []),
        ]
        for (route, check, says, arguments) in cases {
            let (report, status) = try await Self.doctor(["--duration", "4"] + arguments + [base + "/" + route])
            #expect(status == 73, "\(route)")
            #expect(report.status(check) == "failure", "\(route) \(check): \(report.summary(check))")
            #expect(report.summary(check).contains(says), "\(route): \(report.summary(check))")
        }
        // No heartbeat, no retry: named as warnings.
        let (quiet, _) = try await Self.doctor(["--duration", "3", base + "/doctor-restart"])
        #expect(quiet.status("heartbeat") == "warning" && quiet.summary("heartbeat").contains("no heartbeat comment"))
        #expect(quiet.status("retry") == "warning")
        // The text report: each finding on a line, the evidence and the fix under it.
        let text = try await Self.run(["doctor", "--duration", "2", "--no-colour", base + "/doctor-content-length"])
        #expect(text.status == 73)
        #expect(text.output.contains("FAILURE  content-length"), "\(text.output)")
        #expect(text.output.contains("fix: send no Content-Length"), "\(text.output)")
        #expect(text.output.contains(" failures\n"), "\(text.output)")
        // Nothing listening: exit 69, said on standard error.
        let refused = try await Self.run(["doctor", "--duration", "1", "http://127.0.0.1:1/events"])
        #expect(refused.status == 69 && refused.errors.contains("cannot connect"))
        await server.kill()
    }

    @Test(
        "doctor through nginx with proxy_buffering on and gzip for text/event-stream (no X-Accel-Buffering: no): the held-back stream and the gzip without a flush are found, and nginx named",
        .requires(.nginx)
    )
    func doctorThroughABufferingNginx() async throws {
        let gzip = "gzip on; gzip_types text/event-stream; gzip_min_length 0;"
        let buffering = "proxy_buffering on; proxy_buffer_size 4k; proxy_buffers 8 4k;"

        // In front of the embedded server (chunked): events pass one by one, but nginx's gzip
        // holds the compressed stream, head and all, until its buffer fills.
        let fixture = Fixture()
        let server = try await TestServer.start(fixture, corsOrigin: nil) { configuration in
            // What lets nginx buffer: the server does not ask it not to, and leaves
            // compression to it.
            configuration.stream.disablesProxyBuffering = false
            configuration.stream.gzip = nil
        }
        let compressing = try Nginx.start(
            upstreamPort: server.port,
            port: try Nginx.freePort(),
            http: gzip,
            location: buffering
        )
        defer { compressing.stop() }
        try #require(await eventually { compressing.isListening })
        let publisher = Self.publishing(to: fixture)
        let (compressed, compressedStatus) = try await Self.doctor([
            "--duration", "3", "http://127.0.0.1:\(compressing.port!)/events",
        ])
        publisher.cancel()
        #expect(compressedStatus == 73)
        #expect(compressed.status("delivery") == "pass", "\(compressed.summary("delivery"))")
        let gzipFinding = try #require(compressed.findings.first { $0.check == "gzip" })
        #expect(gzipFinding.status == "failure" && gzipFinding.summary.contains("gzip without a flush per event"))
        #expect(gzipFinding.evidence.contains { $0.hasPrefix("server: nginx") }, "\(gzipFinding.evidence)")
        await server.stop()

        // In front of a server whose stream ends with the connection (HTTP/1.0): nginx passes it on
        // only as its buffers fill.
        let upstream = try await MisbehavingServer.start()
        let buffered = try Nginx.start(upstreamPort: upstream.port, port: try Nginx.freePort(), location: buffering)
        defer { buffered.stop() }
        try #require(await eventually { buffered.isListening })
        let (report, status) = try await Self.doctor([
            "--duration", "6", "http://127.0.0.1:\(buffered.port!)/doctor-good",
        ])
        #expect(status == 73)
        let delivery = try #require(report.findings.first { $0.check == "delivery" })
        #expect(delivery.status == "failure", "\(delivery)")
        #expect(delivery.summary.contains("bursts"), "\(delivery.summary)")
        #expect(delivery.evidence.contains { $0.hasPrefix("server: nginx") }, "\(delivery.evidence)")
        #expect(delivery.fix?.contains("X-Accel-Buffering: no") == true)
        await upstream.kill()
    }

    #if TLSSupport
    @Test("doctor over TLS: HTTP/2 by ALPN passes, and 50 streams share its connection", .requires(.openssl))
    func doctorOverTLS() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let fixture = Fixture()
        let server = try await TestServer.start(fixture, tls: certificates)
        let publisher = Self.publishing(to: fixture)
        let (report, status) = try await Self.doctor([
            "--duration", "3", "--cacert", certificates.authority, "--connections", "50",
            "https://127.0.0.1:\(server.port)/events",
        ])
        publisher.cancel()
        #expect(status == 0, "\(report.findings.filter { $0.status != "pass" })")
        #expect(report.protocol == "HTTP/2")
        #expect(report.status("protocol") == "pass" && report.summary("protocol") == "HTTP/2 (ALPN h2)")
        #expect(report.status("connections") == "pass" && report.summary("connections").contains("50 streams"))
        // Without the authority, no connection: exit 69.
        let untrusted = try await Self.run(["doctor", "--duration", "1", "https://127.0.0.1:\(server.port)/events"])
        #expect(untrusted.status == 69)
        await server.stop()
    }
    #endif

    @Test(
        "doctor on HTTP/2 with Connection in the response head (an independent server on Python's ssl): named, exit 73",
        .requires(.openssl)
    )
    func doctorOnAConnectionFieldOverHTTP2() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SSETestSupport/misbehaving_h2_server.py").path
        let server = try Child(["python3", "-u", script, certificates.certificate, certificates.privateKey])
        var output = ""
        #expect(try await server.receive("\n", into: &output))
        let port = try #require(Int(output.split(separator: "\n").first ?? ""))
        let (report, status) = try await Self.doctor([
            "--duration", "2", "--cacert", certificates.authority, "https://127.0.0.1:\(port)/events",
        ])
        #expect(status == 73)
        #expect(report.status("connection-header") == "failure", "\(report.findings)")
        #expect(report.summary("connection-header").hasPrefix("connection in an HTTP/2 response head"))
        #expect(report.findings.first?.evidence.first == "connection: keep-alive")
        try await blocking { server.kill() }
    }
}
#endif
