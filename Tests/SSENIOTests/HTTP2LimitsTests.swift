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

#if TLSSupport
import SSECodec
import SSENIO
import SSEServerTestSupport
import SSEStreaming
import SSETestSupport
import Synchronization
import Testing

/// HTTP/2 from a raw client of the tests' own (``RawHTTP2Connection``), over cleartext with prior
/// knowledge: per-stream back pressure, GOAWAY on shutdown, and the limits against the known
/// attacks, each followed by a request from curl to show the server still answers.
@Suite("HTTP/2 streams and limits on the embedded server", .serialized, .timeLimit(.minutes(3)), .requires(.curl))
struct HTTP2LimitsTests {
    typealias Raw = RawHTTP2Connection

    static func start(
        _ fixture: Fixture,
        configure: (inout SSEServer.Configuration) -> Void = { _ in }
    ) async throws
        -> TestServer
    {
        try await TestServer.start(fixture, corsOrigin: nil) { configuration in
            configuration.http2.acceptsCleartext = true
            configure(&configuration)
        }
    }

    /// The server still answers a new connection over HTTP/2.
    static func stillAnswers(_ server: TestServer) async throws -> Bool {
        let curl = try Child([
            "curl", "-s", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
            server.url("/"),
        ])
        return try await blocking { curl.readToEnd() } == "2 200"
    }

    /// Sends `frames` and reads until the server's GOAWAY; its error code, and whether the server
    /// then closed the connection.
    static func goAway(after frames: [UInt8], on connection: Raw) async throws -> (code: UInt32?, closed: Bool) {
        try await blocking {
            connection.send(frames)
            let goAway = connection.read(until: { $0.type == .goAway })
            return (goAway?.errorCode, connection.awaitClose())
        }
    }

