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
import SSECodec
import SSENIOCore
import Synchronization
import Testing

/// `SSEStreamBody.write` as the adapters use it, without a server.
@Suite("Stream body")
struct SSEStreamBodyTests {
    final class Released: Sendable {
        let iterators = Atomic(0)
        let pulled = Atomic(0)
    }

    /// Endless events; counts the iterators released.
    struct Endless: AsyncSequence, Sendable {
        let released: Released

        final class AsyncIterator: AsyncIteratorProtocol {
            let released: Released

            init(released: Released) {
                self.released = released
            }

            func next() async -> ServerSentEvent? {
                released.pulled.add(1, ordering: .relaxed)
                return ServerSentEvent(data: String(repeating: "x", count: 512))
            }

            deinit {
                released.iterators.add(1, ordering: .relaxed)
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(released: released) }
    }

    struct Gone: Error {}

    @Test("When the writer fails (the client went), the source's task ends and releases the source")
    func writerFailureEndsThePull() async throws {
        let released = Released()
        let body = SSEStreamBody.events(Endless(released: released))
        await #expect(throws: Gone.self) {
            try await body.write(gzip: nil, heartbeat: nil) { _ in
                // The client is gone once the source has filled the gathering buffer (16 KiB of
                // 512-byte events) and waits for room.
                for _ in 0..<30_000 where released.pulled.load(ordering: .relaxed) < 32 {
                    try await Task.sleep(for: .milliseconds(1))
                }
                throw Gone()
            }
        }
        var ended = false
        for _ in 0..<3_000 where !ended {
            ended = released.iterators.load(ordering: .relaxed) == 1
            if !ended {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        #expect(ended)
    }

    @Test("Every event reaches the writer, in order, encoded")
    func gathers() async throws {
        let events = (1...1_000).map { ServerSentEvent(data: "event \($0)", id: String($0)) }
        let body = SSEStreamBody.events(
            AsyncStream { continuation in
                for event in events {
                    continuation.yield(event)
                }
                continuation.finish()
            }
        )
        var writes = 0
        var bytes: [UInt8] = []
        try await body.write(gzip: nil, heartbeat: nil) { buffer in
            writes += 1
            bytes += buffer.readableBytesView
        }
        var expected: [UInt8] = []
        for event in events {
            try SSEEncoder().encode(event, into: &expected)
        }
        #expect(bytes == expected)
        #expect(writes >= 1 && writes <= events.count)
    }
}
#endif
