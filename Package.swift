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

// MARK: - Products of other packages, each named once with the traits that bring it in

/// The traits under which SSEClient is built: either gives it SwiftNIO's `ByteBuffer`.
let clientTraits: Set<String> = ["NIOSupport", "AsyncHTTPClientSupport"]

/// A product of another package, resolved only when one of `traits` is enabled.
func product(_ name: String, _ package: String, when traits: Set<String>) -> Target.Dependency {
    .product(name: name, package: package, condition: .when(traits: traits))
}

/// SwiftNIO's products (`NIOCore`, `NIOPosix`, …); with `NIOSupport` unless said.
func nio(_ name: String, when traits: Set<String> = ["NIOSupport"]) -> Target.Dependency {
    product(name, "swift-nio", when: traits)
}

/// swift-nio-extras' products (`NIOHTTPTypes`, `NIOHTTPTypesHTTP1`); with `NIOSupport` unless said.
func nioExtras(_ name: String, when traits: Set<String> = ["NIOSupport"]) -> Target.Dependency {
    product(name, "swift-nio-extras", when: traits)
}

/// swift-http-types' `HTTPTypes`.
func httpTypes(when traits: Set<String> = ["NIOSupport"]) -> Target.Dependency {
    product("HTTPTypes", "swift-http-types", when: traits)
}

/// swift-log's products (`Logging`, `InMemoryLogging`).
func logging(_ name: String = "Logging", when traits: Set<String> = ["NIOSupport"]) -> Target.Dependency {
    product(name, "swift-log", when: traits)
}

/// swift-metrics' products (`Metrics`, `MetricsTestKit`).
func metrics(_ name: String = "Metrics", when traits: Set<String> = ["NIOSupport"]) -> Target.Dependency {
    product(name, "swift-metrics", when: traits)
}

/// swift-distributed-tracing's products (`Tracing`, `InMemoryTracing`).
func tracing(_ name: String = "Tracing", when traits: Set<String> = ["NIOSupport"]) -> Target.Dependency {
    product(name, "swift-distributed-tracing", when: traits)
}

/// swift-service-lifecycle's products (`ServiceLifecycle`, `UnixSignals`).
func serviceLifecycle(
    _ name: String = "ServiceLifecycle",
    when traits: Set<String> = ["NIOSupport"]
)
    -> Target.Dependency
{
    product(name, "swift-service-lifecycle", when: traits)
}

