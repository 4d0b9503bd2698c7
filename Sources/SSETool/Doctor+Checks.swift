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
import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import SSECodec

/// The doctor's run: what it asks of the endpoint, and what it makes of the answers.
struct Examination: Sendable {
    let probe: Probe
    let duration: Duration
    let origin: String?

    /// Runs every check; `nil` when no connection could be made at all (said on standard error).
    func run(connections: Int?) async -> Report? {
        var originField: [HTTPField] = []
        if let origin, let name = HTTPField.Name("Origin") {
            originField = [HTTPField(name: name, value: origin)]
        }
        let watching = Probe(
            url: probe.url,
            method: probe.method,
            fields: probe.fields + originField,
            body: probe.body,
            tls: probe.tls,
            client: probe.client
        )
        async let plainRun = watching.observe(duration: duration)
        async let gzipRun = watching.observe(acceptingGzip: true, duration: duration)
        let plain = await plainRun
        let gzipped = await gzipRun
        if plain.status == 0, let failure = plain.failure, failure.contains("ProtocolError"),
            let fields = await connectionSpecificFields()
        {
            // The HTTP/2 client refused the head, as browsers do; a lax read names the fields.
            return report(
                plain,
                protocol: "HTTP/2",
                Finding(
                    check: "connection-header",
                    status: .failure,
                    summary:
                        "\(fields.map(\.name).joined(separator: ", ")) in an HTTP/2 response head: connection-specific fields make the response malformed (RFC 9113 §8.2.2); HTTP/2 clients refuse it, and Safari drops the connection",
                    evidence: fields.map { "\($0.name): \($0.value)" } + [failure],
                    fix: "do not set Connection or Keep-Alive yourself; let the server (or proxy) write HTTP/2's head"
                )
            )
        }
        if plain.status == 0, plain.headTimedOut {
            return report(
                plain,
                protocol: "",
                Finding(
                    check: "delivery",
                    status: .failure,
                    summary:
                        "connected, but no response head in \(plain.watched.milliseconds / 1000) s: something holds the response back until its body comes (a buffering proxy), or the server waits before it answers",
                    evidence: [plain.failure ?? ""],
                    fix:
                        "send the head at once; behind a proxy, turn its buffering off for the stream (nginx: X-Accel-Buffering: no)"
                )
            )
        }
        if plain.status == 0 {
            Descriptor.standardError.put("sse: cannot connect to \(probe.url): \(plain.failure ?? "no answer")\n")
            return nil
        }
        var findings = Self.head(plain, https: probe.url.lowercased().hasPrefix("https:"))
        if plain.isStream {
            findings.append(Self.delivery(plain, watched: duration))
            findings.append(Self.gzip(gzipped, plain: plain))
            findings.append(Self.heartbeat(plain))
            findings.append(Self.retry(plain))
            findings.append(await resume(after: plain))
        }
        if let origin {
            findings.append(await cors(origin: origin, stream: plain))
        }
        if let connections {
            findings.append(await concurrentStreams(connections, version: plain.version))
        }
        return Report(
            url: probe.url,
            protocol: plain.version,
            seconds: Double(plain.watched.milliseconds) / 1000,
            findings: findings
        )
    }

    /// A report of one finding, when nothing more can be checked.
    func report(_ plain: Probe.Observation, protocol: String, _ finding: Finding) -> Report {
        Report(
            url: probe.url,
            protocol: `protocol`,
            seconds: Double(plain.watched.milliseconds) / 1000,
            findings: [finding]
        )
    }

    // MARK: The head

