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
import NIOCore
public import SSECodec
public import SSENIO
public import ServiceLifecycle
import Synchronization
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// What every example's `main` shares: the embedded server on 127.0.0.1 and `--port` (8080
/// unless given; 0 picks a free one), HTTPS with HTTP/2 when given `--tls-certificate` and
/// `--tls-key` (PEM files), CORS for `--cors-origin`, its URL printed once it listens, a graceful
/// stop on Ctrl-C (SIGINT) or SIGTERM, with the example's own services beside it, and the pages'
/// shared stylesheet at ``stylesheetPath``.
public enum ExampleServer {
    /// Where the pages find their shared stylesheet (`Assets/examples.css`).
    public static let stylesheetPath = "/examples.css"

    /// The shared stylesheet, for servers other than the embedded one (the chat examples).
    public static let stylesheet: String = EmbeddedAssets.examplesCss

    /// The last event of every stream when an example stops: the pages show it.
    public static let finalEvent = ServerSentEvent(
        type: "shutdown",
        data: #"{"message":"The server is stopping."}"#
    )

    /// Runs an example's `main`: an error that stops it (a port in use, a file that cannot be
    /// read) is one line on standard error and exit status 1, never a crash report.
    public static func main(_ options: ExampleOptions, _ body: @Sendable () async throws -> Void) async {
        do {
            try await body()
        } catch {
            ExampleOptions.fail(options.command, describe(error, port: options.port))
        }
    }

    /// What went wrong, in a line a user can act on.
    static func describe(_ error: any Error, port: Int) -> String {
        if let error = error as? IOError {
            switch error.errnoCode {
            case EADDRINUSE:
                return
                    "port \(port) on 127.0.0.1 is already in use; choose another with --port PORT (0 picks a free one)"
            case EACCES:
                return "port \(port) on 127.0.0.1 needs privileges; choose one above 1023 with --port PORT"
            default:
                return "could not listen on 127.0.0.1:\(port): \(String(cString: strerror(error.errnoCode)))"
            }
        }
        return "\(error)"
    }

    /// Serves `router` until Ctrl-C or SIGTERM, then stops gracefully and returns.
    ///
    /// - Parameters:
    ///   - name: The example's name, in the line that gives its URL.
    ///   - options: The command line: port, TLS, CORS.
    ///   - router: The routes.
    ///   - services: Work that runs beside the server (a publisher, a sampler), cancelled at the stop.
    ///   - onShutdown: Called once the server no longer listens (end the broadcasters here, with
    ///     ``finalEvent``).
    public static func run(
        _ name: String,
        options: ExampleOptions,
        router: SSERouter,
        services: [any Service] = [],
        onShutdown: (@Sendable () async -> Void)? = nil
    ) async throws {
        var router = router
        router.get(stylesheetPath, asset: SSEAsset(stylesheet, contentType: .css))
        var configuration = SSEServer.Configuration(host: "127.0.0.1", port: options.port)
        configuration.tls = options.tls
        configuration.cors = options.cors
        let scheme = configuration.tls == nil ? "http" : "https"
        let server = SSEServer(
            configuration: configuration,
            router: router,
            onShutdown: onShutdown,
            onServerRunning: { port in
                announce(name, url: "\(scheme)://127.0.0.1:\(port)/")
            }
        )
        var logger = Logger(label: name)
        logger.logLevel = .warning
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: server)] + services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigint, .sigterm],
                logger: logger
            )
        )
        try await group.run()
    }

    /// The line that gives the example's URL, written at once even when stdout is a pipe.
    public static func announce(_ name: String, url: String) {
        print("\(name): open \(url) (Ctrl-C to stop)")
        fflush(nil)
    }
}

/// Ends an example's own streams (sequences that are not broadcaster subscriptions) with
/// ``ExampleServer/finalEvent`` when the server stops: their waits end early, and the server's
/// `onShutdown` waits, for up to a second, until they have all ended.
public final class Farewell: Sendable {
    private struct State {
        var stopping = false
        var nextID: UInt64 = 0
        var pending: Set<UInt64> = []
        var early: Set<UInt64> = []
        var sleepers: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var open = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether the server is stopping.
    public var isStopping: Bool {
        state.withLock { $0.stopping }
    }

    /// Waits for `duration`; `false` as soon as the server is stopping (or the task is cancelled).
    public func pause(for duration: Duration) async -> Bool {
        let id: UInt64? = state.withLock { state in
            guard !state.stopping else {
                return nil
            }
            state.nextID += 1
            state.pending.insert(state.nextID)
            return state.nextID
        }
        guard let id else {
            return false
        }
        let timer = Task {
            try? await Task.sleep(for: duration)
            wake(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state in
                    if state.stopping || state.early.remove(id) != nil {
                        return true
                    }
                    state.sleepers[id] = continuation
                    return false
                }
                if now {
                    continuation.resume()
                }
            }
        } onCancel: {
            wake(id)
        }
        timer.cancel()
        return state.withLock { state in
            state.pending.remove(id)
            state.early.remove(id)
            return !state.stopping
        } && !Task.isCancelled
    }

    private func wake(_ id: UInt64) {
        let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let sleeper = state.sleepers.removeValue(forKey: id) {
                return sleeper
            }
            if state.pending.contains(id) {
                state.early.insert(id)
            }
            return nil
        }
        sleeper?.resume()
    }

    /// `stream`, counted as open until the server has stopped reading it.
    public func track<Base: AsyncSequence & Sendable>(_ stream: Base) -> Released<Base> {
        state.withLock { $0.open += 1 }
        return Released(stream) { [self] in
            state.withLock { $0.open -= 1 }
        }
    }

    /// The server is stopping: every wait ends, and this returns once every tracked stream has
    /// ended (a second at most).
    public func stop() async {
        let sleepers = state.withLock { state in
            state.stopping = true
            defer { state.sleepers.removeAll() }
            return Array(state.sleepers.values)
        }
        for sleeper in sleepers {
            sleeper.resume()
        }
        for _ in 0..<100 where state.withLock({ $0.open > 0 }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
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
