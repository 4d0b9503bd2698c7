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
public import InMemoryLogging
public import Logging
public import MetricsTestKit
public import SSENIOCore
public import InMemoryTracing
import SSECodec
import SSEStreaming
import SSETestSupport
import Tracing

/// Where an adapter under test logs and counts: swift-log's and swift-metrics' test handlers, read
/// back by ``Scenarios/streamsAreLoggedAndCounted(_:)``.
public final class Observation: Sendable {
    public let logs = InMemoryLogHandler()
    public let metrics = TestMetrics()
    public let streamMetrics: SSEMetrics
    public let tracer = InMemoryTracer()

    public init() {
        streamMetrics = SSEMetrics(factory: metrics)
    }

    /// A logger that writes into ``logs``, for the application (its requests' loggers derive from it).
    public var logger: Logger {
        let logs = self.logs
        return Logger(label: "SSETestSupport") { _ in logs }
    }

    /// A stream configuration that reports into ``metrics``.
    public var streamConfiguration: SSEStreamConfiguration {
        var configuration = SSEStreamConfiguration()
        configuration.metrics = streamMetrics
        configuration.tracing = SSETracing(tracer: tracer)
        return configuration
    }
}

extension Scenarios {
    /// Starts a server for a fixture whose `/events` streams report into the observation.
    public typealias ObservedStart =
        @Sendable (_ fixture: Fixture, _ observation: Observation) async throws -> any ServerUnderTest

    /// An adapter's streams are counted (open streams, events and bytes written, replay misses,
    /// subscribers cut for slowness), and a cut subscriber is logged with its request's method and
    /// path, through the application's logger.
    public static func streamsAreLoggedAndCounted(_ start: ObservedStart) async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let observation = Observation()
        let metrics = observation.metrics
        let server = try await start(fixture, observation)
        // Every stream metric carries the route's pattern, the same from every server.
        let route = [("route", "/events")]
        let first = try broadcaster.publish(ServerSentEvent(data: "first"), to: "news")

        // A long poll from the newest event waits, counted as waiting, until the next publish
        // answers it: counted by outcome.
        let updates = [("route", "/updates")]
        let answered = try Child(["curl", "-s", server.url("/updates?transport=poll&lastEventId=\(first)")])
        try check(await eventually { (try? metrics.expectMeter("sse_long_polls", updates).lastValue) == 1 })
        try broadcaster.publish(ServerSentEvent(data: "for the poll"), to: "news")
        try check(try await blocking { answered.readToEnd() }.contains("data: for the poll\n"))
        try check(await eventually { (try? metrics.expectMeter("sse_long_polls", updates).lastValue) == 0 })
        try check(
            try metrics.expectCounter("sse_long_polls_total", updates + [("outcome", "events")]).totalValue == 1
        )

        // A stream that resumes from an ID the log never had: a replay miss; its events are counted.
        let reader = try Child(["curl", "-sN", "-H", "Last-Event-ID: 999", server.url("/events")])
        var output = ""
        try check(try await reader.receive(SSEBroadcaster.replayUnavailableEventType, into: &output))
        try broadcaster.publish(ServerSentEvent(data: "second"), to: "news")
        try check(try await reader.receive("data: second\n", into: &output))
        try check(try metrics.expectCounter("sse_replay_misses_total", route + [("reason", "unknown")]).totalValue == 1)
        try check(
            await eventually { (try? metrics.expectCounter("sse_events_written_total", route).totalValue) ?? 0 >= 2 }
        )
        try check(try metrics.expectCounter("sse_bytes_written_total", route).totalValue >= Int64(output.utf8.count))
        try check(try metrics.expectMeter("sse_streams", route).lastValue == 1)
        // Each write of live events timed from their publish (the replayed event not counted).
        try check(try metrics.expectTimer("sse_delivery_latency_seconds", route).values.count >= 1)
        reader.kill()
        try check(await eventually { (try? metrics.expectMeter("sse_streams", route).lastValue) == 0 })
        let closedBy = { @Sendable (reason: String) in
            (try? metrics.expectCounter("sse_streams_closed_total", route + [("reason", reason)]).totalValue) ?? 0
        }
        try check(await eventually { closedBy("client_gone") == 1 }, "a client that went: client_gone")
        // Traced: the stream's span, ended with its reason, and its writes' spans under it.
        let streamSpan = await eventually {
            observation.tracer.finishedSpans.contains { $0.operationName == "sse.stream" }
        }
        try check(streamSpan, "no sse.stream span")
        let spans = observation.tracer.finishedSpans
        guard let stream = spans.first(where: { $0.operationName == "sse.stream" }) else {
            throw ScenarioFailure(description: "no sse.stream span")
        }
        try check(stream.attributes["http.route"]?.toSpanAttribute() == .string("/events"))
        try check(stream.attributes["sse.close_reason"]?.toSpanAttribute() == .string("client_gone"))
        try check(spans.contains { $0.operationName == "sse.deliver" && $0.parentSpanID == stream.spanID })

        // A subscriber that stops reading falls behind by more than its queue (1 MiB): 32 MB are
        // published, far beyond the socket buffers. When it reads again it is cut: counted and logged.
        let stalled = try RawConnection(port: server.port)
        stalled.send("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        try check(await eventually { broadcaster.subscriberCount == 1 })
        let payload = String(repeating: "x", count: 16 * 1024)
        for _ in 0..<2_000 {
            try broadcaster.publish(ServerSentEvent(data: payload), to: "news")
        }
        _ = try await blocking { stalled.drain() }
        try check(await eventually { (try? metrics.expectCounter("sse_subscribers_cut_total", route).totalValue) == 1 })
        try check(await eventually { closedBy("too_slow") == 1 }, "a subscriber cut: too_slow")
        let isCut: @Sendable (InMemoryLogHandler.Entry) -> Bool = {
            $0.message.description.contains("subscriberTooSlow")
        }
        try check(await eventually { observation.logs.entries.contains(where: isCut) })
        let cut = observation.logs.entries.first(where: isCut)
        try check(cut?.metadata["http.method"] == "GET", "\(String(describing: cut))")
        try check(cut?.metadata["http.path"] == "/events", "\(String(describing: cut))")
        stalled.close()
        try check(await eventually { (try? metrics.expectMeter("sse_streams", route).lastValue) == 0 })
        await server.stop()
    }
}
#endif
