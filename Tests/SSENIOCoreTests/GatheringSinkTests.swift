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
import NIOCore
@testable import SSENIOCore
import Testing

/// The adapters' hand-over between a pulled source and the writer task, without a loop (the
/// global-executor path; the scenario suites run the loop path through Hummingbird and Vapor).
@Suite("Gathering sink")
struct GatheringSinkTests {
    @Test("A chunk wakes a waiting writer; chunks that came meanwhile are taken together; the end is nil")
    func handOver() async throws {
        let sink = GatheringSink(allocator: ByteBufferAllocator(), limit: 64, eventLoop: nil)
        let writer = Task { try await sink.take() }
        #expect(sink.emit([1, 2, 3]))
        let first = try #require(try await writer.value)
        #expect(Array(first.bytes.readableBytesView) == [1, 2, 3])
        #expect(first.chunks == 1)
        #expect(sink.emit([4]))
        #expect(sink.emit([5]))
        let second = try #require(try await sink.take())
        #expect(Array(second.bytes.readableBytesView) == [4, 5])
        #expect(second.chunks == 2)
        sink.tick()
        let tick = try #require(try await sink.take())
        #expect(tick.ticked && tick.chunks == 0)
        sink.finish(nil)
        #expect(try await sink.take() == nil)
    }

    @Test("A full buffer makes the source wait until the writer takes; cancelled, the wait ends at once")
    func backPressure() async throws {
        let sink = GatheringSink(allocator: ByteBufferAllocator(), limit: 4, eventLoop: nil)
        #expect(!sink.emit([1, 2, 3, 4]))
        let source = Task { try await sink.waitUntilWritable() }
        let taken = try #require(try await sink.take())
        #expect(taken.chunks == 1)
        try await source.value

        #expect(!sink.emit([5, 6, 7, 8]))
        let cancelled = Task { try await sink.waitUntilWritable() }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
    }

    @Test("The source's error reaches the writer after what it gathered")
    func sourceError() async throws {
        struct Failed: Error {}
        let sink = GatheringSink(allocator: ByteBufferAllocator(), limit: 64, eventLoop: nil)
        #expect(sink.emit([1]))
        sink.finish(Failed())
        #expect(try await sink.take()?.chunks == 1)
        await #expect(throws: Failed.self) { try await sink.take() }
    }
}
#endif
