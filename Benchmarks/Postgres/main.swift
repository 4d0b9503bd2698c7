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

// SSEPostgres's benchmark: publish → deliver latency across three instances, each with its own
// PostgreSQL client and SUBSCRIBERS subscribers (1,000), at a steady RATE of events per second,
// beside the in-memory broadcaster with the same subscribers in the same run; then, for both, the
// highest rate of a ladder sustained: nothing lost, no publish failed, every event delivered
// within half a second of the run's end, p99 under one second.
//
//     sse-postgres-bench URL [RATE] [SECONDS] [SUBSCRIBERS]     # default: 1000 10 1000
//
// URL is postgres://USER@HOST:PORT/DATABASE (scripts/postgres-server.sh start prints one). Every
// subscriber counts every event; latency is sampled on 20 subscribers per instance (every event
// they receive), from the moment `publish` is called to the moment the event is read. One JSON
// line per measurement.
import Foundation
import Logging
import PostgresNIO
import SSECodec
import SSEPostgres
import SSEStreaming
import Synchronization

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: sse-postgres-bench postgres://USER@HOST:PORT/DATABASE [RATE] [SECONDS] [SUBSCRIBERS]")
    exit(64)
}
let rate = arguments.count > 2 ? Int(arguments[2]) ?? 1000 : 1000
let seconds = arguments.count > 3 ? Int(arguments[3]) ?? 10 : 10
let subscribersPerInstance = arguments.count > 4 ? Int(arguments[4]) ?? 1000 : 1000
let sampled = 20
let start = ContinuousClock.now

func postgresClient(_ url: String) -> PostgresClient {
    let rest = url.dropFirst("postgres://".count)
    let at = rest.firstIndex(of: "@")!
    let slash = rest.firstIndex(of: "/")!
    let hostPort = rest[rest.index(after: at)..<slash].split(separator: ":")
    let configuration = PostgresClient.Configuration(
        host: String(hostPort[0]),
        port: Int(hostPort[1]) ?? 5432,
        username: String(rest[..<at]),
        password: nil,
        database: String(rest[rest.index(after: slash)...]),
        tls: .disable
    )
    return PostgresClient(configuration: configuration)
}

/// Nanoseconds since the benchmark started.
func now() -> Int64 {
    let elapsed = start.duration(to: .now)
    return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
}

/// What the subscribers of one run saw.
final class Tally: Sendable {
    let received = Atomic<Int>(0)
    let latencies = Mutex<[Int64]>([])
    /// How long each publish took to return.
    let confirmations = Mutex<[Int64]>([])
}

/// Reads a subscription: counts every event (one chunk is one event: there are no heartbeats)
/// and, when sampled, decodes each one and records its latency (its data is the publish time).
/// Ends after `expected` events.
func read(_ subscription: SSEBroadcaster.Subscription, expected: Int, sampled: Bool, into tally: Tally) async {
    var decoder = SSEDecoder()
    var count = 0
    var latencies: [Int64] = []
    if sampled {
        latencies.reserveCapacity(expected)
    }
    do {
        for try await chunk in subscription {
            count += 1
            if sampled {
                let arrived = now()
                try decoder.decode(chunk) { output in
                    if case .event(let event) = output, let published = Int64(event.data) {
                        latencies.append(arrived - published)
                    }
                }
            }
            if count >= expected {
                break
            }
        }
    } catch {
        print("{\"error\":\"\(error)\"}")
    }
    tally.received.add(count, ordering: .relaxed)
    if sampled {
        tally.latencies.withLock { $0 += latencies }
    }
}

/// Publishes `rate` events a second for `seconds`, round robin over `publishers`, in ticks of 10 ms
/// (each publish its own task, as requests are); returns how many failed.
func publish(
    rate: Int,
    seconds: Int,
    _ publishers: [@Sendable (ServerSentEvent) async throws -> Void],
    into tally: Tally
) async -> Int {
    let failures = Counter()
    let perTick = max(1, rate / 100)
    let ticks = rate * seconds / perTick
    let tickStart = ContinuousClock.now
    await withDiscardingTaskGroup { group in
        for tick in 0..<ticks {
            try? await Task.sleep(until: tickStart + .milliseconds(10 * tick))
            for index in 0..<perTick {
                let publisher = publishers[(tick * perTick + index) % publishers.count]
                group.addTask {
                    do {
                        let published = now()
                        try await publisher(ServerSentEvent(data: String(published)))
                        let confirmed = now() - published
                        tally.confirmations.withLock { $0.append(confirmed) }
                    } catch {
                        failures.value.add(1, ordering: .relaxed)
                    }
                }
            }
        }
    }
    return failures.value.load(ordering: .relaxed)
}

final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

func percentile(_ sorted: [Int64], _ fraction: Double) -> Double {
    guard !sorted.isEmpty else {
        return .nan
    }
    return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]) / 1e6
}

