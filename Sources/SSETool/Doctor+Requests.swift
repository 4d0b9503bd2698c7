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

/// The checks that make requests of their own: a reconnection with an event's ID, a CORS
/// preflight, streams held open at once.
extension Examination {
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
