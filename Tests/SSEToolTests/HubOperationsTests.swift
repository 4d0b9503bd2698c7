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
import SSETestSupport
import Testing

/// A hub run as a service runs it: its URLs from its standard output, its log lines (standard
/// error) in a file.
struct HubProcess {
    let child: Child
    let url: String
    let metricsURL: String?
    let log: String

    /// Starts `sse hub` with `arguments` (and `--port 0` unless they name a port).
    static func start(_ arguments: [String], environment: [String] = []) async throws -> Self {
        let log = NSTemporaryDirectory() + "sse-hub-\(UUID().uuidString).log"
        let port = arguments.contains("--port") ? [] : ["--port", "0"]
        let child = try Child(
            ["sh", "-c", "exec \"$0\" \"$@\" 2>\"\(log)\""]
                + (environment.isEmpty ? [] : ["env"] + environment)
                + [SSEToolTests.toolPath, "hub"] + arguments + port
        )
        var output = ""
        try #require(try await child.receive("/ (", into: &output), "\(output)")
        if arguments.contains("--metrics-port") {
            // The two servers start together: their lines come in either order.
            try #require(try await child.receive("/metrics\n", into: &output), "\(output)")
        }
        func url(after marker: String, until end: String) -> String? {
            guard let start = output.range(of: marker),
                let stop = output.range(of: end, range: start.upperBound..<output.endIndex)
            else {
                return nil
            }
            return String(output[start.upperBound..<stop.lowerBound])
        }
        return Self(
            child: child,
            url: try #require(url(after: "listening on ", until: "/ (")),
            metricsURL: url(after: "metrics on ", until: "\n"),
            log: log
        )
    }

    /// The port of the hub's URL.
    var port: Int {
        Int(url.split(separator: ":").last ?? "") ?? 0
    }

    /// The log's lines, each a JSON object.
    func logLines() throws -> [[String: String]] {
        let text = try String(contentsOfFile: log, encoding: .utf8)
        return try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String], "\($0)")
        }
    }
}

/// Prometheus's text format: each sample's name with its labels, and its value.
func prometheusSamples(_ text: String) -> [String: Double] {
    var samples: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
            continue
        }
        samples[String(line[..<space])] = value
    }
    return samples
}

extension SSEToolTests {
    @Test(
        "hub in operation, over TLS: /metrics on its own port (parsed), a publish rate (429), a connection limit (closed, counted), JSON log lines; SIGTERM: GOAWAY (nghttp), a final event after a jittered retry on every stream, exit 0",
        .requires(.openssl),
        .requires(.nghttp)
    )
    func hubOperations() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let hub = try await HubProcess.start([
            "--tls-certificate", certificates.certificate, "--tls-key", certificates.privateKey, "--metrics-port", "0",
            "--max-connections", "4", "--publish-rate", "1",
        ])
        defer { try? FileManager.default.removeItem(atPath: hub.log) }
        let url = hub.url
        #expect(url.hasPrefix("https://"))
        let metricsURL = try #require(hub.metricsURL)
        let curl = ["curl", "-s", "--cacert", certificates.authority]

        // Two streams over HTTP/2: curl, and nghttp, which shows every frame.
        let curlStream = try Child(curl + ["-iN", "--http2", url + "/events?topic=news"])
        var curlOutput = ""
        #expect(try await curlStream.receive("\r\n\r\n", into: &curlOutput))
        #expect(curlOutput.hasPrefix("HTTP/2 200"))
        let nghttp = try Child(["nghttp", "-v", url + "/events?topic=news"])
        var nghttpOutput = ""
        #expect(try await nghttp.receive(":status: 200", into: &nghttpOutput))

        // Twenty publishes in a row at one per second: the first goes, most are refused.
        var publishes: [String] = []
        for index in 0..<20 {
            publishes += (index == 0 ? [] : ["--next", "--cacert", certificates.authority])
            publishes += ["-w", "%{http_code}\n", "-o", "/dev/null", "-d", "e\(index)"]
            publishes.append(url + "/publish?topic=news")
        }
        let burst = try Child(curl + publishes)
        let statuses = try await blocking { burst.readToEnd() }.split(separator: "\n")
        #expect(statuses.first == "200" && statuses.count == 20, "\(statuses)")
        #expect(statuses.filter { $0 == "429" }.count >= 15, "\(statuses)")
        #expect(try await curlStream.receive("data: e0\nid: 1\n\n", into: &curlOutput))
        #expect(try await nghttp.receive("data: e0", into: &nghttpOutput))

        // Two more connections fill the limit of four; the fifth is closed unanswered.
        let held = try (0..<2).map { _ in try RawConnection(port: hub.port) }
        let refused = try Child(curl + ["-o", "/dev/null", "-w", "%{http_code}", url + "/healthz"])
        #expect(try await blocking { refused.readToEnd() } == "000")
        for connection in held {
            connection.close()
        }
        var healthy = false
        for _ in 0..<100 where !healthy {
            let health = try Child(curl + [url + "/healthz"])
            healthy = try await blocking { health.readToEnd() } == "ok\n"
        }
        #expect(healthy, "the limit frees as connections close")

        let scrape = try Child(["curl", "-s", metricsURL])
        let samples = prometheusSamples(try await blocking { scrape.readToEnd() })
        #expect(samples["sse_hub_publishes_total{outcome=\"published\"}"] == 1, "\(samples)")
        #expect((samples["sse_hub_publishes_total{outcome=\"refused\"}"] ?? 0) >= 15)
        #expect((samples["sse_requests_refused_total{reason=\"connection_limit\"}"] ?? 0) >= 1)
        #expect(samples["sse_streams{route=\"/events\"}"] == 2)
        #expect((samples["sse_delivery_latency_seconds_count{route=\"/events\"}"] ?? 0) >= 2)

        // SIGTERM: GOAWAY first, then each stream's jittered retry and final event; exit 0.
        hub.child.signal(SIGTERM)
        #expect(try await nghttp.receive("recv GOAWAY frame", into: &nghttpOutput), "\(nghttpOutput)")
        #expect(try await nghttp.receive("sse-hub-stopping", into: &nghttpOutput), "\(nghttpOutput)")
        let rest = try await blocking { curlStream.readToEnd() }
        curlOutput += rest
        let retry = try #require(
            curlOutput.components(separatedBy: "retry: ").dropFirst().last?.split(separator: "\n").first.flatMap {
                Int($0)
            }
        )
        #expect((1_000...10_000).contains(retry), "\(curlOutput)")
        #expect(curlOutput.hasSuffix("retry: \(retry)\n\nevent: sse-hub-stopping\ndata: stopping\n\n"), "\(curlOutput)")
        _ = try await blocking { hub.child.readToEnd() }
        #expect(hub.child.terminationStatus == 0)
        nghttp.kill()

        let lines = try hub.logLines()
        let messages = lines.compactMap { $0["message"] }
        #expect(
            messages.contains("Listening") && messages.contains("Stopping") && messages.last == "Stopped",
            "\(messages)"
        )
        #expect(messages.contains("Refused a connection over maximumConnections"), "\(messages)")
        #expect(lines.allSatisfy { $0["time"] != nil && $0["level"] != nil && $0["label"] == "sse.hub" })
    }
}
#endif
