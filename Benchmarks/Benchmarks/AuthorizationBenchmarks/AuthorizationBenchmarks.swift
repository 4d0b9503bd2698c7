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
import Foundation
import HTTPTypes
import JWTKit
import SSEAuthorization
import SSECodec
import SSEStreaming

/// Nanoseconds one authorization takes, from the mean of a batch.
private let nanosecondsPerAuthorization = BenchmarkMetric.custom(
    "ns/authorization",
    polarity: .prefersSmaller,
    useScalingFactor: false
)

/// Events received by all subscribers per second.
private let deliveriesPerSecond = BenchmarkMetric.custom(
    "deliveries/s",
    polarity: .prefersLarger,
    useScalingFactor: false
)

/// The claims of the benchmark's tokens.
private struct Claims: JWTPayload {
    struct Grants: Codable { let subscribe: [String] }
    let sub: String
    let exp: Double
    let sse: Grants
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// An ES256 key, the verifier that knows its public half, and `count` tokens signed with it.
private func setUp(tokens count: Int) async throws -> (SSEAccessControl, [String]) {
    let key = ES256PrivateKey()
    let keys = await JWTKeyCollection().add(ecdsa: key, kid: "bench")
    var tokens: [String] = []
    for index in 0..<count {
        let claims = Claims(
            sub: "user-\(index)",
            exp: Date().timeIntervalSince1970 + 3600,
            sse: .init(subscribe: ["users/\(index)", "rooms/*"])
        )
        tokens.append(try await keys.sign(claims, kid: "bench"))
    }
    let verifier = await SSEJWTVerifier(keys: [try .ecdsa(publicKeyPEM: key.publicKey.pemRepresentation, kid: "bench")])
    return (SSEAccessControl(authorizer: verifier), tokens)
}

let benchmarks: @Sendable () -> Void = {
    // Times vary with the machine and the scheduler.
    let perConnection: [BenchmarkMetric: BenchmarkThresholds] = [
        nanosecondsPerAuthorization: .init(relative: [.p50: 25.0])
    ]
    let perEvent: [BenchmarkMetric: BenchmarkThresholds] = [deliveriesPerSecond: .init(relative: [.p50: 25.0])]
    let batch = 10_000

    // What a connection that presents a token verified before costs: the cache, no signature check.
    Benchmark(
        "Authorization_cached_JWT_per_connection",
        configuration: .init(
            metrics: [nanosecondsPerAuthorization, .mallocCountTotal],
            maxIterations: 10,
            thresholds: perConnection
        )
    ) { benchmark in
        let (access, tokens) = try await setUp(tokens: 1)
        let headers: HTTPFields = [.authorization: "Bearer \(tokens[0])"]
        _ = try await access.authorize(headers: headers, query: [:])
        benchmark.startMeasurement()
        let start = ContinuousClock.now
        for _ in 0..<batch {
            blackHole(try await access.authorize(headers: headers, query: [:]))
        }
        let elapsed = ContinuousClock.now - start
        benchmark.stopMeasurement()
        benchmark.measurement(nanosecondsPerAuthorization, Int(elapsed / .nanoseconds(1)) / batch)
    }

    // A token seen for the first time: the ES256 signature check and the claims.
    Benchmark(
        "Authorization_first_JWT_ES256_per_connection",
        configuration: .init(metrics: [nanosecondsPerAuthorization], maxIterations: 5, thresholds: perConnection)
    ) { benchmark in
        let count = 1_000
        let (access, tokens) = try await setUp(tokens: count)
        benchmark.startMeasurement()
        let start = ContinuousClock.now
        for token in tokens {
            blackHole(try await access.authorize(headers: [.authorization: "Bearer \(token)"], query: [:]))
        }
        let elapsed = ContinuousClock.now - start
        benchmark.stopMeasurement()
        benchmark.measurement(nanosecondsPerAuthorization, Int(elapsed / .nanoseconds(1)) / count)
    }

    // Nothing per event: 1,000 subscribers, 1,000 events, with and without guarding.
    for guarded in [false, true] {
        Benchmark(
            "Authorization_fanOut_1000_subscribers_1000_events_\(guarded ? "guarded" : "unguarded")",
            configuration: .init(
                metrics: [.wallClock, deliveriesPerSecond],
                maxIterations: 10,
                thresholds: perEvent
            )
        ) { benchmark in
            let (access, _) = try await setUp(tokens: 0)
            var configuration = SSEBroadcaster.Configuration()
            configuration.heartbeat = nil
            let broadcaster = SSEBroadcaster(configuration: configuration)
            let principal = SSEPrincipal(
                subject: "bench",
                grants: SSETopicGrants(subscribe: [.any]),
                expiresAt: .now + .seconds(3600)
            )
            let subscribers = 1_000
            let events = 1_000
            let tasks = (0..<subscribers).map { _ in
                let subscription = broadcaster.subscribe(to: ["ticker"])
                let stream = guarded ? access.guarding(subscription, for: principal) : subscription
                return Task.detached {
                    var received = 0
                    for try await _ in stream {
                        received += 1
                        if received == events { break }
                    }
                    return received
                }
            }
            let event = ServerSentEvent(data: String(repeating: "x", count: 64))
            benchmark.startMeasurement()
            let start = ContinuousClock.now
            for _ in 0..<events {
                try broadcaster.publish(event, to: "ticker")
            }
            for task in tasks {
                _ = try await task.value
            }
            let elapsed = ContinuousClock.now - start
            benchmark.stopMeasurement()
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            benchmark.measurement(deliveriesPerSecond, Int(Double(subscribers * events) / seconds))
        }
    }
}
