#if HummingbirdSupport
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import SSEHummingbird
import SSENIO
import SSEStreaming
import SSETestSupport
import Synchronization
import Testing

/// A Hummingbird application serving the fixture's routes with `SSEStream`, on a free port.
struct HummingbirdServer: ServerUnderTest {
    let port: Int
    let task: Task<Void, any Error>
    let connections: ConnectionCounter

    var connectionCount: Int? { connections.openCount }

    static func start(_ fixture: Fixture, corsOrigin: String?) async throws -> Self {
        let router = Router()
        if let corsOrigin {
            router.add(middleware: SSECORSMiddleware(SSECORS(allowedOrigins: [corsOrigin], allowsCredentials: true)))
        }
        router.get("/") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: Fixture.page))
            )
        }
        router.get("/events") { request, _ in
            SSEStream(fixture.broadcaster.subscribe(to: ["news"], lastEventID: try request.lastEventID()))
        }
        router.get("/ticks") { _, _ in
            SSEStream(events: fixture.ticks())
        }
        let connections = ConnectionCounter()
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "SSEHummingbirdTests")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(
                address: .hostname("127.0.0.1", port: 0),
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

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// Counts the application's open connections.
struct ConnectionCounter: AvailableConnectionsDelegate {
    final class Storage: Sendable {
        let open = Atomic(0)
    }

    private let storage = Storage()
    var openCount: Int { storage.open.load(ordering: .relaxed) }

    mutating func connectionOpened() { storage.open.add(1, ordering: .relaxed) }
    mutating func connectionClosed() { storage.open.subtract(1, ordering: .relaxed) }
    func isAcceptingNewConnections() -> Bool { true }
}

@Suite("Hummingbird adapter", .serialized, .timeLimit(.minutes(3)))
struct SSEHummingbirdTests {
    static let start: Scenarios.Start = { fixture, corsOrigin in
        try await HummingbirdServer.start(fixture, corsOrigin: corsOrigin)
    }

    @Test("What every adapter promises", arguments: Scenario.all)
    func scenario(_ scenario: Scenario) async throws {
        try await scenario.run(Self.start)
    }
}
#endif
