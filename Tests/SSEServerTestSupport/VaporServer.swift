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

#if VaporSupport
import SSENIO
import SSELongPolling
import SSENIOCore
import SSEStreaming
import SSEVapor
public import Vapor

/// A Vapor application serving the fixture's routes with `SSEStream`, on a free port, with HTTP
/// pipelining support off as `SSEStream` recommends.
public struct VaporServer: ServerUnderTest {
    public let port: Int
    public let app: Application

    public var connectionCount: Int? { nil }

    /// - Parameters:
    ///   - observation: Where the application logs and `/events` reports metrics; `nil`: critical
    ///     messages only, no metrics.
    ///   - configure: Changes to the application before it starts (its server's TLS, say).
    public static func start(
        _ fixture: Fixture,
        corsOrigin: String?,
        port: Int = 0,
        observation: Observation? = nil,
        configure: (Application) throws -> Void = { _ in }
    ) async throws -> Self {
        let app = try await Application.make(.testing)
        let streamConfiguration = observation?.streamConfiguration ?? SSEStreamConfiguration()
        if let observation {
            app.logger = observation.logger
        } else {
            app.logger.logLevel = .critical
        }
        app.http.server.configuration.supportPipelining = false
        if let corsOrigin {
            // As SSEVapor's documentation configures Vapor's own middleware.
            let cors = CORSMiddleware(
                configuration: .init(
                    allowedOrigin: .any([corsOrigin]),
                    allowedMethods: [.GET, .HEAD, .POST, .OPTIONS],
                    allowedHeaders: ["Last-Event-ID", .cacheControl, .contentType, .authorization],
                    allowCredentials: true,
                    cacheExpiration: 600,
                    exposedHeaders: [.retryAfter, "SSE-Newest-Event-ID", "SSE-Replay-Unavailable"]
                )
            )
            app.middleware.use(cors, at: .beginning)
        }
        app.get { _ in
            Response(
                status: .ok,
                headers: ["Content-Type": "text/html; charset=utf-8"],
                body: .init(string: Fixture.page)
            )
        }
        app.get("events") { request in
            SSEStream(
                fixture.broadcaster.subscribe(to: ["news"], lastEventID: try request.sseLastEventID()),
                configuration: streamConfiguration
            )
        }
        app.get("ticks") { _ in
            SSEStream(events: fixture.ticks())
        }
        app.get("finite") { _ in
            SSEStream(events: fixture.finite())
        }
        app.get("updates") { request in
            try await fixture.longPoll.response(to: request, topics: ["news"], stream: streamConfiguration)
        }
        app.get("answers", ":id") { request in
            let id = request.parameters.get("id") ?? ""
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
        app.post("answers", ":id", "stop") { request in
            fixture.generations.stop(request.parameters.get("id") ?? "") ? HTTPStatus.noContent : .notFound
        }
        try configure(app)
        try await app.server.start(address: .hostname("127.0.0.1", port: port))
        guard let port = app.http.server.shared.localAddress?.port else {
            try await app.asyncShutdown()
            throw CancellationError()
        }
        return Self(port: port, app: app)
    }

    public func stop() async {
        await app.server.shutdown()
        try? await app.asyncShutdown()
    }
}

#endif
