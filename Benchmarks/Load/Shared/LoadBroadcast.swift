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

// What every load-test server shares: the broadcaster, and the burst that `POST /broadcast`
// starts: M events of B bytes of data published as fast as possible, each starting with the
// wall-clock time it was published (nanoseconds, 19 digits), so that the load generator can
// measure latency on the same machine.
public import SSECodec
public import SSEStreaming

#if canImport(Glibc)
import Glibc
#endif

public enum LoadBroadcast {
    /// The broadcaster: plain numeric IDs, one topic (`load`).
    public static let broadcaster: SSEBroadcaster = {
        var configuration = SSEBroadcaster.Configuration()
        configuration.idPrefix = ""
        return SSEBroadcaster(configuration: configuration)
    }()

    /// A subscription for one `GET /events`.
    public static func subscribe(lastEventID: String?) -> SSEBroadcaster.Subscription {
        broadcaster.subscribe(to: ["load"], lastEventID: lastEventID)
    }

    /// Starts publishing `count` events of `size` bytes (default 1,000 of 64) and returns at once;
    /// it first waits for `after` subscribers, if given, and with `end` it ends every stream
    /// after the last event (for a load generator that counts finished requests, such as h2load).
    public static func startBurst(count: Int?, size: Int?, after: Int? = nil, end: Bool = false) -> String {
        let count = count ?? 1_000
        let size = size ?? 64
        Task {
            while broadcaster.subscriberCount < after ?? 0 {
                try await Task.sleep(for: .milliseconds(1))
            }
            defer {
                if end {
                    try? broadcaster.shutDown()
                }
            }
            for _ in 0..<count {
                let stamp = String(wallClockNanoseconds())
                let data = stamp + " " + String(repeating: "x", count: max(0, size - stamp.count - 1))
                try broadcaster.publish(ServerSentEvent(data: data), to: "load")
            }
        }
        return "publishing \(count)\n"
    }

    /// One connection's own stream for `GET /own?count=N&size=B`: `count` events of `size` bytes
    /// of data (default 50,000 of 64), made as fast as the connection takes them.
    public static func ownEvents(count: Int?, size: Int?) -> OwnEvents {
        OwnEvents(count: count ?? 50_000, size: size ?? 64)
    }

    /// The same stream with an iterator that implements only `next()`, as most hand-written
    /// iterators (and many library sequences) do: nonisolated, so where it runs is up to the server.
    public static func plainOwnEvents(count: Int?, size: Int?) -> PlainOwnEvents {
        PlainOwnEvents(count: count ?? 50_000, size: size ?? 64)
    }

    /// The same stream as an `AsyncStream` whose producer is asked for each event.
    public static func ownEventStream(count: Int?, size: Int?) -> AsyncStream<ServerSentEvent> {
        var iterator = OwnEvents(count: count ?? 50_000, size: size ?? 64).makeAsyncIterator()
        return AsyncStream(unfolding: { iterator.produce() })
    }

    /// The port from the command line (default 8080).
    public static var port: Int {
        CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 8080
    }

    /// Tells run.sh that the server listens.
    public static func announce(port: Int, server: String) {
        print("\(server): listening on 127.0.0.1:\(port)")
        fflush(nil)
    }

    private static func wallClockNanoseconds() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time.tv_sec * 1_000_000_000 + time.tv_nsec
    }
}

/// A per-connection stream of events that never waits: what an AI answer looks like to the server
/// when the model is faster than the client.
public struct OwnEvents: AsyncSequence, Sendable {
    public typealias Element = ServerSentEvent
    public typealias Failure = Never

    let count: Int
    let data: String

    init(count: Int, size: Int) {
        self.count = count
        data = String(repeating: "x", count: size)
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(remaining: count, data: data)
    }

    public struct Iterator: AsyncIteratorProtocol {
        var remaining: Int
        var next = 1
        let data: String

        public mutating func next() async -> ServerSentEvent? {
            produce()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async -> ServerSentEvent? {
            produce()
        }

        mutating func produce() -> ServerSentEvent? {
            guard remaining > 0 else {
                return nil
            }
            remaining -= 1
            defer { next += 1 }
            return ServerSentEvent(data: data, id: String(next))
        }
    }
}

/// ``OwnEvents`` with an iterator that implements only `next()`.
public struct PlainOwnEvents: AsyncSequence, Sendable {
    public typealias Element = ServerSentEvent
    public typealias Failure = Never

    let events: OwnEvents

    init(count: Int, size: Int) {
        events = OwnEvents(count: count, size: size)
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(base: events.makeAsyncIterator())
    }

    public struct Iterator: AsyncIteratorProtocol {
        var base: OwnEvents.Iterator

        public mutating func next() async -> ServerSentEvent? {
            base.produce()
        }
    }
}
