#if NIOSupport
import Foundation
import SSECodec
import SSENIO
import SSEStreaming
import SSETestSupport
import Testing

@Suite("Embedded server", .serialized, .timeLimit(.minutes(2)))
struct SSEServerTests {
    static let start: Scenarios.Start = { fixture, corsOrigin in
        try await TestServer.start(fixture, corsOrigin: corsOrigin)
    }

    @Test("What every adapter promises", arguments: Scenario.all)
    func scenario(_ scenario: Scenario) async throws {
        try await scenario.run(Self.start)
    }

    @Test("Bad requests get clear 4xx answers; static pages keep the connection alive")
    func badRequests() async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await TestServer.start(fixture, corsOrigin: nil)
        let raw = try RawConnection(port: server.port)
        raw.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await blocking { raw.read(until: "</title>") }.hasPrefix("HTTP/1.1 200 OK"))
        raw.send("GET /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await blocking { raw.read(until: "Not found\n") }.hasPrefix("HTTP/1.1 404 Not Found"))
        raw.send("DELETE /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let notAllowed = try await blocking { raw.read(until: "not allowed\n") }
        #expect(notAllowed.hasPrefix("HTTP/1.1 405 Method Not Allowed"))
        #expect(notAllowed.lowercased().contains("allow: get\r\n"))
        raw.close()

        let garbage = try RawConnection(port: server.port)
        garbage.send("NOT HTTP AT ALL\r\n\r\n")
        #expect(try await blocking { garbage.read(until: "\r\n\r\n") }.hasPrefix("HTTP/1.1 400 Bad Request"))
        garbage.close()
        #expect(broadcaster.subscriberCount == 0)
        await server.stop()
    }

    @Test("Stopping the server ends open streams and returns")
    func stopEndsStreams() async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await TestServer.start(fixture, corsOrigin: nil)
        let curl = try Child(["curl", "-sN", server.url("/events")])
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        await server.stop()
        _ = try await blocking { curl.readToEnd() }
        #expect(broadcaster.subscriberCount == 0)
    }
}
#endif
