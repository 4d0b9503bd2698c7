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

#if NIOSupport
import NIOCore
public import SSENIO
import SSELongPolling
import SSEStreaming
#if TLSSupport
public import SSETestSupport
#endif

/// A server on a free port of 127.0.0.1, for one test.
public struct TestServer: ServerUnderTest {
    public let server: SSEServer
    public let port: Int
    public let task: Task<Void, any Error>

    /// The fixture's routes (see `Fixture`) on the embedded server.
    public static func start(
        _ fixture: Fixture,
        corsOrigin: String?,
        port: Int = 0,
        configure: (inout SSEServer.Configuration) -> Void = { _ in }
    ) async throws -> Self {
        var configuration = SSEServer.Configuration()
        configuration.port = port
        configuration.cors = try corsOrigin.map { try SSECORS(allowedOrigins: [$0], allowsCredentials: true) }
        configure(&configuration)
        var router = SSERouter()
        router.get("/") { _ in .html(Fixture.page) }
        router.get("/events") { request in
            .stream(fixture.broadcaster.subscribe(to: ["news"], lastEventID: request.lastEventID))
        }
        router.get("/ticks") { _ in .events(fixture.ticks()) }
        router.get("/finite") { _ in .events(fixture.finite()) }
        router.get("/updates") { request in await fixture.longPoll.response(to: request, topics: ["news"]) }
        router.get("/answers/:id") { request in
            let id = request.parameters["id"] ?? ""
            if request.lastEventID == nil {
                try fixture.startAnswer(id)
            }
            return .generation(id, of: fixture.generations, lastEventID: request.lastEventID)
        }
        router.post("/answers/:id/stop") { request in
            fixture.generations.stop(request.parameters["id"] ?? "") ? .empty() : .empty(.notFound)
        }
        return try await start(configuration, router: router)
    }

    public static func start(
        _ configuration: SSEServer.Configuration = .init(port: 0),
        router: SSERouter
    ) async throws -> Self {
        var configuration = configuration
        configuration.host = "127.0.0.1"
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = SSEServer(
            configuration: configuration,
            router: router,
            onServerRunning: { continuation.yield($0) }
        )
        let task = Task {
            try await server.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            throw CancellationError()
        }
        return Self(server: server, port: port, task: task)
    }

    #if TLSSupport
    /// The fixture's routes over TLS with `certificates` (HTTP/2 offered by ALPN).
    public static func start(
        _ fixture: Fixture,
        tls certificates: TestCertificates,
        configure: (inout SSEServer.Configuration) -> Void = { _ in }
    ) async throws -> Self {
        try await start(fixture, corsOrigin: nil) { configuration in
            configuration.tls = .files(certificateChain: certificates.certificate, privateKey: certificates.privateKey)
            configure(&configuration)
        }
    }
    #endif

    public var connectionCount: Int? { server.connectionCount }

    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}
#endif
