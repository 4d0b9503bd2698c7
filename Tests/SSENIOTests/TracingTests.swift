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
import InMemoryTracing
import SSECodec
import SSENIO
import SSENIOCore
import SSEServerTestSupport
import SSEStreaming
import SSETestSupport
import Testing
import Tracing

@Suite("Tracing: a publish's span reaches the spans of its deliveries")
struct TracingTests {
    @Test(
        "The stream's span continues the trace its request carried and ends with its close reason; each write's span links to the publish span of its events, a child of the publisher's span"
    )
    func spans() async throws {
        let tracer = InMemoryTracer()
        let tracing = SSETracing(tracer: tracer)
        var broadcasting = SSEBroadcaster.Configuration()
        broadcasting.heartbeat = nil
        tracing.trace(&broadcasting)
        let broadcaster = SSEBroadcaster(configuration: broadcasting)
        var configuration = SSEServer.Configuration(port: 0)
        configuration.stream.tracing = tracing
        var router = SSERouter()
        router.get("/rooms/:room/events") { request in
            .stream(broadcaster.subscribe(to: [request.parameters["room"] ?? ""]))
        }
        let server = try await TestServer.start(configuration, router: router)
        // The page's trace, as its request carries it (the in-memory tracer's own fields; a W3C
        // instrument reads `traceparent`).
        let reader = try Child([
            "curl", "-sN", "-H", "\(InMemoryTracer.traceIDKey): trace-of-the-page",
            "-H", "\(InMemoryTracer.spanIDKey): span-of-the-page", "http://127.0.0.1:\(server.port)/rooms/a/events",
        ])
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        // The publisher's span, as a tracing middleware makes one for a publish request.
        let request = tracer.startSpan("POST /rooms/a/messages")
        try ServiceContext.withValue(request.context) {
            _ = try broadcaster.publish(ServerSentEvent(data: "hello"), to: "a")
        }
        request.end()
        var output = ""
        #expect(try await reader.receive("data: hello\n", into: &output))
        reader.kill()
        let spans = { tracer.finishedSpans }
        #expect(await eventually { spans().contains { $0.operationName == "sse.stream" } })

        let requestSpan = try #require(spans().first { $0.operationName == "POST /rooms/a/messages" })
        let publish = try #require(spans().first { $0.operationName == "sse.publish" })
        #expect(publish.kind == .producer)
        #expect(publish.traceID == requestSpan.traceID && publish.parentSpanID == requestSpan.spanID)

        let stream = try #require(spans().first { $0.operationName == "sse.stream" })
        #expect(stream.traceID == "trace-of-the-page" && stream.parentSpanID == "span-of-the-page")
        #expect(stream.kind == .server)
        #expect(stream.attributes["http.route"]?.toSpanAttribute() == .string("/rooms/:room/events"))
        #expect(stream.attributes["sse.close_reason"]?.toSpanAttribute() == .string("client_gone"))
        #expect(stream.attributes["sse.events_written"]?.toSpanAttribute() == .int64(1))

        let deliveries = spans().filter { $0.operationName == "sse.deliver" }
        #expect(deliveries.count == 1)
        let delivery = try #require(deliveries.first)
        #expect(delivery.traceID == stream.traceID && delivery.parentSpanID == stream.spanID)
        #expect(delivery.attributes["sse.events"]?.toSpanAttribute() == .int64(1))
        #expect(delivery.links.compactMap { $0.context.inMemorySpanContext?.spanID } == [publish.spanID])
        await server.stop()
    }

    @Test("Off by default: a broadcaster not traced keeps no context, and an untraced server starts no span")
    func offByDefault() async throws {
        let tracer = InMemoryTracer()
        var broadcasting = SSEBroadcaster.Configuration()
        broadcasting.heartbeat = nil
        let broadcaster = SSEBroadcaster(configuration: broadcasting)
        let subscription = broadcaster.subscribe(to: ["a"])
        let request = tracer.startSpan("POST /rooms/a/messages")
        try ServiceContext.withValue(request.context) {
            _ = try broadcaster.publish(ServerSentEvent(data: "hello"), to: "a")
        }
        request.end()
        var report = SSEBroadcaster.Subscription.DeliveryReport(collectsContexts: true)
        let polled = try subscription.poll(onReady: {}, report: &report, { _ in })
        #expect(polled == .delivered)
        #expect(report.chunks == 1 && report.contexts.isEmpty)
        #expect(tracer.finishedSpans.map(\.operationName) == ["POST /rooms/a/messages"])
    }
}
#endif
