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
import MetricsTestKit
import NIOCore
import SSECodec
import SSECompression
@testable import SSENIOCore
import SSEStreaming
import Testing

/// The one stream writer every server drives, alone: batches, prefix, heartbeats, gzip, metrics.
@Suite("Stream writer")
struct SSEStreamWriterTests {
    static func bytes(_ buffer: ByteBuffer?) -> String {
        buffer.map { String(buffer: $0) } ?? ""
    }

    @Test("Chunks appended together go out as one batch, after the prefix; nothing pending is no batch")
    func batches() throws {
        var writer = try SSEStreamWriter(
            gzip: nil,
            prefix: Array("retry: 10\n\n".utf8),
            allocator: ByteBufferAllocator(),
            metrics: nil
        )
        let prefix = Self.bytes(try writer.takeBatch())
        #expect(prefix == "retry: 10\n\n")
        let nothing = try writer.takeBatch()
        #expect(nothing == nil)
        writer.append(Array("data: a\n\n".utf8))
        writer.append(Array("data: b\n\n".utf8))
        let pending = writer.pendingBytes
        #expect(pending == 18)
        let batch = Self.bytes(try writer.takeBatch())
        #expect(batch == "data: a\n\ndata: b\n\n")
        let pendingAfterBatch = writer.pendingBytes
        #expect(pendingAfterBatch == 0)
        let last = try writer.finish()
        #expect(last == nil)
    }

    @Test("A heartbeat goes out only after a tick interval with nothing else")
    func heartbeats() throws {
        var writer = try SSEStreamWriter(gzip: nil, allocator: ByteBufferAllocator(), metrics: nil)
        writer.append(Array("data: a\n\n".utf8))
        let tickedAfterEvent = writer.tick()
        #expect(!tickedAfterEvent)
        _ = try writer.takeBatch()
        let tickedWhenQuiet = writer.tick()
        #expect(tickedWhenQuiet)
        let heartbeat = Self.bytes(try writer.takeBatch())
        #expect(heartbeat == ":\n")
        let tickedAgain = writer.tick()
        #expect(tickedAgain)
    }

    @Test("With gzip, every batch decodes on arrival, and the trailer ends the member")
    func gzip() throws {
        var writer = try SSEStreamWriter(
            gzip: SSEGzipEncoder.Configuration(),
            prefix: Array(": hello\n\n".utf8),
            allocator: ByteBufferAllocator(),
            metrics: nil
        )
        var decoder = try SSEGzipDecoder()
        var decoded: [UInt8] = []
        func receive(_ buffer: ByteBuffer?) throws {
            let compressed = try #require(buffer)
            try decoder.decompress(Array(compressed.readableBytesView)) { decoded += $0 }
        }
        try receive(try writer.takeBatch())
        #expect(String(decoding: decoded, as: UTF8.self) == ": hello\n\n")
        writer.append(Array("data: a\n\n".utf8))
        try receive(try writer.takeBatch())
        #expect(String(decoding: decoded, as: UTF8.self) == ": hello\n\ndata: a\n\n")
        writer.append(Array("data: b\n\n".utf8))
        try receive(try writer.finish())
        #expect(String(decoding: decoded, as: UTF8.self) == ": hello\n\ndata: a\n\ndata: b\n\n")
        try decoder.finish()
    }

