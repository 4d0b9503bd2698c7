#if NIOSupport
import Foundation
import SSECodec
import SSENIO
import SSEStreaming
import Testing

@Suite("Embedded server", .serialized, .timeLimit(.minutes(2)))
struct SSEServerTests {
    static func broadcaster() -> SSEBroadcaster {
        var configuration = SSEBroadcaster.Configuration()
        configuration.idPrefix = ""
        configuration.heartbeat = nil
        return SSEBroadcaster(configuration: configuration)
    }

    static func router(_ broadcaster: SSEBroadcaster) -> SSERouter {
        var router = SSERouter()
        router.get("/") { _ in .html("<!doctype html><title>demo</title>") }
        router.get("/events") { request in
            .stream(broadcaster.subscribe(to: ["news"], lastEventID: request.lastEventID))
        }
        router.post("/publish") { _ in
            try broadcaster.publish(ServerSentEvent(data: "posted"), to: "news")
            return .text("ok")
        }
        return router
    }

    @Test("curl -N receives each event as it is published, with the SSE headers")
    func curlStreamsEvents() async throws {
        let broadcaster = Self.broadcaster()
        let server = try await TestServer.start(router: Self.router(broadcaster))
        let curl = try Child(["curl", "-sN", "-i", server.url("/events")])
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        var output = ""
        for index in 1...3 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
            // Each event arrives before the next is published: flushed per event.
            #expect(try await curl.receive("data: event \(index)\nid: \(index)\n\n", into: &output))
        }
        try broadcaster.shutDown(finalEvent: ServerSentEvent(type: "bye", data: "done"))
        output += try await blocking { curl.readToEnd() }
        let lowercased = output.lowercased()
        #expect(lowercased.contains("content-type: text/event-stream; charset=utf-8\r\n"))
        #expect(lowercased.contains("cache-control: no-cache\r\n"))
        #expect(lowercased.contains("x-accel-buffering: no\r\n"))
        #expect(output.hasSuffix("event: bye\ndata: done\n\n"))
        await server.stop()
    }

    @Test("Last-Event-ID, as a header or a query parameter, resumes after that event")
    func resumeFromLastEventID() async throws {
        let broadcaster = Self.broadcaster()
        for index in 1...5 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
        }
        let server = try await TestServer.start(router: Self.router(broadcaster))
        let header = try Child(["curl", "-sN", "-H", "Last-Event-ID: 3", server.url("/events")])
        let query = try Child(["curl", "-sN", server.url("/events?lastEventId=4")])
        #expect(await eventually { broadcaster.subscriberCount == 2 })
        try broadcaster.shutDown()
        #expect(try await blocking { header.readToEnd() } == "data: event 4\nid: 4\n\ndata: event 5\nid: 5\n\n")
        #expect(try await blocking { query.readToEnd() } == "data: event 5\nid: 5\n\n")
        await server.stop()
    }

    @Test("A client that disconnects from a quiet stream is noticed at once, and released")
    func disconnectIsNoticed() async throws {
        let broadcaster = Self.broadcaster()
        let server = try await TestServer.start(router: Self.router(broadcaster))
        let curl = try Child(["curl", "-sN", server.url("/events")])
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        let start = ContinuousClock.now
        try await blocking { curl.kill() }
        #expect(await eventually(within: 1) { broadcaster.subscriberCount == 0 && server.server.connectionCount == 0 })
        #expect(ContinuousClock.now - start < .seconds(1))
        await server.stop()
    }

    @Test("10,000 connect-and-disconnect cycles leave no subscriber and no connection behind")
    func connectDisconnectCycles() async throws {
        let broadcaster = Self.broadcaster()
        let server = try await TestServer.start(router: Self.router(broadcaster))
        let port = server.port
        try await blocking {
            for _ in 0..<10_000 {
                let connection = try RawConnection(port: port)
                connection.send("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
                _ = connection.read(until: "\r\n\r\n")
                connection.close()
            }
        }
        #expect(await eventually(within: 5) { broadcaster.subscriberCount == 0 && server.server.connectionCount == 0 })
        await server.stop()
    }

    @Test("gzip when the client asks (curl --compressed decodes it as it streams), not otherwise")
    func gzipNegotiated() async throws {
        let broadcaster = Self.broadcaster()
        let server = try await TestServer.start(router: Self.router(broadcaster))
        let compressed = try Child(["curl", "-sN", "--compressed", "-D", "/dev/stderr", server.url("/events")])
        let raw = try RawConnection(port: server.port)
        raw.send("GET /events HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip;q=0, identity\r\n\r\n")
        #expect(await eventually { broadcaster.subscriberCount == 2 })
        var output = ""
        for index in 1...3 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
            #expect(try await compressed.receive("data: event \(index)\nid: \(index)\n\n", into: &output))
        }
        let plain = try await blocking { raw.read(until: "data: event 3\nid: 3\n\n") }
        #expect(!plain.lowercased().contains("content-encoding"))
        #expect(plain.contains("data: event 1\nid: 1\n\n"))
        raw.close()
        try broadcaster.shutDown()
        #expect(
            try await output + blocking { compressed.readToEnd() }
                == (1...3).map { "data: event \($0)\nid: \($0)\n\n" }.joined()
        )
        await server.stop()
    }

    @Test("A gzip response carries Content-Encoding and Vary")
    func gzipHeaders() async throws {
        let broadcaster = Self.broadcaster()
        let server = try await TestServer.start(router: Self.router(broadcaster))
        let raw = try RawConnection(port: server.port)
        raw.send("GET /events HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: br, gzip\r\n\r\n")
        let head = try await blocking { raw.read(until: "\r\n\r\n") }.lowercased()
        #expect(head.contains("content-encoding: gzip\r\n"))
        #expect(head.contains("vary: accept-encoding\r\n"))
        raw.close()
        await server.stop()
    }

    @Test("Bad requests get clear 4xx answers; static pages keep the connection alive")
    func badRequests() async throws {
        let broadcaster = Self.broadcaster()
        let server = try await TestServer.start(router: Self.router(broadcaster))
        let raw = try RawConnection(port: server.port)
        raw.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await blocking { raw.read(until: "</title>") }.hasPrefix("HTTP/1.1 200 OK"))
        raw.send("GET /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await blocking { raw.read(until: "Not found\n") }.hasPrefix("HTTP/1.1 404 Not Found"))
        raw.send("DELETE /events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let notAllowed = try await blocking { raw.read(until: "not allowed\n") }
        #expect(notAllowed.hasPrefix("HTTP/1.1 405 Method Not Allowed"))
        #expect(notAllowed.lowercased().contains("allow: get\r\n"))
        raw.send("GET /events?lastEventId=a%00b HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try await blocking { raw.read(until: "LF\n") }.hasPrefix("HTTP/1.1 400 Bad Request"))
        let longID = String(repeating: "x", count: 2_000)
        raw.send("GET /events HTTP/1.1\r\nHost: localhost\r\nLast-Event-ID: \(longID)\r\n\r\n")
        #expect(try await blocking { raw.read(until: "bytes\n") }.hasPrefix("HTTP/1.1 400 Bad Request"))
        raw.close()

        let garbage = try RawConnection(port: server.port)
        garbage.send("NOT HTTP AT ALL\r\n\r\n")
        #expect(try await blocking { garbage.read(until: "\r\n\r\n") }.hasPrefix("HTTP/1.1 400 Bad Request"))
        garbage.close()
        #expect(broadcaster.subscriberCount == 0)
        await server.stop()
    }

    @Test("CORS: an allowed origin is named (never * with credentials); others get no CORS headers")
    func cors() async throws {
        var configuration = SSEServer.Configuration()
        configuration.cors = SSECORS(allowedOrigins: ["https://app.example"], allowsCredentials: true)
        let broadcaster = Self.broadcaster()
        let server = try await TestServer.start(configuration, router: Self.router(broadcaster))

        let allowed = try RawConnection(port: server.port)
        allowed.send("GET / HTTP/1.1\r\nHost: localhost\r\nOrigin: https://app.example\r\n\r\n")
        let allowedHead = try await blocking { allowed.read(until: "</title>") }.lowercased()
        #expect(allowedHead.contains("access-control-allow-origin: https://app.example\r\n"))
        #expect(allowedHead.contains("access-control-allow-credentials: true\r\n"))
        #expect(!allowedHead.contains("access-control-allow-origin: *"))

        allowed.send("OPTIONS /events HTTP/1.1\r\nHost: localhost\r\nOrigin: https://app.example\r\n\r\n")
        let preflight = try await blocking { allowed.read(until: "\r\n\r\n") }.lowercased()
        #expect(preflight.hasPrefix("http/1.1 204"))
        #expect(preflight.contains("access-control-allow-headers: last-event-id"))
        allowed.close()

        let other = try RawConnection(port: server.port)
        other.send("GET / HTTP/1.1\r\nHost: localhost\r\nOrigin: https://evil.example\r\n\r\n")
        #expect(
            try await !blocking { other.read(until: "</title>") }.lowercased().contains("access-control-allow-origin")
        )
        other.close()
        await server.stop()
    }

    @Test("Stopping the server ends open streams and returns")
    func stopEndsStreams() async throws {
        let broadcaster = Self.broadcaster()
        let server = try await TestServer.start(router: Self.router(broadcaster))
        let curl = try Child(["curl", "-sN", server.url("/events")])
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        await server.stop()
        _ = try await blocking { curl.readToEnd() }
        #expect(broadcaster.subscriberCount == 0)
    }
}
#endif
