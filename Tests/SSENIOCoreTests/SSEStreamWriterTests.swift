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

    @Test("Metrics: the stream counted while open, every chunk and byte written, the close counted once")
    func metrics() throws {
        let factory = TestMetrics()
        let metrics = SSEMetrics(factory: factory)
        var writer = try SSEStreamWriter(
            gzip: nil,
            prefix: Array(": p\n\n".utf8),
            replayUnavailable: .tooOld,
            allocator: ByteBufferAllocator(),
            metrics: metrics
        )
        #expect(try factory.expectMeter("sse_streams").lastValue == 1)
        #expect(try factory.expectCounter("sse_replay_misses_total", [("reason", "too-old")]).totalValue == 1)
        #expect(try factory.expectCounter("sse_replay_misses_total", [("reason", "unknown")]).totalValue == 0)
        _ = try writer.takeBatch()
        writer.append(Array("data: a\n\n".utf8))
        writer.append(Array("data: b\n\n".utf8))
        _ = try writer.takeBatch()
        #expect(try factory.expectCounter("sse_events_written_total").totalValue == 2)
        #expect(try factory.expectCounter("sse_bytes_written_total").totalValue == 5 + 18)
        writer.close(reason: .clientGone)
        writer.close(reason: .tooSlow)
        #expect(try factory.expectMeter("sse_streams").lastValue == 0)
        #expect(try factory.expectCounter("sse_streams_closed_total", [("reason", "client_gone")]).totalValue == 1)
        #expect(try factory.expectCounter("sse_streams_closed_total", [("reason", "too_slow")]).totalValue == 0)
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