    @Test("Metrics: the stream counted while open, by route, every chunk and byte written, the close counted once")
    func metrics() throws {
        let factory = TestMetrics()
        let metrics = SSEMetrics(factory: factory)
        let route = [("route", "/rooms/:room/events")]
        var writer = try SSEStreamWriter(
            gzip: nil,
            prefix: Array(": p\n\n".utf8),
            replayUnavailable: .tooOld,
            allocator: ByteBufferAllocator(),
            metrics: metrics.streams(route: "/rooms/:room/events")
        )
        #expect(try factory.expectMeter("sse_streams", route).lastValue == 1)
        #expect(try factory.expectCounter("sse_replay_misses_total", route + [("reason", "too-old")]).totalValue == 1)
        #expect(try factory.expectCounter("sse_replay_misses_total", route + [("reason", "unknown")]).totalValue == 0)
        _ = try writer.takeBatch()
        writer.append(Array("data: a\n\n".utf8))
        writer.append(Array("data: b\n\n".utf8))
        _ = try writer.takeBatch()
        #expect(try factory.expectCounter("sse_events_written_total", route).totalValue == 2)
        #expect(try factory.expectCounter("sse_bytes_written_total", route).totalValue == 5 + 18)
        writer.close(reason: .clientGone)
        writer.close(reason: .tooSlow)
        #expect(try factory.expectMeter("sse_streams", route).lastValue == 0)
        #expect(
            try factory.expectCounter("sse_streams_closed_total", route + [("reason", "client_gone")]).totalValue == 1
        )
        #expect(try factory.expectCounter("sse_streams_closed_total", route + [("reason", "too_slow")]).totalValue == 0)
        // One set of metrics per route, made once.
        #expect(throws: (any Error).self) { try factory.expectMeter("sse_streams") }
    }

    @Test(
        "Metrics: events dropped by overflow and skipped by coalescing are counted by reason, and each write's wait since publish is timed",
        arguments: [false, true]
    )
    func drops(polled: Bool) async throws {
        let factory = TestMetrics()
        let metrics = SSEMetrics(factory: factory).streams(route: "/feed")
        let route = [("route", "/feed")]
        var configuration = SSEBroadcaster.Configuration()
        configuration.maximumQueuedEvents = 3
        configuration.overflowPolicy = .coalesce
        configuration.heartbeat = nil
        let broadcaster = SSEBroadcaster(configuration: configuration)
        let subscription = broadcaster.subscribe(to: ["t"])
        // Five of one key in a window of three: two fall out of it (overflow), and of the three
        // left, the two older are skipped for the newest (coalesced).
        for value in 1...5 {
            try broadcaster.publish(ServerSentEvent(data: "\(value)"), to: "t", coalescingKey: "price")
        }
        var writer = try SSEStreamWriter(gzip: nil, allocator: ByteBufferAllocator(), metrics: metrics)
        var iterator = subscription.makeAsyncIterator()
        if polled {
            #expect(try writer.poll(subscription, onReady: {}) == .delivered)
        } else {
            #expect(try await writer.appendNextBatch(of: &iterator))
        }
        let written = Self.bytes(try writer.takeBatch())
        #expect(written.contains(#"data: {"dropped":2}"#) && written.contains("data: 5\n"))
        #expect(!written.contains("data: 4\n"))
        #expect(try factory.expectCounter("sse_events_dropped_total", route + [("reason", "overflow")]).totalValue == 2)
        #expect(
            try factory.expectCounter("sse_events_dropped_total", route + [("reason", "coalesced")]).totalValue == 2
        )
        let latency = try factory.expectTimer("sse_delivery_latency_seconds", route)
        #expect(latency.values.count == 1 && latency.values[0] >= 0)
    }

    @Test("A subscription polled into the writer: what is ready, then pending, then finished")
    func polledSubscription() throws {
        let broadcaster = SSEBroadcaster()
        let subscription = broadcaster.subscribe(to: ["t"])
        try broadcaster.publish(ServerSentEvent(data: "one", id: "1"), to: "t")
        try broadcaster.publish(ServerSentEvent(data: "two", id: "2"), to: "t")
        var writer = try SSEStreamWriter(gzip: nil, allocator: ByteBufferAllocator(), metrics: nil)
        let ready = try writer.poll(subscription, onReady: {})
        #expect(ready == .delivered)
        let delivered = Self.bytes(try writer.takeBatch())
        #expect(delivered == "id: 1\ndata: one\n\nid: 2\ndata: two\n\n")
        let quiet = try writer.poll(subscription, onReady: {})
        #expect(quiet == .pending)
        subscription.cancel()
        let ended = try writer.poll(subscription, onReady: {})
        #expect(ended == .finished)
    }
}
#endif
