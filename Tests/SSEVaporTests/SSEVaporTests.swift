#if VaporSupport
import SSENIO
import SSEStreaming
import SSETestSupport
import SSEVapor
import Testing
import Vapor

/// A Vapor application serving the fixture's routes with `SSEStream`, on a free port, with HTTP
/// pipelining support off as `SSEStream` recommends.
struct VaporServer: ServerUnderTest {
    let port: Int
    let app: Application

    var connectionCount: Int? { nil }

    static func start(_ fixture: Fixture, corsOrigin: String?) async throws -> Self {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .critical
        app.http.server.configuration.supportPipelining = false
        if let corsOrigin {
            app.middleware.use(SSECORSMiddleware(SSECORS(allowedOrigins: [corsOrigin], allowsCredentials: true)))
        }
        app.get { _ in
            Response(
                status: .ok,
                headers: ["Content-Type": "text/html; charset=utf-8"],
                body: .init(string: Fixture.page)
            )
        }
        app.get("events") { request in
            SSEStream(fixture.broadcaster.subscribe(to: ["news"], lastEventID: try request.lastEventID()))
        }
        app.get("ticks") { _ in
            SSEStream(events: fixture.ticks())
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else {
            try await app.asyncShutdown()
            throw CancellationError()
        }
        return Self(port: port, app: app)
    }

    func stop() async {
        await app.server.shutdown()
        try? await app.asyncShutdown()
    }
}

@Suite("Vapor adapter", .serialized, .timeLimit(.minutes(3)))
struct SSEVaporTests {
    static let start: Scenarios.Start = { fixture, corsOrigin in
        try await VaporServer.start(fixture, corsOrigin: corsOrigin)
    }

    @Test("What every adapter promises", arguments: Scenario.all)
    func scenario(_ scenario: Scenario) async throws {
        try await scenario.run(Self.start)
    }
}
#endif
