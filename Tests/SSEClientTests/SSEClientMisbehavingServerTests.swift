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

#if AsyncHTTPClientSupport
import Foundation
import HTTPTypes
import SSECodec
import SSEClient
import SSETestSupport
import Synchronization
import Testing

/// The client against an independent server (Python's standard library) that misbehaves on
/// purpose: see `Tests/SSETestSupport/misbehaving_server.py` for each route.
@Suite("SSEClient against a misbehaving server", .timeLimit(.minutes(2)), .requires(.python3))
struct SSEClientMisbehavingServerTests {
    static func withServer(_ body: (MisbehavingServer) async throws -> Void) async throws {
        let server = try await MisbehavingServer.start()
        do {
            try await body(server)
        } catch {
            await server.kill()
            throw error
        }
        await server.kill()
    }

    static func client() -> String { UUID().uuidString }

    @Test(
        "Every byte in its own write, BOM, CRLF, CR, LF, multi-byte characters; resumes with Last-Event-ID; 204 ends it"
    )
    func splitWrites() async throws {
        try await Self.withServer { server in
            let id = Self.client()
            let recording = await Recording.of(SSEClient(url: server.url("split", client: id), configuration: .fast()))
            #expect(recording.error == nil && !recording.timedOut)
            let expected: [(String, String, String?)] = [
                ("message", "one", "1"), ("message", "two", "2"), ("message", "thr\nee", "3"),
                ("message", "\u{FC}n\u{EF}\u{20AC}\u{1F600}", "3"), ("resumed", "3", "3"), ("message", "four", "4"),
            ]
            #expect(recording.events.count == expected.count)
            for (event, (type, data, eventID)) in zip(recording.events, expected) {
                #expect(event.type == type)
                #expect(Array(event.data.unicodeScalars) == Array(data.unicodeScalars))
                #expect(event.id == eventID)
            }
            // retry: 10 applies from the first response on; both connections were healthy.
            #expect(recording.reconnections.map(\.delay) == [.milliseconds(10), .milliseconds(10)])
            #expect(recording.reconnections.map(\.reason) == [.endOfStream, .endOfStream])
            #expect(recording.closeReason == .noContent)
            guard case .open(let head) = recording.states.dropFirst().first else {
                Issue.record("expected the stream to open after connecting: \(recording.states)")
                return
            }
            #expect(head.status == .ok)
            #expect(head.headerFields[.contentType] == "text/event-stream; charset=utf-8")

            let log = try await server.log(id)
            #expect(log.count == 3)
            #expect(log.allSatisfy { $0.headers["accept"] == "text/event-stream" })
            #expect(log.allSatisfy { $0.headers["cache-control"] == "no-cache" })
            #expect(log.allSatisfy { $0.headers["accept-encoding"] == "gzip" })
            #expect(log.map { $0.headers["last-event-id"] } == [nil, "3", "4"])
        }
    }

    @Test("The retry field sets the delay; backoff starts again after a healthy connection")
    func retryChanges() async throws {
        try await Self.withServer { server in
            let recording = await Recording.of(
                SSEClient(
                    url: server.url("retry", client: Self.client()),
                    configuration: .fast { $0.reconnection.maximumDelay = .seconds(1) }
                )
            )
            #expect(recording.data == ["x"])
            // 250 ms before the second attempt (first failure); 40 ms after the healthy second
            // connection (which delivered `x`).
            #expect(recording.reconnections.map(\.delay) == [.milliseconds(250), .milliseconds(40)])
            #expect(recording.closeReason == .noContent)
        }
    }

