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

// The cost of a generation across instances (SSEPostgresGenerations), beside the same events
// published through SSEPostgresBroadcaster alone, in one run: two instances with their own
// PostgreSQL clients; a producer on A publishes TOKENS events one at a time (as a model's tokens
// come), a client on B reads them. Reported per round: the producer's time per event (each one
// committed before the next), and publish → receive latency on B (p50, p99), for
//
//     generation      SSEPostgresGenerations.Writer.publish (an idempotency key per event)
//     keyed           SSEPostgresBroadcaster.publish(_:to:idempotencyKey:)
//     plain           SSEPostgresBroadcaster.publish(_:to:)
//
//     sse-postgres-generation-bench URL [TOKENS] [ROUNDS]     # default: 2000 3
//
// One JSON line per measurement, then per round the ratios of generation to keyed and to plain
// (each round takes the three in another order, and is compared with itself). The rounds should
// cost the same: a cost that grows from round to round is a bug (one was found so: a closure kept
// in a Mutex grew a thunk per delivery).
import Foundation
import PostgresNIO
import SSECodec
import SSEPostgres
import SSEStreaming
import Synchronization

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: sse-postgres-generation-bench postgres://USER@HOST:PORT/DATABASE [TOKENS] [ROUNDS]")
    exit(64)
}
let tokens = arguments.count > 2 ? Int(arguments[2]) ?? 2000 : 2000
let rounds = arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3
let origin = ContinuousClock.now

/// Nanoseconds since the benchmark started.
@Sendable func now() -> Int64 {
    let elapsed = origin.duration(to: .now)
    return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
}

func postgresClient(_ url: String) -> PostgresClient {
    let rest = url.dropFirst("postgres://".count)
    let at = rest.firstIndex(of: "@")!
    let slash = rest.firstIndex(of: "/")!
    let hostPort = rest[rest.index(after: at)..<slash].split(separator: ":")
    return PostgresClient(
        configuration: .init(
            host: String(hostPort[0]),
            port: Int(hostPort[1]) ?? 5432,
            username: String(rest[..<at]),
            password: nil,
            database: String(rest[rest.index(after: slash)...]),
            tls: .disable
        )
    )
}

/// Reads `expected` events of a subscription; the latency of each (its data is its publish time).
func latencies(_ subscription: SSEBroadcaster.Subscription, expected: Int) async throws -> [Int64] {
    var decoder = SSEDecoder()
    var latencies: [Int64] = []
    latencies.reserveCapacity(expected)
    for try await chunk in subscription {
        let arrived = now()
        try decoder.decode(chunk) { output in
            if case .event(let event) = output, let published = Int64(event.data) {
                latencies.append(arrived - published)
            }
        }
        if latencies.count >= expected {
            break
        }
    }
    return latencies
}

/// One measurement: the producer's time per event and the latencies on B.
struct Measurement: Encodable {
    var round: Int
    var kind: String
    var events: Int
    var microsecondsPerEvent: Double
    var p50Milliseconds: Double
    var p99Milliseconds: Double

    init(round: Int, kind: String, elapsed: Int64, latencies: [Int64]) {
        self.round = round
        self.kind = kind
        events = latencies.count
        microsecondsPerEvent = Double(elapsed) / Double(max(latencies.count, 1)) / 1_000
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double {
            sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e6
        }
        p50Milliseconds = percentile(0.5)
        p99Milliseconds = percentile(0.99)
    }
}

func report(_ value: some Encodable) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    print(String(decoding: try! encoder.encode(value), as: UTF8.self))
}

let url = arguments[1]
let table = "sse_generation_bench_" + String(UInt32.random(in: 0..<UInt32.max), radix: 36)
let clients = [postgresClient(url), postgresClient(url)]
var broadcasting = SSEPostgresBroadcaster.Configuration()
broadcasting.tableName = table
broadcasting.broadcaster.heartbeat = nil
broadcasting.maximumReplayCount = tokens + 10
var configuration = SSEPostgresGenerations.Configuration()
configuration.limits.heartbeat = nil
configuration.limits.maximumQueuedEvents = tokens + 10
configuration.limits.maximumQueuedBytes = 64 << 20
let instances = clients.map {
    SSEPostgresGenerations(
        events: SSEPostgresBroadcaster(client: $0, configuration: broadcasting),
        configuration: configuration
    )
}
let (a, b) = (instances[0], instances[1])