let hummingbird = product("Hummingbird", "hummingbird", when: ["HummingbirdSupport"])
let hummingbirdCore = product("HummingbirdCore", "hummingbird", when: ["HummingbirdSupport"])
let vapor = product("Vapor", "vapor", when: ["VaporSupport"])
let asyncHTTPClient = product("AsyncHTTPClient", "async-http-client", when: ["AsyncHTTPClientSupport"])
let postgresNIO = product("PostgresNIO", "postgres-nio", when: ["PostgresSupport"])
let argumentParser = product("ArgumentParser", "swift-argument-parser", when: ["CommandLineTool"])

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
        .library(name: "SSEAuthorization", targets: ["SSEAuthorization"]),
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
            name: "TLSSupport",
            description:
                "TLS and HTTP/2 on the embedded server (SSENIO): certificates from PEM files and reloaded without a restart, ALPN, HTTP/2 over TLS and cleartext HTTP/2 with prior knowledge.",
            enabledTraits: ["NIOSupport"]
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
            name: "JWTSupport",
            description:
                "SSEJWTVerifier in SSEAuthorization: JSON Web Tokens (HS256, RS256, ES256, EdDSA) on vapor/jwt-kit."
        ),
        .trait(
            name: "CommandLineTool",
            description:
                "The `sse` command-line tool: listen, decode, serve, doctor, publish, and a production hub (TLS and HTTP/2, JSON Web Tokens, PostgreSQL, Prometheus).",
            enabledTraits: ["NIOSupport", "AsyncHTTPClientSupport", "TLSSupport", "JWTSupport", "PostgresSupport"]
        ),
        .default(enabledTraits: []),
    ],
    dependencies: [
        // `swift package generate-documentation`; a plugin, built only when it runs.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // MARK: - Wire format and streams: the standard library only

        .target(name: "SSECodec"),
        .testTarget(name: "SSECodecTests", dependencies: ["SSECodec"]),
        .target(name: "SSEStreaming", dependencies: ["SSECodec"]),
        .testTarget(name: "SSEStreamingTests", dependencies: ["SSEStreaming"]),
        // JSON payloads: Foundation's coders, kept out of SSECodec and SSEStreaming.
        // With `NIOSupport`, it also decodes the embedded server's request bodies and answers JSON.
        .target(
            name: "SSEJSON",
            dependencies: ["SSECodec", .target(name: "SSENIO", condition: .when(traits: ["NIOSupport"])), httpTypes()]
        ),
        .testTarget(name: "SSEJSONTests", dependencies: ["SSEJSON", "SSEStreaming"]),

        // MARK: - gzip on the system's zlib (zlib1g-dev on Debian)

        // Shims for zlib's macros, and the library to link.
        .target(name: "CSSEZlib", linkerSettings: [.linkedLibrary("z")]),
        .target(name: "SSECompression", dependencies: ["CSSEZlib"]),
        .testTarget(name: "SSECompressionTests", dependencies: ["SSECompression", "SSECodec", "SSETestSupport"]),

        // MARK: - Servers on SwiftNIO (NIOSupport, HummingbirdSupport, VaporSupport)

        // What every SwiftNIO server shares (the embedded one, Hummingbird, Vapor): stream body,
        // stream configuration, gzip batches, Last-Event-ID, CORS. Every file inside `#if NIOSupport`.
        .target(
            name: "SSENIOCore",
            dependencies: [
                "SSECodec", "SSEStreaming", "SSECompression", nio("NIOCore"), nio("NIOPosix"), httpTypes(), metrics(),
                tracing(),
            ]
        ),
        .testTarget(
            name: "SSENIOCoreTests",
            dependencies: [
                "SSENIOCore", "SSECodec", "SSECompression", "SSEStreaming", nio("NIOCore"), httpTypes(),
                metrics("MetricsTestKit"),
            ]
        ),
        // The embedded server: bootstrap, router, requests, responses. Every file inside `#if NIOSupport`.
        .target(
            name: "SSENIO",
            dependencies: [
                "SSECodec", "SSEStreaming", "SSECompression", "SSENIOCore", "SSELongPolling", "SSEAuthorization",
                nio("NIOCore"), nio("NIOPosix"), nio("NIOHTTP1"), nioExtras("NIOHTTPTypes"),
                nioExtras("NIOHTTPTypesHTTP1"),
                httpTypes(), logging(), metrics(), serviceLifecycle(),
                // TLS and HTTP/2 (TLSSupport).
                product("NIOSSL", "swift-nio-ssl", when: ["TLSSupport"]), nio("NIOTLS", when: ["TLSSupport"]),
                product("NIOHTTP2", "swift-nio-http2", when: ["TLSSupport"]),
                nioExtras("NIOHTTPTypesHTTP2", when: ["TLSSupport"]),
                serviceLifecycle("UnixSignals", when: ["TLSSupport"]),
            ]
        ),
        .testTarget(
            name: "SSENIOTests",
            dependencies: [
                "SSETestSupport", "SSEServerTestSupport", "SSENIO", "SSEStreaming", "SSECompression", "SSEJSON",
                "SSELongPolling", nio("NIOCore"), nio("NIOEmbedded"), nio("NIOHTTP1"), nio("NIOPosix"), httpTypes(),
                logging("InMemoryLogging"), metrics("MetricsTestKit"), tracing("InMemoryTracing"),
            ]
        ),
        // Hummingbird 2; every file inside `#if HummingbirdSupport`.
        .target(
            name: "SSEHummingbird",
            dependencies: [
                "SSENIOCore", "SSEStreaming", "SSELongPolling", "SSEAuthorization", hummingbird,
                product("HummingbirdAuth", "hummingbird-auth", when: ["HummingbirdSupport"]), logging(),
            ]
        ),
        .testTarget(
            name: "SSEHummingbirdTests",
            dependencies: [
                "SSETestSupport", "SSEServerTestSupport", "SSEHummingbird", "SSEStreaming", hummingbird,
                hummingbirdCore, product("HummingbirdHTTP2", "hummingbird", when: ["TLSSupport"]),
                product("NIOSSL", "swift-nio-ssl", when: ["TLSSupport"]),
            ]
        ),
        // Vapor 4; every file inside `#if VaporSupport`.
        .target(
            name: "SSEVapor",
            dependencies: ["SSENIOCore", "SSEStreaming", "SSELongPolling", "SSEAuthorization", vapor]
        ),
        .testTarget(
            name: "SSEVaporTests",
            dependencies: [
                "SSETestSupport", "SSEServerTestSupport", "SSEVapor", "SSEStreaming", vapor,
                product("NIOSSL", "swift-nio-ssl", when: ["TLSSupport"]),
            ]
        ),

        // MARK: - The reconnecting client (AsyncHTTPClientSupport, or NIOSupport with a transport of your own)

        // Every file inside `#if NIOSupport || AsyncHTTPClientSupport`, the AsyncHTTPClient
        // transport inside `#if AsyncHTTPClientSupport`.
        .target(
            name: "SSEClient",
            dependencies: [
                "SSECodec", "SSECompression", asyncHTTPClient,
                httpTypes(when: clientTraits), logging(when: clientTraits), nio("NIOCore", when: clientTraits),
                nio("NIOHTTP1", when: ["AsyncHTTPClientSupport"]),
            ]
        ),
        .testTarget(
            name: "SSEClientTests",
            dependencies: [
                "SSEClient", "SSETestSupport", "SSEServerTestSupport", "SSENIO", "SSEHummingbird", "SSEVapor",
                "SSEStreaming", "SSEJSON", asyncHTTPClient, httpTypes(when: clientTraits),
                nio("NIOCore", when: clientTraits), hummingbird, vapor,
                product("NIOSSL", "swift-nio-ssl", when: ["TLSSupport"]),
            ]
        ),

        // MARK: - Who may listen: credentials, grants, tickets, revocation (JWTSupport for JSON Web Tokens)

        // The seam needs only SSEStreaming and swift-http-types, with no trait, so that every server
        // enforces it; the JSON Web Token verifier (jwt-kit, Foundation) is inside `#if JWTSupport`.
        .target(
            name: "SSEAuthorization",
            dependencies: [
                "SSECodec", "SSEStreaming", .product(name: "HTTPTypes", package: "swift-http-types"),
                product("JWTKit", "jwt-kit", when: ["JWTSupport"]),
            ]
        ),
        .testTarget(
            name: "SSEAuthorizationTests",
            dependencies: [
                "SSEAuthorization", "SSEStreaming", "SSECodec", "SSETestSupport", "SSENIO", "SSEClient",
                "SSEServerTestSupport", "SSEHummingbird", "SSEVapor", hummingbird, vapor,
                product("HummingbirdAuth", "hummingbird-auth", when: ["HummingbirdSupport"]),
                .product(name: "HTTPTypes", package: "swift-http-types"), asyncHTTPClient, metrics("MetricsTestKit"),
            ],
            exclude: ["jwt_tokens.py"]
        ),

        // MARK: - Long polling and the browser script

        // Needs only SSEStreaming and swift-http-types, with no trait: each server's glue lives in
        // that server's module. The script (Assets/sse.js) is embedded at build time by the
        // SSEEmbedAssets plugin.
        .target(
            name: "SSELongPolling",
            dependencies: ["SSEStreaming", .product(name: "HTTPTypes", package: "swift-http-types")],
            exclude: ["Assets"],
            plugins: ["SSEEmbedAssets"]
        ),
        .testTarget(
            name: "SSELongPollingTests",
            dependencies: [
                "SSELongPolling", "SSEStreaming", "SSECodec", "SSETestSupport", "SSENIO", "SSEHummingbird", "SSEVapor",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .target(name: "SSEBrowserFixture", condition: .when(traits: ["NIOSupport"])), hummingbird, vapor,
            ]
        ),

        // MARK: - Many instances on PostgreSQL (PostgresSupport)

        // Every file inside `#if PostgresSupport`.
        .target(
            name: "SSEPostgres",
            dependencies: [
                "SSECodec", "SSEStreaming", postgresNIO, nio("NIOCore", when: ["PostgresSupport"]),
                logging(when: ["PostgresSupport"]), serviceLifecycle(when: ["PostgresSupport"]),
            ]
        ),
        .testTarget(
            name: "SSEPostgresTests",
            dependencies: [
                "SSEPostgres", "SSECodec", "SSEStreaming", "SSELongPolling", "SSETestSupport", "SSEServerTestSupport",
                "SSENIO", "SSENIOCore", tracing(), tracing("InMemoryTracing"),
                .target(name: "SSEPostgresFixture", condition: .when(traits: ["PostgresSupport"])), postgresNIO,
                logging(when: ["PostgresSupport"]), nio("NIOCore", when: ["PostgresSupport"]),
                nio("NIOPosix", when: ["PostgresSupport"]),
            ]
        ),

        // MARK: - The `sse` tool (CommandLineTool) and the plugins

        // Every file inside `#if CommandLineTool` (without it, a main that says how to build it),
        // so that no user of the libraries resolves swift-argument-parser.
        .executableTarget(
            name: "SSETool",
            dependencies: [
                "SSECodec", "SSEStreaming", "SSELongPolling", "SSECompression",
                .target(name: "SSENIO", condition: .when(traits: ["CommandLineTool"])),
                .target(name: "SSEClient", condition: .when(traits: ["CommandLineTool"])),
                argumentParser, httpTypes(when: ["CommandLineTool"]),
                product("AsyncHTTPClient", "async-http-client", when: ["CommandLineTool"]),
                product("NIOSSL", "swift-nio-ssl", when: ["CommandLineTool"]),
                nio("NIOCore", when: ["CommandLineTool"]), nio("NIOHTTP1", when: ["CommandLineTool"]),
                nio("NIOPosix", when: ["CommandLineTool"]),
                product("NIOHTTP2", "swift-nio-http2", when: ["CommandLineTool"]),
                product("NIOHPACK", "swift-nio-http2", when: ["CommandLineTool"]),
                .target(name: "SSEAuthorization", condition: .when(traits: ["CommandLineTool"])),
                .target(name: "SSEPostgres", condition: .when(traits: ["CommandLineTool"])), postgresNIO,
                logging(when: ["CommandLineTool"]), metrics(when: ["CommandLineTool"]),
                serviceLifecycle(when: ["CommandLineTool"]), serviceLifecycle("UnixSignals", when: ["CommandLineTool"]),
                product("Prometheus", "swift-prometheus", when: ["CommandLineTool"]),
            ]
        ),
        .testTarget(
            name: "SSEToolTests",
            dependencies: [
                "SSECodec", "SSETestSupport", "SSEServerTestSupport", "SSEStreaming", "SSENIO", "SSEClient",
                .target(name: "SSETool", condition: .when(traits: ["CommandLineTool"])),
            ],
            exclude: ["Recordings", "hub_peer.py", "hub_browser.py"]
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

        // MARK: - What the tests share (not products)

        // Real clients (child processes such as curl, raw sockets), the misbehaving Python server,
        // and the programs the tests need (`.requires(.chromium)`): Foundation only.
        .target(
            name: "SSETestSupport",
            path: "Tests/SSETestSupport",
            exclude: [
                "misbehaving_server.py", "misbehaving_h2_server.py", "generation_client.py", "reconnect_storm.py",
            ]
        ),
        // The servers under test (embedded, Hummingbird, Vapor) and the scenarios every adapter
        // must pass.
        .target(
            name: "SSEServerTestSupport",
            dependencies: [
                "SSETestSupport", "SSECodec", "SSEStreaming", "SSENIO", "SSEHummingbird", "SSEVapor", "SSELongPolling",
                nio("NIOCore"), hummingbird, hummingbirdCore, vapor, logging(), logging("InMemoryLogging"),
                metrics("MetricsTestKit"), tracing(), tracing("InMemoryTracing"),
            ],
            path: "Tests/SSEServerTestSupport"
        ),
        // A server process for the tests that stop one with a signal (SIGINT, SIGTERM): the
        // embedded server in a ServiceGroup.
        .executableTarget(
            name: "SSEServerFixture",
            dependencies: [
                "SSENIO", "SSECodec", "SSEStreaming", serviceLifecycle(), serviceLifecycle("UnixSignals"), logging(),
            ],
            path: "Tests/SSEServerFixture"
        ),
        // The server the browser tests (Tests/Browser) drive: the embedded server with long
        // polling, a broadcaster that outlives restarts of its listener, and control routes.
        .executableTarget(
            name: "SSEBrowserFixture",
            dependencies: [
                "SSELongPolling", "SSENIO", "SSENIOCore", "SSEStreaming", "SSEAuthorization", nio("NIOCore"),
                httpTypes(), logging(),
            ],
            path: "Tests/SSEBrowserFixture"
        ),
        // A server instance for SSEPostgres's tests and benchmark: the embedded server on a
        // broadcaster shared through PostgreSQL.
        .executableTarget(
            name: "SSEPostgresFixture",
            dependencies: [
                "SSEPostgres", "SSENIO", "SSECodec", "SSEStreaming", "SSELongPolling", postgresNIO,
                serviceLifecycle(when: ["PostgresSupport"]), serviceLifecycle("UnixSignals", when: ["PostgresSupport"]),
                logging(when: ["PostgresSupport"]),
            ],
            path: "Tests/SSEPostgresFixture"
        ),

        // MARK: - Documentation

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
