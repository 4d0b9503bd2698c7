// swift-tools-version: 6.1
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

import PackageDescription

let package = Package(
    name: "Benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(
            name: "swift-sse",
            path: "..",
            traits: [
                "NIOSupport", "TLSSupport", "HummingbirdSupport", "VaporSupport", "AsyncHTTPClientSupport",
                "PostgresSupport", "JWTSupport", "CommandLineTool",
            ]
        ),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // The baseline the codec is measured against, in the same run.
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // Signs the tokens the verifier checks.
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .executableTarget(
            name: "CodecBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SSECodec", package: "swift-sse"),
                .product(name: "SSEStreaming", package: "swift-sse"),
                .product(name: "SSECompression", package: "swift-sse"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            path: "Benchmarks/CodecBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Its own executable, so that its memory figures are not the codec corpora's.
        .executableTarget(
            name: "BroadcasterBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SSEStreaming", package: "swift-sse"),
                "CHeapStatistics",
            ],
            path: "Benchmarks/BroadcasterBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // What a token costs through a generation, beside a plain stream; what an ended one keeps.
        .executableTarget(
            name: "GenerationBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SSECodec", package: "swift-sse"),
                .product(name: "SSEStreaming", package: "swift-sse"),
                "CHeapStatistics",
            ],
            path: "Benchmarks/GenerationBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // What authorization costs per connection (a cached token, a new one), and per event (nothing).
        .executableTarget(
            name: "AuthorizationBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SSEAuthorization", package: "swift-sse"),
                .product(name: "SSEStreaming", package: "swift-sse"),
                .product(name: "SSECodec", package: "swift-sse"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Benchmarks/AuthorizationBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The load comparison (Load/run.sh): the servers under test (the embedded server and the
        // two adapters, sharing the broadcast), and the load generator.
        .target(
            name: "LoadShared",
            dependencies: [
                .product(name: "SSECodec", package: "swift-sse"),
                .product(name: "SSEStreaming", package: "swift-sse"),
            ],
            path: "Load/Shared"
        ),
        .executableTarget(
            name: "sse-load-server",
            dependencies: [
                "LoadShared", .product(name: "SSENIO", package: "swift-sse"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Load/Server"
        ),
        .executableTarget(
            name: "sse-load-hummingbird",
            dependencies: [
                "LoadShared",
                .product(name: "SSEHummingbird", package: "swift-sse"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Load/Hummingbird"
        ),
        .executableTarget(
            name: "sse-load-vapor",
            dependencies: [
                "LoadShared",
                .product(name: "SSEVapor", package: "swift-sse"),
                .product(name: "Vapor", package: "vapor"),
            ],
            path: "Load/Vapor"
        ),
        .executableTarget(
            name: "sse-load",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Load/Generator",
            // The generator must cost less than the servers it measures: its parser touches the
            // handler's state for every line, and dynamic exclusivity checks were 12 % of its time.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),
        // malloc's statistics (glibc's mallinfo2, which the Glibc module does not export).
        .executableTarget(
            name: "sse-client-bench",
            dependencies: [
                .product(name: "SSEClient", package: "swift-sse"),
                .product(name: "SSENIO", package: "swift-sse"),
                .product(name: "SSEStreaming", package: "swift-sse"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Client",
            exclude: ["go", "node", "run.sh"]
        ),
        .target(name: "CHeapStatistics", path: "Benchmarks/CHeapStatistics"),
        // SSEPostgres across three instances, beside the in-memory broadcaster (Postgres/run.sh).
        .executableTarget(
            name: "sse-postgres-bench",
            dependencies: [
                .product(name: "SSEPostgres", package: "swift-sse"),
                .product(name: "SSEStreaming", package: "swift-sse"),
                .product(name: "SSECodec", package: "swift-sse"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Postgres",
            exclude: ["run.sh", "deployment.sh", "generations.sh", "Instance", "Generations"]
        ),
        // A generation across two instances, beside the same events through SSEPostgres alone
        // (Postgres/generations.sh).
        .executableTarget(
            name: "sse-postgres-generation-bench",
            dependencies: [
                .product(name: "SSEPostgres", package: "swift-sse"),
                .product(name: "SSEStreaming", package: "swift-sse"),
                .product(name: "SSECodec", package: "swift-sse"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Postgres/Generations"
        ),
        // One instance of a deployment on SSEPostgres, for the end-to-end benchmark
        // (Postgres/deployment.sh, with `sse-load --ports`).
        .executableTarget(
            name: "sse-postgres-instance",
            dependencies: [
                .product(name: "SSEPostgres", package: "swift-sse"),
                .product(name: "SSENIO", package: "swift-sse"),
                .product(name: "SSEStreaming", package: "swift-sse"),
                .product(name: "SSECodec", package: "swift-sse"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Postgres/Instance"
        ),
    ]
)
