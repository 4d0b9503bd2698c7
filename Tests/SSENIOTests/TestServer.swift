#if NIOSupport
import Foundation
import SSENIO
import SSEStreaming
import SSETestSupport

/// A server on a free port of 127.0.0.1, for one test.
struct TestServer: ServerUnderTest {
    let server: SSEServer
    let port: Int
    let task: Task<Void, any Error>

    /// The fixture's routes (see `Fixture`) on the embedded server.
    static func start(_ fixture: Fixture, corsOrigin: String?) async throws -> Self {
        var configuration = SSEServer.Configuration()
        configuration.cors = corsOrigin.map { SSECORS(allowedOrigins: [$0], allowsCredentials: true) }
        var router = SSERouter()
        router.get("/") { _ in .html(Fixture.page) }
        router.get("/events") { request in
            .stream(fixture.broadcaster.subscribe(to: ["news"], lastEventID: request.lastEventID))
        }
        router.get("/ticks") { _ in .events(fixture.ticks()) }
        return try await start(configuration, router: router)
    }

    static func start(_ configuration: SSEServer.Configuration = .init(port: 0), router: SSERouter) async throws -> Self
    {
        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let server = SSEServer(configuration: configuration, router: router)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task {
            try await server.run { port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            throw CancellationError()
        }
        return Self(server: server, port: port, task: task)
    }

    var connectionCount: Int? { server.connectionCount }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}
#endif