    @Test("A 500 not retried fails with the status and a bounded excerpt of the body")
    func badStatus() async throws {
        try await Self.withServer { server in
            let recording = await Recording.of(
                SSEClient(
                    url: server.url("status", client: Self.client(), "code=500"),
                    configuration: .fast { $0.reconnection.retriedStatuses = [] }
                )
            )
            let error = try #require(recording.error)
            #expect(error == .badStatus)
            #expect(error.status == 500)
            #expect(error.bodyExcerpt == String(repeating: "E", count: 1024))
            #expect(recording.reconnections.isEmpty)

            // A body that never ends: the excerpt is read up to its limit, then the error comes.
            // Reading it for ever would run into the recording's limit instead.
            let endless = await Recording.of(
                SSEClient(
                    url: server.url("endless-error", client: Self.client()),
                    configuration: {
                        var configuration = SSEClient.Configuration()
                        configuration.reconnection.retriedStatuses = []
                        return configuration
                    }()
                ),
                within: .seconds(60)
            )
            #expect(!endless.timedOut)
            #expect(endless.error == .badStatus)
            #expect(endless.error?.bodyExcerpt.utf8.count == 1024)
        }
    }

    @Test("Retried 503s and 429s wait as Retry-After says, then the stream recovers")
    func retriedStatuses() async throws {
        try await Self.withServer { server in
            let configuration = SSEClient.Configuration.fast {
                $0.reconnection.retriedStatuses = SSEClient.ReconnectionPolicy.transientStatuses
            }
            var recording = await Recording.of(
                SSEClient(
                    url: server.url("status", client: Self.client(), "code=503&times=2&retry_after=0"),
                    configuration: configuration
                )
            )
            #expect(recording.data == ["recovered"])
            #expect(recording.reconnections.map(\.reason) == [.retriedStatus, .retriedStatus, .endOfStream])
            #expect(recording.reconnections.map(\.reason.status) == [503, 503, nil])
            #expect(recording.reconnections.prefix(2).map(\.delay) == [.zero, .zero])
            #expect(recording.closeReason == .noContent)

            let start = ContinuousClock.now
            recording = await Recording.of(
                SSEClient(
                    url: server.url("status", client: Self.client(), "code=429&times=1&retry_after=1"),
                    configuration: configuration
                )
            )
            #expect(recording.data == ["recovered"])
            #expect(recording.reconnections.first?.delay == .seconds(1))
            #expect(ContinuousClock.now - start >= .seconds(1))
        }
    }

    @Test("Wrong content type and an unknown content encoding are typed errors")
    func wrongResponses() async throws {
        try await Self.withServer { server in
            var recording = await Recording.of(SSEClient(url: server.url("wrong-type", client: Self.client())))
            var error = try #require(recording.error)
            #expect(error == .wrongContentType)
            #expect(error.status == 200)
            #expect(error.bodyExcerpt.contains("this is not an event stream"))
            #expect("\(error)".contains("text/plain"))

            recording = await Recording.of(SSEClient(url: server.url("br", client: Self.client())))
            error = try #require(recording.error)
            #expect(error == .unsupportedContentEncoding)
        }
    }

    @Test("301 moves reconnections to the new URL; 307 keeps POST and its body for one request")
    func redirects() async throws {
        try await Self.withServer { server in
            var id = Self.client()
            let echo = "/echo?client=\(id)"
            let recording = await Recording.of(
                SSEClient(
                    url: server.url(
                        "redirect",
                        client: id,
                        "code=301&to=" + echo.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                    ),
                    configuration: .fast()
                )
            )
            #expect(recording.closeReason == .noContent)
            #expect(
                try await server.log(id).map(\.path).map { $0.split(separator: "?")[0] } == [
                    "/redirect", "/echo", "/echo", "/echo",
                ]
            )

            id = Self.client()
            let configuration = SSEClient.Configuration.fast {
                $0.method = .post
                $0.body = Array(#"{"prompt":"hi"}"#.utf8)
                $0.reconnection.resendsNonIdempotentRequests = true
            }
            let target = "/echo?client=\(id)".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let temporary = await Recording.of(
                SSEClient(
                    url: server.url("redirect", client: id, "code=307&to=" + target),
                    configuration: configuration
                )
            )
            #expect(temporary.closeReason == .noContent)
            let log = try await server.log(id)
            // The reconnection went back to /redirect, which then answered 204.
            #expect(log.map(\.path).map { $0.split(separator: "?")[0] } == ["/redirect", "/echo", "/redirect"])
            #expect(log.map(\.method) == ["POST", "POST", "POST"])
            #expect(log[1].body == #"{"prompt":"hi"}"#)
        }
    }

