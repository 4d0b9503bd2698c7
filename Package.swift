// swift-tools-version: 6.2
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

/// The traits under which SSEClient is built: either gives it SwiftNIO's `ByteBuffer`.
let clientTraits: Set<String> = ["NIOSupport", "AsyncHTTPClientSupport"]

let package = Package(
    name: "swift-sse",
    // Synchronization's Mutex and Atomic (SSEStreaming) need these on Apple platforms.
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11), .visionOS(.v2)],
    products: [
        .library(name: "SSECodec", targets: ["SSECodec"]),
        .library(name: "SSEStreaming", targets: ["SSEStreaming"]),
        .library(name: "SSEJSON", targets: ["SSEJSON"]),
        .library(name: "SSECompression", targets: ["SSECompression"]),
        .library(name: "SSENIOCore", targets: ["SSENIOCore"]),
        .library(name: "SSENIO", targets: ["SSENIO"]),
        .library(name: "SSEHummingbird", targets: ["SSEHummingbird"]),
        .library(name: "SSEVapor", targets: ["SSEVapor"]),
        .library(name: "SSEClient", targets: ["SSEClient"]),
        .library(name: "SSELongPolling", targets: ["SSELongPolling"]),
        .library(name: "SSEPostgres", targets: ["SSEPostgres"]),
        // `swift run --traits CommandLineTool sse --help`
        .executable(name: "sse", targets: ["SSETool"]),
        // A target's Assets folder embedded at build time; the browser script written into a folder.
        .plugin(name: "SSEEmbedAssets", targets: ["SSEEmbedAssets"]),
        .plugin(name: "ExportSSEScript", targets: ["ExportSSEScript"]),
    ],
    traits: [
        .trait(
            name: "NIOSupport",
            description:
                "The SwiftNIO integration and the embedded SSE server (SSENIO); SSEClient with a transport of your own."
        ),
        .trait(
            name: "HummingbirdSupport",
            description: "Hummingbird 2 response and route helpers (SSEHummingbird).",
            enabledTraits: ["NIOSupport"]
        ),
        .trait(
            name: "VaporSupport",
            description: "Vapor 4 response and route helpers (SSEVapor).",
            enabledTraits: ["NIOSupport"]
        ),
        .trait(
            name: "AsyncHTTPClientSupport",
            description: "The reconnecting client on AsyncHTTPClient (SSEClient)."
        ),
        .trait(
            name: "PostgresSupport",
            description:
                "One broadcaster across server instances, with a replay log that survives restarts, on PostgreSQL (SSEPostgres)."
        ),
        .trait(
            name: "CommandLineTool",
            description: "The `sse` command-line tool: listen, decode, serve, hub.",
            enabledTraits: ["NIOSupport", "AsyncHTTPClientSupport"]
        ),
        .default(enabledTraits: []),
    ],
    dependencies: [
        // `swift package generate-documentation`; a plugin, built only when it runs.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .target(name: "SSECodec"),
        .testTarget(name: "SSECodecTests", dependencies: ["SSECodec"]),
        .target(name: "SSEStreaming", dependencies: ["SSECodec"]),
        .testTarget(name: "SSEStreamingTests", dependencies: ["SSEStreaming"]),
        // JSON payloads: Foundation's coders, kept out of SSECodec and SSEStreaming.
        // With `NIOSupport`, it also decodes the embedded server's request bodies and answers JSON.
        .target(
            name: "SSEJSON",
            dependencies: [
                "SSECodec",
                .target(name: "SSENIO", condition: .when(traits: ["NIOSupport"])),
                .product(name: "HTTPTypes", package: "swift-http-types", condition: .when(traits: ["NIOSupport"])),
            ]
        ),
        .testTarget(name: "SSEJSONTests", dependencies: ["SSEJSON", "SSEStreaming"]),
        // System zlib (zlib1g-dev on Debian): shims for its macros, and the library to link.
        .target(name: "CSSEZlib", linkerSettings: [.linkedLibrary("z")]),
        .target(name: "SSECompression", dependencies: ["CSSEZlib"]),
        .testTarget(name: "SSECompressionTests", dependencies: ["SSECompression", "SSECodec"]),
        // What the server and client tests share: real clients (curl, raw sockets), the servers
        // under test (embedded, Hummingbird, Vapor, and a misbehaving Python one) and the scenarios
        // every adapter must pass. Not a product.
        .target(
            name: "SSETestSupport",
            dependencies: [
                "SSECodec",
                "SSEStreaming",
                "SSENIO",
                "SSEHummingbird",
                "SSEVapor",
                "SSELongPolling",
                .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["NIOSupport"])),
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["HummingbirdSupport"])),
                .product(
                    name: "HummingbirdCore",
                    package: "hummingbird",
                    condition: .when(traits: ["HummingbirdSupport"])
                ),
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["VaporSupport"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["NIOSupport"])),
                .product(name: "InMemoryLogging", package: "swift-log", condition: .when(traits: ["NIOSupport"])),
                .product(name: "MetricsTestKit", package: "swift-metrics", condition: .when(traits: ["NIOSupport"])),
            ],
            path: "Tests/SSETestSupport",
            exclude: ["misbehaving_server.py"]
        ),
        // What every SwiftNIO server shares (the embedded one, Hummingbird, Vapor): stream body,
        // stream configuration, gzip batches, Last-Event-ID, CORS. Every file inside `#if NIOSupport`.
        .target(
            name: "SSENIOCore",
            dependencies: [
                "SSECodec",
                "SSEStreaming",
                "SSECompression",
                .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["NIOSupport"])),
                .product(name: "HTTPTypes", package: "swift-http-types", condition: .when(traits: ["NIOSupport"])),
                .product(name: "Metrics", package: "swift-metrics", condition: .when(traits: ["NIOSupport"])),
            ]
        ),
        .testTarget(
            name: "SSENIOCoreTests",
            dependencies: [
                "SSENIOCore",
                .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["NIOSupport"])),
                .product(name: "HTTPTypes", package: "swift-http-types", condition: .when(traits: ["NIOSupport"])),
            ]
        ),
        // The embedded server: bootstrap, router, requests, responses. Every file inside `#if NIOSupport`.
        .target(
            name: "SSENIO",
            dependencies: [
                "SSECodec",
                "SSEStreaming",
                "SSECompression",
                "SSENIOCore",
                .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["NIOSupport"])),
                .product(name: "NIOPosix", package: "swift-nio", condition: .when(traits: ["NIOSupport"])),
                .product(name: "NIOHTTP1", package: "swift-nio", condition: .when(traits: ["NIOSupport"])),
                .product(name: "HTTPTypes", package: "swift-http-types", condition: .when(traits: ["NIOSupport"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["NIOSupport"])),
                .product(name: "Metrics", package: "swift-metrics", condition: .when(traits: ["NIOSupport"])),
                .product(
                    name: "ServiceLifecycle",
                    package: "swift-service-lifecycle",
                    condition: .when(traits: ["NIOSupport"])
                ),
            ]
        ),
        .testTarget(
            name: "SSENIOTests",
            dependencies: [
                "SSETestSupport",
                "SSENIO",
                "SSEStreaming",
                "SSECompression",
                "SSEJSON",
                .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["NIOSupport"])),
                .product(name: "NIOEmbedded", package: "swift-nio", condition: .when(traits: ["NIOSupport"])),
                .product(name: "NIOHTTP1", package: "swift-nio", condition: .when(traits: ["NIOSupport"])),
                .product(name: "HTTPTypes", package: "swift-http-types", condition: .when(traits: ["NIOSupport"])),
                .product(name: "InMemoryLogging", package: "swift-log", condition: .when(traits: ["NIOSupport"])),
                .product(name: "MetricsTestKit", package: "swift-metrics", condition: .when(traits: ["NIOSupport"])),
            ]
        ),
        // A server process for the tests that stop one with a signal (SIGINT, SIGTERM): the
        // embedded server in a ServiceGroup. Not a product.
        .executableTarget(
            name: "SSEServerFixture",
            dependencies: [
                "SSENIO",
                "SSECodec",
                "SSEStreaming",
                .product(
                    name: "ServiceLifecycle",
                    package: "swift-service-lifecycle",
                    condition: .when(traits: ["NIOSupport"])
                ),
                .product(
                    name: "UnixSignals",
                    package: "swift-service-lifecycle",
                    condition: .when(traits: ["NIOSupport"])
                ),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["NIOSupport"])),
            ],
            path: "Tests/SSEServerFixture"
        ),
        // Hummingbird 2; every file inside `#if HummingbirdSupport`.
        .target(
            name: "SSEHummingbird",
            dependencies: [
                "SSENIOCore",
                "SSEStreaming",
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["HummingbirdSupport"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["HummingbirdSupport"])),
            ]
        ),
        .testTarget(
            name: "SSEHummingbirdTests",
            dependencies: [
                "SSETestSupport",
                "SSEHummingbird",
                "SSEStreaming",
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["HummingbirdSupport"])),
                .product(
                    name: "HummingbirdCore",
                    package: "hummingbird",
                    condition: .when(traits: ["HummingbirdSupport"])
                ),
            ]
        ),
        // Vapor 4; every file inside `#if VaporSupport`.
        .target(
            name: "SSEVapor",
            dependencies: [
                "SSENIOCore",
                "SSEStreaming",
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["VaporSupport"])),
            ]
        ),
        .testTarget(
            name: "SSEVaporTests",
            dependencies: [
                "SSETestSupport",
                "SSEVapor",
                "SSEStreaming",
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["VaporSupport"])),
            ]
        ),
        // The reconnecting client: every file inside `#if NIOSupport || AsyncHTTPClientSupport`, the
        // AsyncHTTPClient transport inside `#if AsyncHTTPClientSupport`.
        .target(
            name: "SSEClient",
            dependencies: [
                "SSECodec",
                "SSECompression",
                .product(
                    name: "AsyncHTTPClient",
                    package: "async-http-client",
                    condition: .when(traits: ["AsyncHTTPClientSupport"])
                ),
                // The client itself needs only these: with `NIOSupport` alone it is there with a
                // transport of your own; `AsyncHTTPClientSupport` adds the default transport.
                .product(name: "HTTPTypes", package: "swift-http-types", condition: .when(traits: clientTraits)),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: clientTraits)),
                .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: clientTraits)),
                .product(name: "NIOHTTP1", package: "swift-nio", condition: .when(traits: ["AsyncHTTPClientSupport"])),
            ]
        ),
        .testTarget(
            name: "SSEClientTests",
            dependencies: [
                "SSEClient",
                "SSETestSupport",
                "SSENIO",
                "SSEHummingbird",
                "SSEVapor",
                "SSEStreaming",
                "SSEJSON",
                .product(
                    name: "AsyncHTTPClient",
                    package: "async-http-client",
                    condition: .when(traits: ["AsyncHTTPClientSupport"])
                ),
                .product(
                    name: "HTTPTypes",
                    package: "swift-http-types",
                    condition: .when(traits: ["AsyncHTTPClientSupport"])
                ),
                .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["AsyncHTTPClientSupport"])),
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["HummingbirdSupport"])),
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["VaporSupport"])),
            ]
        ),
        // Long polling on a broadcaster and the browser script (Assets/sse.js, embedded at build
        // time by the SSEEmbedAssets plugin). The core needs only SSEStreaming; each server's
        // adapter comes with its trait.
        .target(
            name: "SSELongPolling",
            dependencies: [
                "SSEStreaming",
                .target(name: "SSENIO", condition: .when(traits: ["NIOSupport"])),
                .target(name: "SSENIOCore", condition: .when(traits: ["NIOSupport"])),
                .target(name: "SSEHummingbird", condition: .when(traits: ["HummingbirdSupport"])),
                .target(name: "SSEVapor", condition: .when(traits: ["VaporSupport"])),
                .product(name: "HTTPTypes", package: "swift-http-types", condition: .when(traits: ["NIOSupport"])),
                .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["NIOSupport"])),
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["HummingbirdSupport"])),
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["VaporSupport"])),
            ],
            exclude: ["Assets"],
            plugins: ["SSEEmbedAssets"]
        ),
        .testTarget(
            name: "SSELongPollingTests",
            dependencies: [
                "SSELongPolling",
                "SSEStreaming",
                "SSECodec",
                "SSETestSupport",
                "SSENIO",
                "SSEHummingbird",
                "SSEVapor",
                .target(name: "SSEBrowserFixture", condition: .when(traits: ["NIOSupport"])),
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["HummingbirdSupport"])),
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["VaporSupport"])),
            ]
        ),
        // The server the browser tests (Tests/Browser) drive: the embedded server with long
        // polling, a broadcaster that outlives restarts of its listener, and control routes. Not a
        // product.
        .executableTarget(
            name: "SSEBrowserFixture",
            dependencies: [
                "SSELongPolling",
                "SSENIO",
                "SSENIOCore",
                "SSEStreaming",
                .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["NIOSupport"])),
                .product(name: "HTTPTypes", package: "swift-http-types", condition: .when(traits: ["NIOSupport"])),
            ],
            path: "Tests/SSEBrowserFixture"
        ),
        // The `sse` tool; every file inside `#if CommandLineTool` (without it, a main that says how
        // to build it), so that no user of the libraries resolves swift-argument-parser.
        .executableTarget(
            name: "SSETool",
            dependencies: [
                "SSECodec",
                "SSEStreaming",
                "SSELongPolling",
                .target(name: "SSENIO", condition: .when(traits: ["CommandLineTool"])),
                .target(name: "SSEClient", condition: .when(traits: ["CommandLineTool"])),
                .product(
                    name: "ArgumentParser",
                    package: "swift-argument-parser",
                    condition: .when(traits: ["CommandLineTool"])
                ),
                .product(name: "HTTPTypes", package: "swift-http-types", condition: .when(traits: ["CommandLineTool"])),
            ]
        ),
        .testTarget(
            name: "SSEToolTests",
            dependencies: [
                "SSECodec",
                "SSETestSupport",
                "SSEStreaming",
                "SSENIO",
                "SSEClient",
                .target(name: "SSETool", condition: .when(traits: ["CommandLineTool"])),
            ],
            exclude: ["Recordings"]
        ),
        // The plugins are thin: their logic is in these executables, tested on their own.
        .executableTarget(name: "SSEEmbed"),
        .plugin(name: "SSEEmbedAssets", capability: .buildTool(), dependencies: ["SSEEmbed"]),
        .executableTarget(name: "SSEScriptExport", dependencies: ["SSELongPolling"]),
        .plugin(
            name: "ExportSSEScript",
            capability: .command(
                intent: .custom(
                    verb: "export-sse-script",
                    description: "Write the browser script (sse.js, sse.mjs) into a folder of the package"
                ),
                permissions: [
                    .writeToPackageDirectory(reason: "It writes sse.js and sse.mjs into the --output folder.")
                ]
            ),
            dependencies: ["SSEScriptExport"]
        ),
        .testTarget(
            name: "SSEPluginToolTests",
            dependencies: ["SSEEmbed", "SSEScriptExport", "SSELongPolling", "SSETestSupport"]
        ),
        // Many instances on one PostgreSQL database; every file inside `#if PostgresSupport`.
        .target(
            name: "SSEPostgres",
            dependencies: [
                "SSECodec",
                "SSEStreaming",
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["PostgresSupport"])),
                .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["PostgresSupport"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["PostgresSupport"])),
                .product(
                    name: "ServiceLifecycle",
                    package: "swift-service-lifecycle",
                    condition: .when(traits: ["PostgresSupport"])
                ),
            ]
        ),
        .testTarget(
            name: "SSEPostgresTests",
            dependencies: [
                "SSEPostgres",
                "SSECodec",
                "SSEStreaming",
                "SSELongPolling",
                "SSETestSupport",
                .target(name: "SSEPostgresFixture", condition: .when(traits: ["PostgresSupport"])),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["PostgresSupport"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["PostgresSupport"])),
            ]
        ),
        // A server instance for SSEPostgres's tests and benchmark: the embedded server on a
        // broadcaster shared through PostgreSQL. Not a product.
        .executableTarget(
            name: "SSEPostgresFixture",
            dependencies: [
                "SSEPostgres",
                "SSENIO",
                "SSECodec",
                "SSEStreaming",
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["PostgresSupport"])),
                .product(
                    name: "ServiceLifecycle",
                    package: "swift-service-lifecycle",
                    condition: .when(traits: ["PostgresSupport"])
                ),
                .product(
                    name: "UnixSignals",
                    package: "swift-service-lifecycle",
                    condition: .when(traits: ["PostgresSupport"])
                ),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["PostgresSupport"])),
            ],
            path: "Tests/SSEPostgresFixture"
        ),
        // The package articles; the screenshots are for the READMEs.
        .target(name: "SwiftSSEDocumentation", path: "Documentation", exclude: ["Screenshots"]),
    ]
)

// Settings shared by every target. System-library targets accept no Swift settings.
for target in package.targets {
    switch target.type {
    case .regular, .test, .executable:
        var settings = target.swiftSettings ?? []
        // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0335-existential-any.md
        settings.append(.enableUpcomingFeature("ExistentialAny"))
        // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0444-member-import-visibility.md
        settings.append(.enableUpcomingFeature("MemberImportVisibility"))
        // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0409-access-level-on-imports.md
        settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
        // CI builds with every warning an error (SE-0480); a user's build of the package never does.
        if Context.environment["SWIFT_SSE_WARNINGS_AS_ERRORS"] != nil {
            settings.append(.treatAllWarnings(as: .error))
        }
        target.swiftSettings = settings
    case .macro, .plugin, .system, .binary:
        break
    @unknown default:
        break
    }
}