/// One run: subscribers on `broadcasters`, events from `publishers`; prints a JSON line and
/// returns whether the rate was sustained.
func run(
    _ name: String,
    broadcasters: [SSEBroadcaster],
    publishers: [@Sendable (ServerSentEvent) async throws -> Void],
    rate: Int,
    seconds: Int,
    subscribers: Int
) async -> Bool {
    let tally = Tally()
    let perTick = max(1, rate / 100)
    let expected = rate * seconds / perTick * perTick
    let began = ContinuousClock.now
    let failures = await withTaskGroup(of: Int.self) { group in
        for broadcaster in broadcasters {
            for index in 0..<subscribers {
                let subscription = broadcaster.subscribe(to: ["bench"])
                group.addTask {
                    await read(subscription, expected: expected, sampled: index < sampled, into: tally)
                    return 0
                }
            }
        }
        group.addTask { await publish(rate: rate, seconds: seconds, publishers, into: tally) }
        // Each reader ends once it has every event; a lost event would hold it: give up after
        // the run and a grace period, and count what arrived.
        group.addTask {
            try? await Task.sleep(for: .seconds(seconds + 10))
            return -1
        }
        var failures = 0
        var finished = 0
        let readers = broadcasters.count * subscribers
        while let result = await group.next() {
            if result == -1 {
                group.cancelAll()
                break
            }
            failures += result
            finished += 1
            if finished == readers + 1 {
                group.cancelAll()
                break
            }
        }
        return failures
    }
    let elapsed = began.duration(to: .now)
    let latencies = tally.latencies.withLock { $0 }.sorted()
    let confirmations = tally.confirmations.withLock { $0 }.sorted()
    let received = tally.received.load(ordering: .relaxed)
    let lost = expected * broadcasters.count * subscribers - received
    print(
        """
        {"broadcaster":"\(name)","instances":\(broadcasters.count),"subscribersPerInstance":\(subscribers),\
        "rate":\(rate),"seconds":\(seconds),"events":\(expected),"deliveries":\(received),"lost":\(lost),\
        "failedPublishes":\(failures),"p50ms":\(String(format: "%.2f", percentile(latencies, 0.5))),\
        "p99ms":\(String(format: "%.2f", percentile(latencies, 0.99))),\
        "maxms":\(String(format: "%.2f", percentile(latencies, 1.0))),\
        "publishReturnsP50ms":\(String(format: "%.2f", percentile(confirmations, 0.5))),\
        "publishReturnsP99ms":\(String(format: "%.2f", percentile(confirmations, 0.99))),\
        "wallSeconds":\(String(format: "%.2f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))}
        """
    )
    let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return lost == 0 && failures == 0 && wall <= Double(seconds) + 0.5 && percentile(latencies, 0.99) < 1_000
}

let url = arguments[1]
let table = "sse_bench_" + String(UInt64.random(in: 0..<UInt64.max), radix: 36)

func inMemory(rate: Int, seconds: Int) async -> Bool {
    var configuration = SSEBroadcaster.Configuration()
    configuration.heartbeat = nil
    let broadcaster = SSEBroadcaster(configuration: configuration)
    return await run(
        "in-memory SSEBroadcaster",
        broadcasters: [broadcaster],
        publishers: [{ event in try broadcaster.publish(event, to: "bench") }],
        rate: rate,
        seconds: seconds,
        subscribers: 3 * subscribersPerInstance
    )
}

func threeInstances(rate: Int, seconds: Int) async throws -> Bool {
    let clients = (0..<3).map { _ in postgresClient(url) }
    var configuration = SSEPostgresBroadcaster.Configuration()
    configuration.tableName = table
    configuration.broadcaster.heartbeat = nil
    configuration.broadcaster.maximumQueuedEvents = 16_384
    let instances = clients.map { SSEPostgresBroadcaster(client: $0, configuration: configuration) }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        for (client, instance) in zip(clients, instances) {
            group.addTask { await client.run() }
            group.addTask { try await instance.run() }
        }
        while !instances.allSatisfy(\.isListening) {
            try await Task.sleep(for: .milliseconds(10))
        }
        let publishers: [@Sendable (ServerSentEvent) async throws -> Void] = instances.map { instance in
            { event in try await instance.publish(event, to: "bench") }
        }
        let ok = await run(
            "SSEPostgres",
            broadcasters: instances.map(\.broadcaster),
            publishers: publishers,
            rate: rate,
            seconds: seconds,
            subscribers: subscribersPerInstance
        )
        group.cancelAll()
        return ok
    }
}

_ = await inMemory(rate: rate, seconds: seconds)
_ = try await threeInstances(rate: rate, seconds: seconds)
let ladder = [1_000, 2_000, 3_000, 4_000, 6_000, 8_000, 12_000, 16_000]
var sustainedInMemory = 0
for step in ladder {
    guard await inMemory(rate: step, seconds: 5) else {
        break
    }
    sustainedInMemory = step
}
var sustainedPostgres = 0
for step in ladder {
    guard try await threeInstances(rate: step, seconds: 5) else {
        break
    }
    sustainedPostgres = step
}
print("{\"sustainedRate\":{\"in-memory SSEBroadcaster\":\(sustainedInMemory),\"SSEPostgres\":\(sustainedPostgres)}}")