try await withThrowingTaskGroup(of: Void.self) { group in
    for client in clients {
        group.addTask { await client.run() }
    }
    for instance in instances {
        group.addTask { try await instance.events.run() }
        group.addTask { try await instance.run() }
    }
    while !(a.events.isListening && b.events.isListening) {
        try await Task.sleep(for: .milliseconds(10))
    }
    /// The generation: started on A, read on B.
    func generation(_ round: Int) async throws -> Measurement {
        let id = "answer-\(round)"
        let (gate, open) = AsyncStream<Void>.makeStream()
        let (elapsed, finished) = AsyncStream<Int64>.makeStream()
        try await a.start(id) { writer in
            for await _ in gate {}
            let begin = now()
            for _ in 0..<tokens {
                try await writer.publish(ServerSentEvent(type: "token", data: String(now())))
            }
            finished.yield(now() - begin)
        }
        let subscription = try await b.subscribe(to: id)!
        open.finish()
        let received = try await latencies(subscription, expected: tokens)
        var producer = elapsed.makeAsyncIterator()
        return Measurement(round: round, kind: "generation", elapsed: await producer.next() ?? 0, latencies: received)
    }
    /// The same events through the broadcaster alone, with or without idempotency keys.
    func broadcast(_ round: Int, keyed: Bool) async throws -> Measurement {
        let kind = keyed ? "keyed" : "plain"
        let topic = "\(kind)-\(round)"
        let reader = Task { try await latencies(b.events.broadcaster.subscribe(to: [topic]), expected: tokens) }
        try await Task.sleep(for: .milliseconds(100))
        let begin = now()
        for number in 0..<tokens {
            let event = ServerSentEvent(type: "token", data: String(now()))
            if keyed {
                try await a.events.publish(event, to: topic, idempotencyKey: "\(topic):\(number)")
            } else {
                try await a.events.publish(event, to: topic)
            }
        }
        let elapsed = now() - begin
        return Measurement(round: round, kind: kind, elapsed: elapsed, latencies: try await reader.value)
    }
    var measurements: [Measurement] = []
    for round in 1...rounds {
        // Each round takes the three in another order: none always runs on the warmest tables.
        let kinds = ["generation", "keyed", "plain"]
        for offset in 0..<3 {
            let measurement: Measurement
            switch kinds[(round - 1 + offset) % 3] {
            case "generation": measurement = try await generation(round)
            case "keyed": measurement = try await broadcast(round, keyed: true)
            default: measurement = try await broadcast(round, keyed: false)
            }
            report(measurement)
            measurements.append(measurement)
        }
    }
    // Per round: a round is compared with itself.
    struct Ratios: Encodable {
        var round: Int
        var generationToKeyedPerEvent: Double
        var generationToPlainPerEvent: Double
        var generationToKeyedP50: Double
        var generationToPlainP50: Double
    }
    for round in 1...rounds {
        let of = { (kind: String) in measurements.first { $0.round == round && $0.kind == kind }! }
        let (generation, keyed, plain) = (of("generation"), of("keyed"), of("plain"))
        report(
            Ratios(
                round: round,
                generationToKeyedPerEvent: generation.microsecondsPerEvent / keyed.microsecondsPerEvent,
                generationToPlainPerEvent: generation.microsecondsPerEvent / plain.microsecondsPerEvent,
                generationToKeyedP50: generation.p50Milliseconds / keyed.p50Milliseconds,
                generationToPlainP50: generation.p50Milliseconds / plain.p50Milliseconds
            )
        )
    }
    group.cancelAll()
}
