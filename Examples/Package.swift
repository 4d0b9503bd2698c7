// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "Examples",
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11), .visionOS(.v2)],
    dependencies: [
        .package(name: "swift-sse", path: "..")
    ],
    targets: [
        // Decodes a recorded (or piped) event stream with SSECodec alone: no Foundation, no NIO.
        .executableTarget(
            name: "sse-decode",
            dependencies: [.product(name: "SSECodec", package: "swift-sse")],
            path: "sse-decode"
        ),
        .testTarget(
            name: "SSEDecodeTests",
            dependencies: ["sse-decode"],
            path: "Tests/SSEDecodeTests"
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
