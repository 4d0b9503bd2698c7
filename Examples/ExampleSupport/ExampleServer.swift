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

import Logging
public import SSENIO
public import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// What every example's `main` shares: the embedded server on 127.0.0.1 and `--port` (8080
/// unless given; 0 picks a free one), HTTPS with HTTP/2 when given `--tls-certificate` and
/// `--tls-key` (PEM files), its URL printed once it listens, a graceful stop on Ctrl-C (SIGINT)
/// or SIGTERM, with the example's own services beside it, and the pages' shared stylesheet at
/// ``stylesheetPath``.
public enum ExampleServer {
    /// Where the pages find their shared stylesheet (`Assets/examples.css`).
    public static let stylesheetPath = "/examples.css"

    /// The shared stylesheet, for servers other than the embedded one (the chat examples).
    public static let stylesheet: String = EmbeddedAssets.examplesCss

    /// Serves `router` until Ctrl-C or SIGTERM, then stops gracefully and returns.
    ///
    /// - Parameters:
    ///   - name: The example's name, in the line that gives its URL.
    ///   - router: The routes.
    ///   - services: Work that runs beside the server (a publisher, a sampler), cancelled at the stop.
    ///   - onShutdown: Called once the server no longer listens (end the broadcasters here).
    public static func run(
        _ name: String,
        router: SSERouter,
        services: [any Service] = [],
        onShutdown: (@Sendable () async -> Void)? = nil
    ) async throws {
        var router = router
        router.get(stylesheetPath, asset: SSEAsset(stylesheet, contentType: .css))
        var configuration = SSEServer.Configuration(host: "127.0.0.1", port: port())
        configuration.tls = tls()
        let scheme = configuration.tls == nil ? "http" : "https"
        let server = SSEServer(
            configuration: configuration,
            router: router,
            onShutdown: onShutdown,
            onServerRunning: { port in
                print("\(name): open \(scheme)://127.0.0.1:\(port)/ (Ctrl-C to stop)")
                fflush(nil)  // the line goes out even when stdout is a pipe
            }
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: server)] + services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigint, .sigterm],
                logger: Logger(label: name)
            )
        )
        try await group.run()
    }

    /// `--tls-certificate CHAIN.pem --tls-key KEY.pem`: TLS, with HTTP/2 offered to browsers
    /// (ALPN), the files read again on `SIGHUP`; none without them. One without the other ends the
    /// program with a message (exit 64).
    public static func tls() -> SSEServer.TLS? {
        switch (option("--tls-certificate"), option("--tls-key")) {
        case (let certificateChain?, let privateKey?):
            var tls = SSEServer.TLS.files(certificateChain: certificateChain, privateKey: privateKey)
            tls.reloadsOnSIGHUP = true
            return tls
        case (nil, nil):
            return nil
        default:
            print("--tls-certificate and --tls-key go together: the certificate chain and its private key (PEM)")
            exit(64)
        }
    }

    /// The `--port` argument, or 8080.
    public static func port() -> Int {
        option("--port").flatMap { Int($0) } ?? 8080
    }

    /// The command-line argument after `flag` (`--ping 5`), if any.
    public static func option(_ flag: String) -> String? {
        let arguments = CommandLine.arguments
        return arguments.firstIndex(of: flag).flatMap { arguments.dropFirst($0 + 1).first }
    }

}

/// A loop that runs every `interval` until the service group stops: a publisher or a sampler.
public struct EveryInterval: Service {
    let interval: Duration
    let body: @Sendable () async -> Void

    /// Runs `body` now and then every `interval`.
    public init(_ interval: Duration, _ body: @escaping @Sendable () async -> Void) {
        self.interval = interval
        self.body = body
    }

    /// Returns, without an error, once the group stops.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await body()
                try? await Task.sleep(for: interval)
            }
        }
    }
}
