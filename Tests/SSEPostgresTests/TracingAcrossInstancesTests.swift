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

#if PostgresSupport && NIOSupport
import InMemoryTracing
import SSECodec
import SSENIO
import SSENIOCore
import SSEPostgres
import SSEServerTestSupport
import SSEStreaming
import SSETestSupport
import Testing
import Tracing

extension SSEPostgresTests {
    /// Traces: a publish's span reaches the deliveries on every instance.
    @Suite("SSEPostgres: a publish's trace reaches the deliveries on every instance")
    struct TracingAcrossInstances {
        /// A broadcaster traced into `tracer`.
        static func traced(_ tracer: InMemoryTracer) -> (inout SSEPostgresBroadcaster.Configuration) -> Void {
            { configuration in SSETracing(tracer: tracer).trace(&configuration.broadcaster) }
        }

        @Test(
            "A publish request's trace on instance A reaches the deliveries on instance B through the database, inline and read from the table; a resume's look-up in the table is a span of the resuming request's trace"
        )
        func acrossInstances() async throws {
            let table = PostgresServer.table()
            // A tracer each: what B knows of A's spans came through the database.
            let tracerA = InMemoryTracer()
            let tracerB = InMemoryTracer()
            try await withBroadcaster(table: table, configure: Self.traced(tracerA)) { a in
                try await withBroadcaster(table: table, configure: Self.traced(tracerB)) { b in
                    var routerA = SSERouter()
                    routerA.post("/publish") { request in
                        .text(
                            try await a.publish(
                                ServerSentEvent(data: String(decoding: request.body, as: UTF8.self)),
                                to: "news"
                            )
                        )
                    }
                    var configurationA = SSEServer.Configuration(port: 0)
                    configurationA.stream.tracing = SSETracing(tracer: tracerA)
                    let serverA = try await TestServer.start(configurationA, router: routerA)
                    var routerB = SSERouter()
                    routerB.get("/events") { request in
                        .stream(b.broadcaster.subscribe(to: ["news"], lastEventID: request.lastEventID))
                    }
                    var configurationB = SSEServer.Configuration(port: 0)
                    configurationB.stream.tracing = SSETracing(tracer: tracerB)
                    let serverB = try await TestServer.start(configurationB, router: routerB)

                    let reader = try Child(["curl", "-sN", "http://127.0.0.1:\(serverB.port)/events"])
                    #expect(await eventually { b.broadcaster.subscriberCount == 1 })
                    // The publish request carries its trace (the in-memory tracer's own fields; a W3C
                    // instrument reads `traceparent`). The embedded server runs the route in it.
                    let large = String(repeating: "x", count: 9_000)
                    var ids: [String] = []
                    for data in ["small", large] {
                        let publish = try Child([
                            "curl", "-sf", "-X", "POST", "-H", "\(InMemoryTracer.traceIDKey): trace-of-the-publish",
                            "-H", "\(InMemoryTracer.spanIDKey): span-of-the-request", "--data-binary", data,
                            "http://127.0.0.1:\(serverA.port)/publish",
                        ])
                        ids.append(try await blocking { publish.readToEnd() })
                    }
                    var output = ""
                    #expect(try await reader.receive("data: small\n", into: &output))
                    #expect(try await reader.receive("data: \(large)\n", into: &output))

                    // A resume on B from before the first event: B's log does not have that ID, so the
                    // table is asked, in the resuming request's trace.
                    let epoch = try #require(ids.first?.split(separator: "-").first)
                    let resume = try Child([
                        "curl", "-sN", "-H", "Last-Event-ID: \(epoch)-0",
                        "-H", "\(InMemoryTracer.traceIDKey): trace-of-the-resume",
                        "-H", "\(InMemoryTracer.spanIDKey): span-of-the-resume",
                        "http://127.0.0.1:\(serverB.port)/events",
                    ])
                    var resumed = ""
                    #expect(try await resume.receive("data: \(large)\n", into: &resumed))
                    reader.kill()
                    resume.kill()
                    #expect(
                        await eventually {
                            tracerB.finishedSpans.filter { $0.operationName == "sse.stream" }.count == 2
                        }
                    )

                    // On A: a publish span per event, in the request's trace.
                    let publishes = tracerA.finishedSpans.filter { $0.operationName == "sse.publish" }
                    #expect(publishes.count == 2)
                    #expect(publishes.allSatisfy { $0.traceID == "trace-of-the-publish" })
                    #expect(publishes.allSatisfy { $0.parentSpanID == "span-of-the-request" })
                    // On B: no publish span of its own; its writes link to A's publish spans.
                    #expect(!tracerB.finishedSpans.contains { $0.operationName == "sse.publish" })
                    let firstStream = tracerB.finishedSpans.first {
                        $0.operationName == "sse.stream" && $0.traceID != "trace-of-the-resume"
                    }
                    let stream = try #require(firstStream)
                    let links = tracerB.finishedSpans.filter {
                        $0.operationName == "sse.deliver" && $0.parentSpanID == stream.spanID
                    }
                    .flatMap(\.links).compactMap { $0.context.inMemorySpanContext }
                    #expect(Set(links.map(\.spanID)) == Set(publishes.map(\.spanID)))
                    #expect(links.count == 2 && links.allSatisfy { $0.traceID == "trace-of-the-publish" })

                    // The look-up's span.
                    let replay = try #require(tracerB.finishedSpans.first { $0.operationName == "sse.replay" })
                    #expect(replay.traceID == "trace-of-the-resume" && replay.parentSpanID == "span-of-the-resume")
                    #expect(replay.attributes["sse.last_event_id"]?.toSpanAttribute() == .string("\(epoch)-0"))
                    #expect(replay.attributes["sse.replay.outcome"]?.toSpanAttribute() == .string("events"))
                    #expect(replay.attributes["sse.replay.events"]?.toSpanAttribute() == .int64(2))

                    // Both rows keep their context (the large event reached B from the table, with it).
                    let traces = try await PostgresServer.psql("SELECT count(*) FROM \(table) WHERE trace IS NOT NULL")
                    #expect(traces.split(whereSeparator: \.isNewline) == ["2"])
                    await serverA.stop()
                    await serverB.stop()
                }
            }
        }

        @Test("A table of an earlier version (no trace column) gets the column when a traced instance starts")
        func earlierTable() async throws {
            let table = PostgresServer.table()
            try await withBroadcaster(table: table) { events in
                _ = try await events.publish(ServerSentEvent(data: "before"), to: "news")
            }
            _ = try await PostgresServer.psql("ALTER TABLE \(table) DROP COLUMN trace")
            let tracer = InMemoryTracer()
            try await withBroadcaster(table: table, configure: Self.traced(tracer)) { events in
                var reader = EventReader(events.broadcaster.subscribe(to: ["news"]))
                let request = tracer.startSpan("POST /publish")
                try await ServiceContext.withValue(request.context) {
                    _ = try await events.publish(ServerSentEvent(data: "after"), to: "news")
                }
                request.end()
                #expect(try await reader.next()?.data == "after")
            }
            let rows = try await PostgresServer.psql(
                "SELECT convert_from(data, 'UTF8'), trace IS NOT NULL FROM \(table) ORDER BY id"
            )
            #expect(rows.split(whereSeparator: \.isNewline) == ["before|f", "after|t"])
        }
    }
}
#endif
