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

import Benchmark
import CHeapStatistics
import SSECodec
import SSEStreaming
import Synchronization

/// Events received by all subscribers per second, measured from the first publish until every
/// subscriber has received the last event.
private let deliveriesPerSecond = BenchmarkMetric.custom(
    "deliveries/s",
    polarity: .prefersLarger,
    useScalingFactor: false
)

/// Heap bytes held per subscriber, from malloc's own statistics.
private let bytesPerSubscriber = BenchmarkMetric.custom(
    "heap bytes/subscriber",
    polarity: .prefersSmaller,
    useScalingFactor: false
)

private let subscriberCount = 10_000
private let eventCount = 1_000

private func configuration() -> SSEBroadcaster.Configuration {
    var configuration = SSEBroadcaster.Configuration()
    configuration.heartbeat = nil
    return configuration
}

private func heapInUse() -> Int {
    Int(c_heap_statistics_bytes_in_use())
}

/// A task per subscriber, each parked in `next()` once `ready` reaches the subscriber count.
private func startConsumers(
    _ broadcaster: SSEBroadcaster,
    count: Int,
    events: Int
) async -> (tasks: [Task<Int, any Error>], ready: Ready) {
    let ready = Ready()
    let tasks = (0..<count).map { _ in
        let subscription = broadcaster.subscribe(to: ["ticker"])
        // Detached: on the global executor, as a server's connection handlers are, whatever the
        // benchmark closure's isolation.
        return Task.detached {
            var received = 0
            var bytes = 0
            ready.count.add(1, ordering: .relaxed)
            for try await chunk in subscription {
                received += 1
                bytes &+= chunk.count
                if received == events {
                    break
                }
            }
            precondition(received == events, "a subscriber missed events")
            return bytes
        }
    }
    while ready.count.load(ordering: .relaxed) < count {
        await Task.yield()
    }
    // Let the last ones reach their first `next()` and park.
    try? await Task.sleep(for: .milliseconds(50))
    return (tasks, ready)
}

private final class Ready: Sendable {
    let count = Atomic(0)
}

let benchmarks: @Sendable () -> Void = {
    // Times vary with the machine and the scheduler; memory per subscriber must not grow.
    let thresholds: [BenchmarkMetric: BenchmarkThresholds] = [
        .wallClock: .init(relative: [.p50: 25.0]),
        deliveriesPerSecond: .init(relative: [.p50: 25.0]),
        .mallocCountTotal: .init(relative: [.p50: 5.0]),
        .peakMemoryResident: .init(relative: [.p50: 20.0]),
        bytesPerSubscriber: .init(relative: [.p50: 5.0]),
    ]

    // The issue's fan-out: 1 publisher, 10,000 subscribers, 1,000 events of 64 bytes of data.
    let data = String(repeating: "x", count: 64)
    Benchmark(
        "Broadcaster_fanOut_10000_subscribers_1000_events",
        configuration: .init(
            metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident, deliveriesPerSecond],
            warmupIterations: 1,
            maxDuration: .seconds(10),
            maxIterations: 10,
            thresholds: thresholds
        )
    ) { benchmark in
        let broadcaster = SSEBroadcaster(configuration: configuration())
        let (tasks, _) = await startConsumers(broadcaster, count: subscriberCount, events: eventCount)
        let start = ContinuousClock.now
        benchmark.startMeasurement()
        for _ in 0..<eventCount {
            try broadcaster.publish(ServerSentEvent(data: data), to: "ticker")
        }
        var bytes = 0
        for task in tasks {
            bytes &+= try await task.value
        }
        benchmark.stopMeasurement()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        benchmark.measurement(deliveriesPerSecond, Int(Double(subscriberCount * eventCount) / seconds))
        blackHole(bytes)
    }

    // Memory of idle subscribers: registered only, and each with a task parked in `next()` (as a
    // server's connection handler would be).
    for withTasks in [false, true] {
        Benchmark(
            "Broadcaster_idle_subscriber_memory_\(withTasks ? "withParkedTask" : "registered")",
            configuration: .init(metrics: [bytesPerSubscriber], maxIterations: 5, thresholds: thresholds)
        ) { benchmark in
            let broadcaster = SSEBroadcaster(configuration: configuration())
            let before = heapInUse()
            if withTasks {
                let (tasks, _) = await startConsumers(broadcaster, count: subscriberCount, events: 1)
                benchmark.measurement(bytesPerSubscriber, (heapInUse() - before) / subscriberCount)
                try broadcaster.shutDown(finalEvent: ServerSentEvent(data: "bye"))
                for task in tasks {
                    _ = try await task.value
                }
            } else {
                let subscriptions = (0..<subscriberCount).map { _ in broadcaster.subscribe(to: ["ticker"]) }
                benchmark.measurement(bytesPerSubscriber, (heapInUse() - before) / subscriberCount)
                blackHole(subscriptions)
            }
        }
    }
}