    @Test("303 turns POST into GET; a redirect loop fails; credentials stay with their origin")
    func redirectPolicies() async throws {
        try await Self.withServer { server in
            var id = Self.client()
            let post = SSEClient.Configuration.fast {
                $0.method = .post
                $0.body = Array("body".utf8)
                $0.headerFields[.authorization] = "Bearer secret"
                $0.headerFields[.contentType] = "text/plain"
            }
            let echo = "/echo?client=\(id)".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            var recording = await Recording.of(
                SSEClient(url: server.url("redirect", client: id, "code=303&to=" + echo), configuration: post)
            )
            #expect(recording.events.count == 1)
            var log = try await server.log(id)
            #expect(log.map(\.method) == ["POST", "GET"])
            #expect(log[1].body == "")
            #expect(log[0].headers["content-type"] == "text/plain")
            #expect(log[1].headers["content-type"] == nil)
            // The POST, turned into a GET, still ends with its response.
            #expect(recording.closeReason == .endOfStream)
            #expect(log[1].headers["authorization"] == "Bearer secret")

            recording = await Recording.of(
                SSEClient(url: server.url("redirect", client: Self.client(), "code=302&always=1"))
            )
            #expect(recording.error == .tooManyRedirects)

            for forwards in [false, true] {
                id = Self.client()
                let elsewhere = "http://localhost:\(server.port)/echo?client=\(id)"
                    .addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let configuration = SSEClient.Configuration.fast {
                    $0.headerFields[.authorization] = "Bearer secret"
                    $0.headerFields[.cookie] = "session=1"
                    $0.headerFields[HTTPField.Name("X-Custom")!] = "kept"
                    $0.redirects.forwardsCredentialsAcrossOrigins = forwards
                }
                recording = await Recording.of(
                    SSEClient(
                        url: server.url("redirect", client: id, "code=307&to=" + elsewhere),
                        configuration: configuration
                    ),
                    until: { $0.events.count == 1 }
                )
                log = try await server.log(id)
                #expect(log.count == 2)
                #expect(log.last?.headers["authorization"] == (forwards ? "Bearer secret" : nil))
                #expect(log.last?.headers["cookie"] == (forwards ? "session=1" : nil))
                #expect(log.last?.headers["x-custom"] == "kept")
            }
        }
    }

    @Test("An event cut off by the end of the body is not dispatched, nor its id committed")
    func closesMidEvent() async throws {
        try await Self.withServer { server in
            let recording = await Recording.of(
                SSEClient(url: server.url("mid-event", client: Self.client()), configuration: .fast())
            )
            #expect(recording.data == ["complete", "a"])
            #expect(recording.closeReason == .noContent)
        }
    }

    @Test("A stalled connection is dropped after the idle timeout and reconnected")
    func stall() async throws {
        try await Self.withServer { server in
            let start = ContinuousClock.now
            let recording = await Recording.of(
                SSEClient(
                    url: server.url("stall", client: Self.client()),
                    // Well above a loaded machine's wait for the head, which the timeout also bounds;
                    // the server stalls for 30 s.
                    configuration: .fast { $0.idleTimeout = .seconds(2) }
                ),
                within: .seconds(60)
            )
            #expect(recording.data == ["before 1"])
            #expect(recording.reconnections.map(\.reason) == [.idleTimeout])
            #expect(recording.closeReason == .noContent)
            #expect(ContinuousClock.now - start >= .seconds(2))

            // Three stalls in a row: the session is cut off three times and goes on each time.
            let again = await Recording.of(
                SSEClient(
                    url: server.url("stall", client: Self.client(), "times=3"),
                    configuration: .fast { $0.idleTimeout = .seconds(2) }
                ),
                within: .seconds(60)
            )
            #expect(again.data == ["before 1", "before 2", "before 3"])
            #expect(again.reconnections.map(\.reason) == [.idleTimeout, .idleTimeout, .idleTimeout])
            #expect(again.closeReason == .noContent)
        }
    }

