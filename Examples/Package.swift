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

let package = Package(
    name: "Examples",
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11), .visionOS(.v2)],
    dependencies: [
        .package(
            name: "swift-sse",
            path: "..",
            traits: ["NIOSupport", "TLSSupport", "AsyncHTTPClientSupport", "HummingbirdSupport", "VaporSupport"]
        ),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // What every server example shares: the embedded server on --port, stopped by Ctrl-C.
        .target(
            name: "ExampleSupport",
            dependencies: [
                .product(name: "SSECodec", package: "swift-sse"),
                .product(name: "SSENIO", package: "swift-sse"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "ExampleSupport",
            exclude: ["Assets"],
            plugins: [.plugin(name: "SSEEmbedAssets", package: "swift-sse")]
        ),
        // The server's time every second to a plain EventSource page.
        .executableTarget(
            name: "ticker",
            dependencies: [
                "ExampleSupport",
                .product(name: "SSECodec", package: "swift-sse"),
                .product(name: "SSEJSON", package: "swift-sse"),
                .product(name: "SSENIO", package: "swift-sse"),
            ],
            path: "ticker",
            exclude: ["Assets"],
            plugins: [.plugin(name: "SSEEmbedAssets", package: "swift-sse")]
        ),
        // Notifications to one client or all, with a ping heartbeat.
        .executableTarget(
            name: "notifications",
            dependencies: [
                "ExampleSupport",
                .product(name: "SSECodec", package: "swift-sse"),
                .product(name: "SSEJSON", package: "swift-sse"),
                .product(name: "SSENIO", package: "swift-sse"),
                .product(name: "SSEStreaming", package: "swift-sse"),
            ],
            path: "notifications",
            exclude: ["Assets"],
            plugins: [.plugin(name: "SSEEmbedAssets", package: "swift-sse")]
        ),
        // This machine's CPU, memory, load and network, live, coalesced for slow tabs.
        .executableTarget(
            name: "dashboard",
            dependencies: [
                "ExampleSupport",
                .product(name: "SSECodec", package: "swift-sse"),
                .product(name: "SSENIO", package: "swift-sse"),
                .product(name: "SSEStreaming", package: "swift-sse"),
            ],
            path: "dashboard",
            exclude: ["Assets"],
            plugins: [.plugin(name: "SSEEmbedAssets", package: "swift-sse")]
        ),
        // The ticker on the browser script, with a switch for each transport.
        .executableTarget(
            name: "fallback",
            dependencies: [
                "ExampleSupport",
                .product(name: "SSECodec", package: "swift-sse"),
                .product(name: "SSELongPolling", package: "swift-sse"),
                .product(name: "SSENIO", package: "swift-sse"),
                .product(name: "SSEStreaming", package: "swift-sse"),
            ],
            path: "fallback",
            exclude: ["Assets"],
            plugins: [.plugin(name: "SSEEmbedAssets", package: "swift-sse")]
        ),
        // Chat rooms, the same on Hummingbird (chat) and Vapor (chat-vapor).
        .target(
            name: "ChatCore",
            dependencies: [
                "ExampleSupport",
                .product(name: "SSECodec", package: "swift-sse"),
                .product(name: "SSEStreaming", package: "swift-sse"),
            ],
            path: "ChatCore",
            exclude: ["Assets"],
            plugins: [.plugin(name: "SSEEmbedAssets", package: "swift-sse")]
        ),
        .executableTarget(
            name: "chat",
            dependencies: [
                "ChatCore",
                "ExampleSupport",
                .product(name: "SSEHummingbird", package: "swift-sse"),
                .product(name: "SSENIOCore", package: "swift-sse"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "chat"
        ),
        .executableTarget(
            name: "chat-vapor",
            dependencies: [
                "ChatCore",
                "ExampleSupport",
                .product(name: "SSEVapor", package: "swift-sse"),
                .product(name: "SSENIOCore", package: "swift-sse"),
                .product(name: "Vapor", package: "vapor"),
            ],
            path: "chat-vapor"
        ),
        .testTarget(
            name: "ExamplesTests",
            dependencies: ["ticker", "notifications", "dashboard", "fallback", "chat", "chat-vapor"],
            path: "Tests/ExamplesTests"
        ),
        // The typewriter demo: an answer streamed token by token to a page, on the embedded server.
        .executableTarget(
            name: "typewriter",
            dependencies: [
                "ExampleSupport",
                .product(name: "SSEClient", package: "swift-sse"),
                .product(name: "SSENIOCore", package: "swift-sse"),
                .product(name: "SSEStreaming", package: "swift-sse"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "SSECodec", package: "swift-sse"),
                .product(name: "SSEJSON", package: "swift-sse"),
                .product(name: "SSENIO", package: "swift-sse"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "typewriter"
        ),
        .testTarget(
            name: "TypewriterTests",
            dependencies: [
                "typewriter",
                .product(name: "SSECodec", package: "swift-sse"),
                .product(name: "SSENIO", package: "swift-sse"),
                .product(name: "SSEStreaming", package: "swift-sse"),
            ],
            path: "Tests/TypewriterTests"
        ),
    ]
)

for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
