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

// A server under test, serving a `Fixture`, for every test target that needs one.

#if HummingbirdSupport
import HTTPTypes
import Hummingbird
public import HummingbirdCore
import Logging
import SSEHummingbird
import SSENIOCore
import SSENIO
import SSELongPolling
import SSEStreaming
import Synchronization

/// A Hummingbird application serving the fixture's routes with `SSEStream`, on a free port.
public struct HummingbirdServer: ServerUnderTest {
    public let port: Int
    public let task: Task<Void, any Error>
    public let connections: ConnectionCounter

    public var connectionCount: Int? { connections.openCount }

    /// Hummingbird's `CORSMiddleware` sends `Access-Control-Expose-Headers` in preflight answers only.
    public var exposesHeadersToCrossOriginPages: Bool { false }

    /// - Parameters:
    ///   - observation: Where the application logs and `/events` reports metrics; `nil`: critical
    ///     messages only, no metrics.
    ///   - server: The application's HTTP server (HTTP/1.1 by default).
    public static func start(
        _ fixture: Fixture,
        corsOrigin: String?,
        port: Int = 0,
        observation: Observation? = nil,
        server: HTTPServerBuilder = .http1()
    ) async throws -> Self {
        let streamConfiguration = observation?.streamConfiguration ?? SSEStreamConfiguration()
        let router = Router()
        if let corsOrigin {
            // As SSEHummingbird's documentation configures Hummingbird's own middleware.
            router.add(
                middleware: CORSMiddleware(
                    allowOrigin: .oneOf(corsOrigin),
                    allowHeaders: [HTTPField.Name("Last-Event-ID")!, .cacheControl, .contentType, .authorization],
                    allowMethods: [.get, .head, .post, .options],
                    allowCredentials: true,
                    exposedHeaders: ["Retry-After", "SSE-Newest-Event-ID", "SSE-Replay-Unavailable"],
                    maxAge: .seconds(600)
                )
            )
        }
        router.get("/") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: Fixture.page))
            )
        }
        router.get("/events") { request, _ in
            SSEStream(
                fixture.broadcaster.subscribe(to: ["news"], lastEventID: try request.sseLastEventID()),
                configuration: streamConfiguration
            )
        }
        router.get("/ticks") { _, _ in
            SSEStream(events: fixture.ticks())
        }
        router.get("/finite") { _, _ in
            SSEStream(events: fixture.finite())
        }
        router.get("/updates") { request, context in
            try await fixture.longPoll.response(
                to: request,
                context: context,
                topics: ["news"],
                stream: streamConfiguration
            )
        }
        router.get("/answers/:id") { request, context in
            let id = try context.parameters.require("id")
            let lastEventID = try request.sseLastEventID()
            if lastEventID == nil {
                try fixture.startAnswer(id)
            }
            return SSEGenerationStream(
                id,
                of: fixture.generations,
                lastEventID: lastEventID,
                configuration: streamConfiguration
            )
        }
        router.post("/answers/:id/stop") { _, context in
            fixture.generations.stop(try context.parameters.require("id")) ? HTTPResponse.Status.noContent : .notFound
        }
        let connections = ConnectionCounter()
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = observation?.logger ?? Logger(label: "SSEHummingbirdTests")
        if observation == nil {
            logger.logLevel = .critical
        }
        let app = Application(
            router: router,
            server: server,
            configuration: .init(
                address: .hostname("127.0.0.1", port: port),
                availableConnectionsDelegate: connections
            ),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            throw CancellationError()
        }
        return Self(port: port, task: task, connections: connections)
    }

    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// Counts the application's open connections.
public struct ConnectionCounter: AvailableConnectionsDelegate {
    final class Storage: Sendable {
        let open = Atomic(0)
    }

    private let storage = Storage()
    public var openCount: Int { storage.open.load(ordering: .relaxed) }

    public mutating func connectionOpened() { storage.open.add(1, ordering: .relaxed) }
    public mutating func connectionClosed() { storage.open.subtract(1, ordering: .relaxed) }
    public func isAcceptingNewConnections() -> Bool { true }
}

#endif