    @Test("gzip, sync-flushed per event and written a byte at a time, is decoded")
    func gzip() async throws {
        try await Self.withServer { server in
            let recording = await Recording.of(
                SSEClient(url: server.url("gzip", client: Self.client()), configuration: .fast())
            )
            #expect(recording.data == ["zipped 1", "zipped 2", "zipped 3"])
            #expect(recording.events.last?.id == "g3")
            #expect(recording.reconnections.map(\.reason) == [.endOfStream])
            #expect(recording.closeReason == .noContent)
        }
    }

    @Test("The header provider runs before every attempt; its failure ends the session")
    func headerProvider() async throws {
        try await Self.withServer { server in
            let id = Self.client()
            let counter = Atomic(0)
            let configuration = SSEClient.Configuration.fast {
                $0.headerProvider = {
                    let attempt = counter.add(1, ordering: .relaxed).newValue
                    return [.authorization: "Bearer token-\(attempt)"]
                }
                $0.lastEventIDQueryParameter = "lastEventId"
            }
            let recording = await Recording.of(
                SSEClient(url: server.url("echo", client: id), configuration: configuration)
            )
            #expect(recording.events.count == 2)
            let log = try await server.log(id)
            #expect(log.map { $0.headers["authorization"] } == ["Bearer token-1", "Bearer token-2", "Bearer token-3"])
            #expect(log.map { $0.path.contains("lastEventId=") } == [false, true, true])
            #expect(log[1].path.hasSuffix("&lastEventId=echo-1"))

            struct Refused: Error {}
            let failing = SSEClient.Configuration.fast { $0.headerProvider = { throw Refused() } }
            let failed = await Recording.of(
                SSEClient(url: server.url("echo", client: Self.client()), configuration: failing)
            )
            #expect(failed.error == .headerProviderFailed)
            #expect(failed.error?.underlying is Refused)
        }
    }

    @Test("A POST is sent once: its stream ends with its response")
    func postNotResent() async throws {
        try await Self.withServer { server in
            let id = Self.client()
            let configuration = SSEClient.Configuration.fast {
                $0.method = .post
                $0.body = Array("once".utf8)
            }
            let recording = await Recording.of(
                SSEClient(url: server.url("echo", client: id), configuration: configuration)
            )
            #expect(recording.events.count == 1)
            #expect(recording.closeReason == .endOfStream)
            #expect(recording.reconnections.isEmpty)
            let log = try await server.log(id)
            #expect(log.count == 1)
        }
    }

    @Test("The server is killed and restarted on its port: the stream resumes with nothing lost or repeated")
    func serverRestarts() async throws {
        let first = try await MisbehavingServer.start()
        let client = SSEClient(url: first.url("counter", client: Self.client()), configuration: .fast())
        let received = Mutex<[String]>([])
        let reader = Task {
            for try await event in client.events {
                let count = received.withLock { received in
                    received.append(event.data)
                    return received.count
                }
                if count == 15 {
                    break
                }
            }
        }
        #expect(await eventually { received.withLock { $0.count } >= 5 })
        await first.kill()
        let second = try await MisbehavingServer.start(port: first.port)
        #expect(await eventually { received.withLock { $0.count } >= 15 })
        reader.cancel()
        _ = await reader.result
        await second.kill()
        #expect(received.withLock { $0 } == (1...15).map(String.init))
    }

    @Test("Cancelling the reading task ends a pending reconnection wait at once")
    func cancellationDuringBackoff() async throws {
        try await Self.withServer { server in
            let configuration = SSEClient.Configuration.fast {
                $0.reconnection.retriedStatuses = [503]
                $0.reconnection.maximumRetryAfter = .seconds(600)
            }
            let client = SSEClient(
                url: server.url("status", client: Self.client(), "code=503&retry_after=600"),
                configuration: configuration
            )
            let waiting = Atomic(false)
            let task = Task {
                for try await update in client.updates {
                    if case .state(.reconnecting) = update {
                        waiting.store(true, ordering: .relaxed)
                    }
                }
            }
            #expect(await eventually { waiting.load(ordering: .relaxed) })
            let start = ContinuousClock.now
            task.cancel()
            _ = await task.result
            // Far under the 600 s the session was told to wait, however loaded the machine.
            #expect(ContinuousClock.now - start < .seconds(60))
        }
    }
}
#endif
