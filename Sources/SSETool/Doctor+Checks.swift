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

/// One check's outcome: what was found, the evidence, and the fix.
struct Finding: Codable, Sendable {
    enum Status: String, Codable, Sendable {
        case pass
        case warning
        case failure
    }

    var check: String
    var status: Status
    var summary: String
    var evidence: [String] = []
    var fix: String?
}

/// The doctor's report.
struct Report: Codable, Sendable {
    var url: String
    var `protocol`: String
    var seconds: Double
    var findings: [Finding]
    var failed: Bool { findings.contains { $0.status == .failure } }

    func json() -> String {
        struct Output: Codable {
            var url: String
            var `protocol`: String
            var seconds: Double
            var failed: Bool
            var findings: [Finding]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try? encoder.encode(
            Output(url: url, protocol: `protocol`, seconds: seconds, failed: failed, findings: findings)
        )
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    func text(colour: Bool) -> String {
        var lines = ["sse doctor \(url) (\(`protocol`), watched \(String(format: "%.0f", seconds)) s)", ""]
        for finding in findings {
            let label: String
            switch finding.status {
            case .pass: label = colour ? "\u{1B}[32mpass   \u{1B}[0m" : "pass   "
            case .warning: label = colour ? "\u{1B}[33mwarning\u{1B}[0m" : "warning"
            case .failure: label = colour ? "\u{1B}[31mFAILURE\u{1B}[0m" : "FAILURE"
            }
            lines.append(
                "\(label)  \(finding.check.padding(toLength: 16, withPad: " ", startingAt: 0)) \(finding.summary)"
            )
            for evidence in finding.evidence {
                lines.append("                           \(evidence)")
            }
            if let fix = finding.fix {
                lines.append("                           fix: \(fix)")
            }
        }
        let count = { (status: Finding.Status) in findings.filter { $0.status == status }.count }
        lines.append("")
        lines.append("\(count(.pass)) passed, \(count(.warning)) warnings, \(count(.failure)) failures")
        return lines.joined(separator: "\n") + "\n"
    }
}

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

    // MARK: Resuming

    /// Reconnects with the ID of an event seen, and tells whether the server resumes after it,
    /// repeats it, starts over or ignores it.
    func resume(after plain: Probe.Observation) async -> Finding {
        let seen = plain.events.filter { $0.event.id != nil && $0.event.type != "sse-replay-unavailable" }
        guard !seen.isEmpty else {
            return Finding(
                check: "last-event-id",
                status: .warning,
                summary: plain.events.isEmpty
                    ? "no event seen, so resuming could not be tried"
                    : "events have no id: a browser that reconnects cannot say what it saw, and what came meanwhile is lost",
                fix: plain.events.isEmpty
                    ? "publish while the doctor runs"
                    : "give every event an id, and resume after the client's Last-Event-ID"
            )
        }
        let index = seen.count >= 2 ? seen.count - 2 : 0
        let given = seen[index].event.id!
        let bound = min(duration, .seconds(10))
        let resumed = await probe.observe(lastEventID: given, duration: bound, events: 1)
        guard let first = resumed.events.first?.event else {
            return Finding(
                check: "last-event-id",
                status: .warning,
                summary: "reconnected with Last-Event-ID: \(given); no event came in \(bound.milliseconds / 1000) s",
                evidence: resumed.failure.map { [$0] } ?? ["status \(resumed.status)"]
            )
        }
        let ids = seen.map { $0.event.id! }
        if first.type == "sse-replay-unavailable" {
            return Finding(
                check: "last-event-id",
                status: .pass,
                summary:
                    "reconnected with Last-Event-ID: \(given): the server said it cannot replay (\(first.data)), so the page can reload"
            )
        }
        guard let id = first.id, let position = ids.firstIndex(of: id) else {
            if seen.count >= 2 {
                return Finding(
                    check: "last-event-id",
                    status: .failure,
                    summary:
                        "Last-Event-ID ignored: reconnected with \(given), got \(first.id.map { "event \($0)" } ?? "an event without id"), not \(ids[index + 1]): what came meanwhile is lost",
                    fix:
                        "send the events after the Last-Event-ID the client sends (a replay log), or say that they are gone"
                )
            }
            return Finding(
                check: "last-event-id",
                status: .warning,
                summary:
                    "reconnected with \(given) and got \(first.id ?? "an event without id"): with one event seen, resuming cannot be judged",
                fix: "publish more events while the doctor runs"
            )
        }
        if position == index + 1 {
            return Finding(
                check: "last-event-id",
                status: .pass,
                summary: "resumes after Last-Event-ID: reconnected with \(given), got \(id) next"
            )
        }
        if position == index {
            return Finding(
                check: "last-event-id",
                status: .failure,
                summary: "repeats the last event: reconnected with \(given) and got it again",
                fix: "send the events after the Last-Event-ID, not from it"
            )
        }
        return Finding(
            check: "last-event-id",
            status: .failure,
            summary: "starts over: reconnected with \(given) and got \(id), which came before it",
            fix: "send the events after the Last-Event-ID the client sends"
        )
    }

    // MARK: CORS

    func cors(origin: String, stream: Probe.Observation) async -> Finding {
        var evidence: [String] = []
        var problems: [String] = []
        let allowed = stream.headers.first(name: "access-control-allow-origin")
        evidence.append("stream: Access-Control-Allow-Origin: \(allowed ?? "none")")
        if allowed != origin && allowed != "*" {
            problems.append("the stream's answer does not allow \(origin)")
        }
        guard let preflight = await probe.preflight(origin: origin) else {
            return Finding(
                check: "cors",
                status: .failure,
                summary: "the preflight (OPTIONS) got no answer",
                evidence: evidence,
                fix: "answer OPTIONS with the Access-Control-Allow-* fields"
            )
        }
        let allowOrigin = preflight.headers.first(name: "access-control-allow-origin")
        let allowHeaders = preflight.headers[canonicalForm: "access-control-allow-headers"].map { $0.lowercased() }
        evidence.append("preflight: \(preflight.status), Access-Control-Allow-Origin: \(allowOrigin ?? "none")")
        evidence.append(
            "preflight: Access-Control-Allow-Headers: \(allowHeaders.isEmpty ? "none" : allowHeaders.joined(separator: ", "))"
        )
        if !(200..<300).contains(preflight.status) {
            problems.append("the preflight answered \(preflight.status)")
        }
        if allowOrigin != origin && allowOrigin != "*" {
            problems.append("the preflight does not allow \(origin)")
        }
        if !allowHeaders.contains("last-event-id") && !allowHeaders.contains("*") {
            problems.append(
                "Last-Event-ID is not an allowed header: a client that sends it to resume (a polyfill, fetch) is refused"
            )
        }
        return problems.isEmpty
            ? Finding(
                check: "cors",
                status: .pass,
                summary: "\(origin) may read the stream and send Last-Event-ID",
                evidence: evidence
            )
            : Finding(
                check: "cors",
                status: .failure,
                summary: problems.joined(separator: "; "),
                evidence: evidence,
                fix: "allow the page's origin, and Last-Event-ID in Access-Control-Allow-Headers"
            )
    }

    // MARK: Concurrent streams

    /// Opens `count` streams at once and counts those whose head came within 10 s.
    func concurrentStreams(_ count: Int, version: String) async -> Finding {
        let opened = Counter()
        let deadline = ContinuousClock.now + .seconds(10)
        let probe = self.probe
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                while opened.value < count, ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(50))
                }
                return true
            }
            for _ in 0..<count {
                group.addTask {
                    var request = HTTPClientRequest(url: probe.url)
                    request.method = HTTPMethod(rawValue: probe.method.rawValue)
                    request.headers.add(name: "Accept", value: "text/event-stream")
                    for field in probe.fields {
                        request.headers.add(name: field.name.rawName, value: field.value)
                    }
                    guard let response = try? await probe.client.execute(request, timeout: .seconds(10)),
                        response.status == .ok
                    else {
                        return false
                    }
                    _ = opened.increment()
                    // Held open until every stream was tried.
                    try? await Task.sleep(until: deadline)
                    _ = response.status
                    return false
                }
            }
            while let watcherDone = await group.next() {
                if watcherDone {
                    group.cancelAll()
                }
            }
        }
        let streams = opened.value
        return streams == count
            ? Finding(check: "connections", status: .pass, summary: "\(count) streams open at once over \(version)")
            : Finding(
                check: "connections",
                status: .failure,
                summary: "only \(streams) of \(count) streams opened over \(version) within 10 s: the rest waited",
                fix: version == "HTTP/2"
                    ? "raise the server's (or proxy's) maximum concurrent streams per connection"
                    : "raise the connection limit of the server or proxy, or serve HTTP/2"
            )
    }
}
#endif