    /// The connection-specific fields of the endpoint's HTTP/2 head, read with validation off;
    /// `nil` when it has none, or cannot be read so.
    func connectionSpecificFields() async -> [(name: String, value: String)]? {
        guard probe.url.lowercased().hasPrefix("https:"),
            let head = try? await LaxHTTP2Head.fetch(
                url: probe.url,
                method: probe.method.rawValue,
                fields: probe.fields.map { ($0.name.rawName, $0.value) },
                tls: probe.tls
            )
        else {
            return nil
        }
        let forbidden: Set = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]
        let fields = head.filter {
            forbidden.contains($0.name.lowercased()) || ($0.name == "te" && $0.value != "trailers")
        }
        return fields.isEmpty ? nil : fields
    }

    static func head(_ plain: Probe.Observation, https: Bool) -> [Finding] {
        var findings: [Finding] = []
        let headers = plain.headers
        findings.append(
            plain.status == 200
                ? Finding(check: "status", status: .pass, summary: "200")
                : Finding(
                    check: "status",
                    status: .failure,
                    summary: "\(plain.status): an EventSource fails the connection on any status but 200",
                    evidence: plain.failure.map { [$0] } ?? [],
                    fix: "answer 200 with the stream; 204 tells a browser to stop reconnecting"
                )
        )
        let contentType = headers.first(name: "content-type")
        findings.append(
            (contentType ?? "").lowercased().hasPrefix("text/event-stream")
                ? Finding(check: "content-type", status: .pass, summary: contentType ?? "")
                : Finding(
                    check: "content-type",
                    status: .failure,
                    summary:
                        "\(contentType ?? "none"): an EventSource fails the connection on any type but text/event-stream",
                    fix: "send Content-Type: text/event-stream"
                )
        )
        guard plain.status == 200 else {
            return findings
        }
        let cacheControl = headers[canonicalForm: "cache-control"].map { $0.lowercased() }
        findings.append(
            cacheControl.contains("no-cache") || cacheControl.contains("no-store")
                ? Finding(
                    check: "caching",
                    status: .pass,
                    summary: "Cache-Control: \(cacheControl.joined(separator: ", "))"
                )
                : Finding(
                    check: "caching",
                    status: .warning,
                    summary: cacheControl.isEmpty
                        ? "no Cache-Control: a proxy or CDN may cache or hold the stream"
                        : "Cache-Control: \(cacheControl.joined(separator: ", ")) allows caching",
                    fix: "send Cache-Control: no-cache"
                )
        )
        if let length = headers.first(name: "content-length") {
            findings.append(
                Finding(
                    check: "content-length",
                    status: .failure,
                    summary:
                        "Content-Length: \(length) on a stream: the response ends after that many bytes, and proxies wait for them",
                    fix: "send no Content-Length on an event stream (chunked on HTTP/1.1, a stream on HTTP/2)"
                )
            )
        }
        if plain.version == "HTTP/2" {
            // A connection-specific field never gets here: the HTTP/2 client refuses such a head
            // (see `forbiddenField(in:)`).
            findings.append(Finding(check: "protocol", status: .pass, summary: https ? "HTTP/2 (ALPN h2)" : "HTTP/2"))
        } else {
            findings.append(
                Finding(
                    check: "protocol",
                    status: .warning,
                    summary:
                        "\(plain.version)\(https ? " (no h2 by ALPN)" : ""): a browser holds at most 6 HTTP/1.1 connections per origin, so a 7th tab's stream waits",
                    fix: "serve over TLS with HTTP/2 (many streams on one connection)"
                )
            )
        }
        return findings
    }

    // MARK: Delivery

    /// The fields that tell what is between the client and the server.
    static func intermediaries(_ headers: HTTPHeaders) -> [String] {
        ["via", "server", "cf-ray", "x-cache", "x-served-by", "x-amz-cf-id", "x-accel-buffering", "fly-request-id"]
            .compactMap { name in headers.first(name: name).map { "\(name): \($0)" } }
    }

    /// How the events of an observation came: in bursts, all at the end, or as sent.
    enum Arrival {
        case none
        case asSent
        case atTheEnd
        case bursts(eventsPerPiece: Double, secondsApart: Double)
    }

    static func arrival(_ observation: Probe.Observation) -> Arrival {
        let bursts = groups(observation.arrivals.filter { $0.events > 0 }.map { ($0.at, $0.events) })
        guard let first = bursts.first, let last = bursts.last else {
            return .none
        }
        let events = observation.events.count
        if let ended = observation.endedAt, events >= 2, ended > .seconds(1),
            ended - first.at < .milliseconds(200), first.at > .seconds(1)
        {
            return .atTheEnd
        }
        // Bursts of at least three events, at least 0.4 s apart (or one, that long after the
        // request): a server that writes each event as it comes does not send that way.
        let perBurst = Double(events) / Double(bursts.count)
        let apart =
            bursts.count > 1
            ? Double((last.at - first.at).milliseconds) / 1000 / Double(bursts.count - 1)
            : Double(first.at.milliseconds) / 1000
        if events >= 6, perBurst >= 3, apart >= 0.4 {
            return .bursts(eventsPerPiece: perBurst, secondsApart: apart)
        }
        return .asSent
    }

    /// Arrivals within 50 ms of the first of a group, taken together: the pieces one write (or
    /// one flush of a buffer) comes in.
    static func groups(_ arrivals: [(at: Duration, count: Int)]) -> [(at: Duration, count: Int)] {
        var groups: [(at: Duration, count: Int)] = []
        for arrival in arrivals {
            if let last = groups.last, arrival.at - last.at < .milliseconds(50) {
                groups[groups.count - 1].count += arrival.count
            } else {
                groups.append(arrival)
            }
        }
        return groups
    }

    static func delivery(_ plain: Probe.Observation, watched: Duration) -> Finding {
        let proxies = intermediaries(plain.headers)
        let seconds = String(format: "%.1f", Double(plain.watched.milliseconds) / 1000)
        var finding: Finding
        switch arrival(plain) {
        case .none:
            finding = Finding(
                check: "delivery",
                status: plain.endedAt == nil ? .warning : .failure,
                summary: plain.endedAt == nil
                    ? "no event in \(seconds) s: the stream was quiet, or something holds it back"
                    : "the stream ended without an event",
                evidence: proxies,
                fix:
                    "publish while the doctor runs; behind a proxy, turn its buffering off for the stream (nginx: X-Accel-Buffering: no, or proxy_buffering off)"
            )
        case .atTheEnd:
            finding = Finding(
                check: "delivery",
                status: .failure,
                summary:
                    "all \(plain.events.count) events came together when the response ended: the stream is buffered until its end",
                evidence: proxies,
                fix:
                    "flush after each event; behind a proxy, turn its buffering off for the stream (nginx: X-Accel-Buffering: no)"
            )
        case .bursts(let perPiece, let apart):
            finding = Finding(
                check: "delivery",
                status: .failure,
                summary:
                    "events come in bursts (about \(Int(perPiece.rounded())) at a time, \(String(format: "%.1f", apart)) s apart): something holds the stream back and passes it on as its buffer fills",
                evidence: proxies
                    + [
                        "pieces of \(plain.arrivals.filter { $0.events > 0 }.prefix(5).map { "\($0.bytes)" }.joined(separator: ", ")) bytes"
                    ],
                fix:
                    "turn buffering off between the server and the client (nginx: X-Accel-Buffering: no, or proxy_buffering off; a CDN: its streaming setting)"
            )
        case .asSent:
            let times = plain.events.prefix(3).map { "\($0.at.milliseconds) ms" }.joined(separator: ", ")
            finding = Finding(
                check: "delivery",
                status: .pass,
                summary: "\(plain.events.count) events in \(seconds) s, each as it was sent (the first at \(times))",
                evidence: ["head after \(plain.headAt.milliseconds) ms"]
            )
        }
        if let first = plain.arrivals.first, plain.headAt > .seconds(1), first.at - plain.headAt < .milliseconds(50) {
            finding.status = finding.status == .pass ? .warning : finding.status
            finding.evidence.append(
                "the head waited \(plain.headAt.milliseconds) ms and came with the first bytes: something held it back"
            )
        }
        return finding
    }

    static func gzip(_ gzipped: Probe.Observation, plain: Probe.Observation) -> Finding {
        if gzipped.status == 0, gzipped.headTimedOut {
            return Finding(
                check: "gzip",
                status: .failure,
                summary:
                    "asked for gzip, the response head did not come in \(gzipped.watched.milliseconds / 1000) s (without gzip: \(plain.headAt.milliseconds) ms): a compressor holds the stream until its buffer fills (gzip without a flush per event)",
                evidence: intermediaries(plain.headers),
                fix:
                    "flush the compressor after each event, or leave text/event-stream out of compression (nginx: gzip_types)"
            )
        }
        let encoding = gzipped.headers.first(name: "content-encoding")?.lowercased()
        guard let encoding, encoding.contains("gzip") else {
            return Finding(
                check: "gzip",
                status: .pass,
                summary:
                    "not compressed when asked for gzip (fine for small events; a flush per event is needed if it ever is)"
            )
        }
        let plainWasLive: Bool
        if case .asSent = arrival(plain), plain.events.count >= 2 {
            plainWasLive = true
        } else {
            plainWasLive = false
        }
        switch arrival(gzipped) {
        case .none where plainWasLive:
            return Finding(
                check: "gzip",
                status: .failure,
                summary:
                    "gzip without a flush per event: no event could be decompressed in \(gzipped.watched.milliseconds / 1000) s, while the uncompressed stream had \(plain.events.count)",
                evidence: ["\(gzipped.arrivals.reduce(0) { $0 + $1.bytes }) compressed bytes arrived"],
                fix: "flush the compressor after each event (zlib Z_SYNC_FLUSH), or do not compress text/event-stream"
            )
        case .atTheEnd, .bursts:
            return Finding(
                check: "gzip",
                status: .failure,
                summary: "gzip without a flush per event: events come out of the compressor in bursts, not as sent",
                fix: "flush the compressor after each event (zlib Z_SYNC_FLUSH), or do not compress text/event-stream"
            )
        case .none:
            return Finding(
                check: "gzip",
                status: .warning,
                summary: "compressed, but no event came to tell whether it is flushed per event"
            )
        case .asSent:
            return Finding(
                check: "gzip",
                status: .pass,
                summary:
                    "compressed (gzip) and flushed per event: \(gzipped.events.count) events decompressed as they came"
            )
        }
    }

    static func heartbeat(_ plain: Probe.Observation) -> Finding {
        switch arrival(plain) {
        case .bursts, .atTheEnd:
            return Finding(
                check: "heartbeat",
                status: .warning,
                summary:
                    "comments come held back with the events (see delivery): their interval cannot be seen from here",
                fix: "fix the delivery, then check again"
            )
        case .none, .asSent:
            break
        }
        var times = [.zero, plain.headAt] + plain.arrivals.map(\.at)
        if plain.endedAt == nil {
            times.append(plain.watched)
        }
        let quiet = zip(times, times.dropFirst()).map { $1 - $0 }.max() ?? .zero
        let quietSeconds = Double(quiet.milliseconds) / 1000
        let comments = plain.comments
        // Comments that came together (held back, then passed on) tell no interval.
        let spread = groups(comments.map { ($0, 1) })
        let interval: String? =
            spread.count >= 2
            ? String(
                format: "%.1f",
                Double((spread.last!.at - spread.first!.at).milliseconds) / 1000 / Double(spread.count - 1)
            )
            : nil
        let timeouts = "nginx's proxy_read_timeout and most cloud load balancers cut a connection idle for 60 s"
        if quiet >= .seconds(60) {
            return Finding(
                check: "heartbeat",
                status: .failure,
                summary: String(format: "nothing for %.0f s: %@", quietSeconds, timeouts),
                fix: "send a comment (\": ping\") every 15–30 s"
            )
        }
        if quiet >= .seconds(30) {
            return Finding(
                check: "heartbeat",
                status: .warning,
                summary: String(
                    format: "quiet for up to %.0f s: close to the 60 s idle timeouts (%@)",
                    quietSeconds,
                    timeouts
                ),
                fix: "send a comment every 15–30 s"
            )
        }
        if let interval {
            return Finding(
                check: "heartbeat",
                status: .pass,
                summary:
                    "a comment about every \(interval) s; quiet for at most \(String(format: "%.1f", quietSeconds)) s"
            )
        }
        let watched = plain.watched.milliseconds / 1000
        return Finding(
            check: "heartbeat",
            status: .warning,
            summary: comments.isEmpty
                ? "no heartbeat comment in \(watched) s: when events pause, \(timeouts)"
                : "\(comments.count == 1 ? "one comment" : "comments only together") in \(watched) s: the interval is not known",
            fix: comments.isEmpty
                ? "send a comment every 15–30 s; run with --duration 75 to watch past 60 s"
                : "run with a longer --duration to see the interval"
        )
    }

    static func retry(_ plain: Probe.Observation) -> Finding {
        guard let retry = plain.retry else {
            return Finding(
                check: "retry",
                status: .warning,
                summary:
                    "no retry: field: browsers reconnect after their own default (a few seconds), all at once after a deploy",
                fix: "send retry: (in milliseconds, with some jitter per client) at the start of the stream"
            )
        }
        return Finding(
            check: "retry",
            status: retry < 500 ? .warning : .pass,
            summary: "retry: \(retry) ms" + (retry < 500 ? ": clients will hammer the server when it fails" : "")
        )
    }
}
#endif