    @Test(
        "a stream whose window stays closed stops only its own pull: its neighbour on the same connection gets every event"
    )
    func perStreamBackPressure() async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await Self.start(fixture)
        // A 200-byte window per stream: the stalled stream can take one or two events.
        let connection = try Raw(port: server.port, settings: [(0x4, 200)])
        connection.request(stream: 1, path: "/events")
        connection.request(stream: 3, path: "/events")
        #expect(await eventually { broadcaster.subscriberCount == 2 })
        let count = 300
        let payload = String(repeating: "p", count: 100)
        async let reading: (reader: String, stalled: Int) = blocking {
            var reader = ""
            var stalled = 0
            while !reader.contains("id: \(count)\n"), let frame = connection.nextFrame() {
                guard frame.type == .data, !frame.payload.isEmpty else {
                    continue
                }
                // The connection's window is opened for every stream; stream 1's own, never.
                connection.windowUpdate(stream: 0, frame.payload.count)
                if frame.stream == 3 {
                    reader += String(decoding: frame.payload, as: UTF8.self)
                    connection.windowUpdate(stream: 3, frame.payload.count)
                } else {
                    stalled += frame.payload.count
                }
            }
            return (reader, stalled)
        }
        for _ in 1...count {
            try broadcaster.publish(ServerSentEvent(data: payload), to: "news")
        }
        let (reader, stalled) = try await reading
        var decoder = SSEDecoder()
        var ids: [String] = []
        try decoder.decode(reader.utf8) { output in
            if case .event(let event) = output {
                ids.append(event.id ?? "")
            }
        }
        #expect(ids == (1...count).map(String.init))
        #expect(stalled <= 200)
        connection.close()
        #expect(await eventually { broadcaster.subscriberCount == 0 })
        await server.stop()
    }

    @Test("a stopping server sends GOAWAY, ends the open stream with its end, then closes the connection")
    func goAwayOnShutdown() async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await Self.start(fixture)
        let connection = try Raw(port: server.port)
        connection.request(stream: 1, path: "/events")
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        try broadcaster.publish(ServerSentEvent(data: "before"), to: "news")
        #expect(try await blocking { connection.read(until: { $0.type == .data && !$0.payload.isEmpty }) } != nil)
        async let frames: (seen: [Raw.Frame], closed: Bool) = blocking {
            var frames: [Raw.Frame] = []
            _ = connection.read(until: { $0.stream == 1 && $0.endStream }, seen: { frames.append($0) })
            return (frames, connection.awaitClose())
        }
        await server.stop()
        let (seen, closed) = try await frames
        // A graceful close (RFC 9113 §6.8): GOAWAY first (with the largest ID and a PING, then,
        // if the client answers while streams are open, with the last stream the server took),
        // and the stream's end before the connection closes.
        let goAways = seen.filter { $0.type == .goAway }
        #expect(!goAways.isEmpty)
        #expect(goAways.allSatisfy { $0.errorCode == Raw.ErrorCode.noError })
        #expect(seen.firstIndex { $0.type == .goAway } ?? .max < seen.firstIndex { $0.endStream } ?? -1)
        #expect(seen.last?.stream == 1 && seen.last?.endStream == true)
        #expect(closed)
        connection.close()
    }

    /// Route tasks that ignore their cancellation: each waits until the test lets it go.
    final class StuckRoutes: Sendable {
        let waiting = Mutex<[CheckedContinuation<Void, Never>]>([])
        let entered = Atomic(0)

        func wait() async {
            await withCheckedContinuation { continuation in
                waiting.withLock { $0.append(continuation) }
                entered.add(1, ordering: .relaxed)
            }
        }

        func release() {
            let all = waiting.withLock { waiting in
                defer { waiting = [] }
                return waiting
            }
            for continuation in all {
                continuation.resume()
            }
        }
    }

    @Test(
        "a stopping server is not held by a route that ignores its cancellation, over HTTP/1.1 and HTTP/2, nor by an HTTP/2 stream whose window stays closed"
    )
    func stuckConnectionsOnShutdown() async throws {
        let fixture = Fixture()
        let stuck = StuckRoutes()
        var router = SSERouter()
        router.get("/stuck") { _ in
            await stuck.wait()
            return .text("too late")
        }
        router.get("/events") { _ in .stream(fixture.broadcaster.subscribe(to: ["news"])) }
        var configuration = SSEServer.Configuration(port: 0)
        configuration.http2.acceptsCleartext = true
        let server = try await TestServer.start(configuration, router: router)
        let http1 = try RawConnection(port: server.port)
        http1.send("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n")
        // A window of 200 bytes that is never opened: the stream's end cannot be written.
        let http2 = try Raw(port: server.port, settings: [(0x4, 200)])
        http2.request(stream: 1, path: "/stuck")
        http2.request(stream: 3, path: "/events")
        #expect(
            await eventually { stuck.entered.load(ordering: .relaxed) == 2 && fixture.broadcaster.subscriberCount == 1 }
        )
        for _ in 1...20 {
            try fixture.broadcaster.publish(ServerSentEvent(data: String(repeating: "x", count: 100)), to: "news")
        }
        // Both clients read nothing more: the server closes them once their deadline passed.
        await server.stop()
        #expect(server.connectionCount == 0)
        #expect(try await blocking { http1.drain() } == 0)
        #expect(try await blocking { http2.awaitClose() })
        stuck.release()
        http1.close()
        http2.close()
    }

    @Test(
        "a connection left without streams for the keep-alive timeout is closed with GOAWAY, even if the client never answers its PING"
    )
    func idleConnection() async throws {
        let server = try await Self.start(Fixture()) { $0.keepAliveTimeout = .milliseconds(200) }
        let connection = try Raw(port: server.port)
        connection.request(stream: 1, path: "/")
        let (answered, goAway, closed) = try await blocking {
            let answered = connection.read(until: { $0.stream == 1 && $0.endStream }) != nil
            let goAway = connection.read(until: { $0.type == .goAway })
            return (answered, goAway, connection.awaitClose())
        }
        #expect(answered)
        #expect(goAway?.errorCode == Raw.ErrorCode.noError)
        #expect(closed)
        #expect(await eventually { server.connectionCount == 0 })
        await server.stop()
    }

    @Test("a connection that never opens a stream is closed with GOAWAY after the keep-alive timeout")
    func connectionWithoutStreams() async throws {
        let server = try await Self.start(Fixture()) { $0.keepAliveTimeout = .milliseconds(200) }
        let connection = try Raw(port: server.port)
        let (goAway, closed) = try await blocking {
            let goAway = connection.read(until: { $0.type == .goAway })
            return (goAway, connection.awaitClose())
        }
        #expect(goAway?.errorCode == Raw.ErrorCode.noError)
        #expect(closed)
        #expect(await eventually { server.connectionCount == 0 })
        await server.stop()
    }

    @Test("a stream's protocol error resets that stream alone: its neighbour on the connection goes on")
    func streamErrorStaysInItsStream() async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await Self.start(fixture)
        let connection = try Raw(port: server.port)
        connection.request(stream: 1, path: "/events")
        #expect(await eventually { broadcaster.subscriberCount == 1 })
        // A connection-specific field in a request is malformed (RFC 9113 §8.2.2): stream 3 only.
        connection.request(stream: 3, path: "/events", fields: [("connection", "keep-alive")])
        let reset = try await blocking { connection.read(until: { $0.type == .rstStream || $0.type == .goAway }) }
        #expect(reset?.type == .rstStream)
        #expect(reset?.stream == 3)
        try broadcaster.publish(ServerSentEvent(data: "still streaming"), to: "news")
        let received = try await blocking {
            connection.read(until: {
                $0.type == .goAway
                    || $0.stream == 1 && String(decoding: $0.payload, as: UTF8.self).contains("still streaming")
            })
        }
        #expect(received?.stream == 1)
        #expect(broadcaster.subscriberCount == 1)
        connection.close()
        await server.stop()
    }

    @Test("rapid reset (CVE-2023-44487): a client that resets stream after stream is cut with ENHANCE_YOUR_CALM")
    func rapidReset() async throws {
        let fixture = Fixture()
        let server = try await Self.start(fixture) { $0.http2.maximumResetStreams = 50 }
        let connection = try Raw(port: server.port)
        var frames: [UInt8] = []
        for index in 0..<200 {
            let stream = UInt32(2 * index + 1)
            frames += Raw.frame(.headers, flags: 0x5, stream: stream, payload: Raw.headerBlock(path: "/events"))
            frames += Raw.frame(.rstStream, flags: 0, stream: stream, payload: [0, 0, 0, UInt8(Raw.ErrorCode.cancel)])
        }
        let (code, closed) = try await Self.goAway(after: frames, on: connection)
        #expect(code == Raw.ErrorCode.enhanceYourCalm)
        #expect(closed)
        connection.close()
        #expect(await eventually { fixture.broadcaster.subscriberCount == 0 })
        #expect(try await Self.stillAnswers(server))
        await server.stop()
    }

    @Test("CONTINUATION flood (CVE-2024-27316): a header block in too many frames closes the connection")
    func continuationFlood() async throws {
        let server = try await Self.start(Fixture())
        let connection = try Raw(port: server.port)
        var frames = Raw.frame(.headers, flags: 0x1, stream: 1, payload: Raw.headerBlock(path: "/"))
        let field: [UInt8] = [0, 3] + Array("x-a".utf8) + [1] + Array("b".utf8)
        for _ in 0..<1_000 {
            frames += Raw.frame(.continuation, flags: 0, stream: 1, payload: Array(field))
        }
        let (code, closed) = try await Self.goAway(after: frames, on: connection)
        #expect(code != nil && code != Raw.ErrorCode.noError)
        #expect(closed)
        connection.close()
        #expect(try await Self.stillAnswers(server))
        await server.stop()
    }

    @Test("PING and SETTINGS floods are cut with ENHANCE_YOUR_CALM", arguments: [Raw.FrameType.ping, .settings])
    func controlFrameFlood(_ type: Raw.FrameType) async throws {
        let server = try await Self.start(Fixture()) { $0.http2.maximumControlFrames = 50 }
        let connection = try Raw(port: server.port)
        var frames: [UInt8] = []
        for _ in 0..<500 {
            frames += Raw.frame(
                type,
                flags: 0,
                stream: 0,
                payload: type == .ping ? [UInt8](repeating: 7, count: 8) : []
            )
        }
        let (code, closed) = try await Self.goAway(after: frames, on: connection)
        #expect(code == Raw.ErrorCode.enhanceYourCalm)
        #expect(closed)
        connection.close()
        #expect(try await Self.stillAnswers(server))
        await server.stop()
    }

    @Test("the announced SETTINGS_MAX_CONCURRENT_STREAMS streams all stream; a client that opens one more is cut")
    func concurrentStreams() async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await Self.start(fixture) { $0.http2.maximumConcurrentStreams = 10 }
        let connection = try Raw(port: server.port)
        // The server's limit applies once its SETTINGS are acknowledged.
        try await blocking { connection.awaitSettings() }
        for index in 0..<10 {
            connection.request(stream: UInt32(2 * index + 1), path: "/events")
        }
        #expect(await eventually { broadcaster.subscriberCount == 10 })
        try broadcaster.publish(ServerSentEvent(data: "to all ten"), to: "news")
        let received = try await blocking {
            var streams = Set<UInt32>()
            _ = connection.read(until: { frame in
                if frame.type == .data, String(decoding: frame.payload, as: UTF8.self).contains("to all ten") {
                    streams.insert(frame.stream)
                }
                return streams.count == 10
            })
            return streams
        }
        #expect(received.count == 10)
        // An eleventh breaks the limit the client acknowledged: NIO's HTTP/2 treats it as a
        // connection error (RFC 9113 §5.1.2 also allows refusing the stream alone). Browsers
        // queue streams beyond the limit instead.
        let eleventh = Raw.frame(.headers, flags: 0x5, stream: 21, payload: Raw.headerBlock(path: "/events"))
        let (code, closed) = try await Self.goAway(after: eleventh, on: connection)
        #expect(code == Raw.ErrorCode.protocolError)
        #expect(closed)
        connection.close()
        #expect(await eventually { broadcaster.subscriberCount == 0 })
        #expect(try await Self.stillAnswers(server))
        await server.stop()
    }

    @Test("a request head over SETTINGS_MAX_HEADER_LIST_SIZE is refused; the server goes on")
    func headerListSize() async throws {
        let fixture = Fixture()
        let server = try await Self.start(fixture)
        let connection = try Raw(port: server.port)
        let huge = String(repeating: "h", count: 20_000)
        let block = Raw.headerBlock(path: "/events", fields: [("x-huge", huge)])
        // Split into frames of at most 16 KiB (SETTINGS_MAX_FRAME_SIZE's default).
        var frames = Raw.frame(.headers, flags: 0x1, stream: 1, payload: Array(block.prefix(16_000)))
        frames += Raw.frame(.continuation, flags: 0x4, stream: 1, payload: Array(block.dropFirst(16_000)))
        let request = frames
        let answer = try await blocking {
            connection.send(request)
            return connection.read(until: { $0.type == .rstStream || $0.type == .goAway || $0.type == .headers })
        }
        #expect(answer?.type == .rstStream || answer?.type == .goAway)
        #expect(fixture.broadcaster.subscriberCount == 0)
        connection.close()
        #expect(try await Self.stillAnswers(server))
        await server.stop()
    }
}
#endif
