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

#if JWTSupport && NIOSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import MetricsTestKit
import SSEAuthorization
import SSEClient
import SSECodec
import SSEHummingbird
import SSENIO
import SSEServerTestSupport
import SSEStreaming
import SSETestSupport
import SSEVapor
import Synchronization
import Testing
import Vapor

/// JSON Web Tokens made apart from the verifier (`jwt_tokens.py`: Python and openssl), checked by
/// `SSEJWTVerifier` behind the embedded server, Hummingbird (hummingbird-auth) and Vapor, over real
/// sockets.
@Suite(
    "JSON Web Tokens on the embedded server, Hummingbird and Vapor",
    .serialized,
    .timeLimit(.minutes(3)),
    .requires(.python3, .openssl)
)
struct JWTServerTests {
    static let issuer = "https://issuer.test"
    static let audience = "sse-tests"

    /// The test keys, and tokens signed with them by the independent signer.
    final class Keys: Sendable {
        let directory: String
        static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("jwt_tokens.py").path

        init() throws {
            directory = NSTemporaryDirectory() + "sse-jwt-" + UUID().uuidString
            _ = try Self.python(["keys", directory])
        }

        deinit {
            try? FileManager.default.removeItem(atPath: directory)
        }

        func file(_ name: String) throws -> String {
            try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        }

        /// Signs each request (see the script) in order.
        func tokens(_ requests: [[String: any Sendable]]) throws -> [String] {
            let input = try JSONSerialization.data(withJSONObject: requests)
            let output = try Self.python(["sign", directory], input: input)
            return try JSONDecoder().decode([String].self, from: output)
        }

        static func python(_ arguments: [String], input: Data = Data()) throws -> Data {
            let process = TestProcess()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script] + arguments
            let stdin = Pipe()
            let stdout = Pipe()
            process.standardInput = stdin
            process.standardOutput = stdout
            try process.run()
            stdin.fileHandleForWriting.write(input)
            try stdin.fileHandleForWriting.close()
            let data = stdout.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw SignerFailed()
            }
            return data
        }

        struct SignerFailed: Error {}
    }

    /// The claims of a valid token for `subject`, changed by `change`.
    static func claims(
        subject: String = "42",
        expiresIn: Double = 600,
        _ change: (inout [String: any Sendable]) -> Void = { _ in }
    ) -> [String: any Sendable] {
        let now = Date().timeIntervalSince1970
        var claims: [String: any Sendable] = [
            "sub": subject, "iss": issuer, "aud": [audience], "exp": now + expiresIn, "iat": now - 1,
            "jti": UUID().uuidString,
            "sse": ["subscribe": ["users/\(subject)", "rooms/*"], "publish": ["rooms/*"]],
        ]
        change(&claims)
        return claims
    }

    static func verifier(_ keys: Keys, leeway: Duration = .zero) async throws -> SSEJWTVerifier {
        let secret = try Array(Data(contentsOf: URL(fileURLWithPath: keys.directory + "/hs.secret")))
        return await SSEJWTVerifier(
            keys: [
                .hmac(secret, kid: "hs"),
                try .rsa(publicKeyPEM: keys.file("rs.pub"), kid: "rs"),
                try .ecdsa(publicKeyPEM: keys.file("es.pub"), kid: "es"),
                try .eddsa(publicKeyPEM: keys.file("ed.pub"), kid: "ed"),
            ],
            issuer: issuer,
            audience: audience,
            leeway: leeway
        )
    }

    /// The servers, each with authorized streams on `/events?topic=…` and tickets on `POST /tickets`.
    enum ServerKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case embedded, hummingbird, vapor
        var testDescription: String { rawValue }
    }

    /// A running server: its port, and how to stop it.
    struct Running {
        let port: Int
        let stop: @Sendable () async -> Void
    }

    static func server(
        _ kind: ServerKind,
        _ access: SSEAccessControl,
        _ broadcaster: SSEBroadcaster,
        metrics: SSEMetrics? = nil
    ) async throws -> Running {
        let streamConfiguration = {
            var configuration = SSEStreamConfiguration()
            configuration.metrics = metrics
            return configuration
        }()
        switch kind {
        case .embedded:
            var router = SSERouter()
            router.get(
                "/events",
                handler: access.handler { request, principal in
                    let topic = request.query["topic"] ?? "rooms/lobby"
                    return .stream(
                        try access.subscribe(principal, to: [topic], on: broadcaster, lastEventID: request.lastEventID)
                    )
                }
            )
            router.post("/tickets", handler: access.ticketHandler())
            var configuration = SSEServer.Configuration(port: 0)
            configuration.metrics = metrics
            let server = try await TestServer.start(configuration, router: router)
            return Running(port: server.port) { await server.stop() }
        case .hummingbird:
            let router = Router(context: BasicAuthRequestContext<SSEPrincipal>.self)
            router.add(middleware: SSEHummingbird.SSEAuthenticator(access))
            router.get("events") { request, context in
                let principal = try context.requireIdentity()
                let topic = request.uri.queryParameters["topic"].map(String.init) ?? "rooms/lobby"
                return SSEHummingbird.SSEStream(
                    try access.subscribe(
                        principal,
                        to: [topic],
                        on: broadcaster,
                        lastEventID: try request.sseLastEventID()
                    ),
                    configuration: streamConfiguration
                )
            }
            router.post("tickets") { request, _ in try await access.ticketResponse(request) }
            let (ports, continuation) = AsyncStream<Int>.makeStream()
            var logger = Logger(label: "JWTServerTests")
            logger.logLevel = .critical
            let app = Hummingbird.Application(
                router: router,
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
                logger: logger
            )
            let task = Task { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            return Running(port: port) {
                task.cancel()
                _ = await task.result
            }
        case .vapor:
            let app = try await Vapor.Application.make(.testing)
            app.logger.logLevel = .critical
            app.http.server.configuration.supportPipelining = false
            let authorized = app.grouped(SSEVapor.SSEAuthenticator(access))
            authorized.get("events") { request in
                let principal = try request.auth.require(SSEPrincipal.self)
                let topic = request.query[String.self, at: "topic"] ?? "rooms/lobby"
                return SSEVapor.SSEStream(
                    try access.subscribe(
                        principal,
                        to: [topic],
                        on: broadcaster,
                        lastEventID: try request.sseLastEventID()
                    ),
                    configuration: streamConfiguration
                )
            }
            app.post("tickets") { request in try await access.ticketResponse(request) }
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            return Running(port: port) {
                await app.server.shutdown()
                try? await app.asyncShutdown()
            }
        }
    }

    /// A request's status, `WWW-Authenticate` and body (empty for a stream, whose head is all that
    /// is read).
    static func request(
        _ port: Int,
        _ target: String,
        _ fields: [String] = [],
        method: String = "GET"
    ) throws -> (
        status: Int, challenge: String?, body: String
    ) {
        let connection = try RawConnection(port: port)
        defer { connection.close() }
        let head = (["\(method) \(target) HTTP/1.1", "Host: sse.test", "Connection: close"] + fields)
            .joined(separator: "\r\n")
        connection.send(head + "\r\nContent-Length: 0\r\n\r\n")
        var received = connection.read(until: "\r\n\r\n")
        let lines = received.components(separatedBy: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        let challenge = lines.first { $0.lowercased().hasPrefix("www-authenticate:") }.map {
            String($0.dropFirst("www-authenticate:".count)).trimmingCharacters(in: .whitespaces)
        }
        if received.contains("text/event-stream") {
            return (status, challenge, "")
        }
        // Not a stream: the whole answer, up to the close that `Connection: close` asked for.
        received += connection.read(until: "\u{0}never\u{0}")
        let body = received.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return (status, challenge, body)
    }

    @Test(
        "A token of each algorithm opens a stream; each forged, expired or misdirected one is refused with its status and challenge, and the server goes on",
        arguments: ServerKind.allCases
    )
    func refusals(_ kind: ServerKind) async throws {
        let keys = try Keys()
        let access = SSEAccessControl(authorizer: try await Self.verifier(keys))
        let broadcaster = SSEBroadcaster()
        let server = try await Self.server(kind, access, broadcaster)
        defer { Task { await server.stop() } }
        let now = Date().timeIntervalSince1970
        let requests: [[String: any Sendable]] = [
            ["alg": "HS256", "kid": "hs", "claims": Self.claims()],
            ["alg": "RS256", "key": "rs", "kid": "rs", "claims": Self.claims()],
            ["alg": "ES256", "key": "es", "kid": "es", "claims": Self.claims()],
            ["alg": "EdDSA", "key": "ed", "kid": "ed", "claims": Self.claims()],
            // Refused:
            ["alg": "ES256", "key": "es", "kid": "es", "claims": Self.claims(), "tamper": true],
            ["alg": "none", "kid": "hs", "claims": Self.claims()],
            // HS256 with the RSA public key as the secret (algorithm confusion).
            ["alg": "HS256", "kid": "rs", "secret_file": "rs.pub", "claims": Self.claims()],
            ["alg": "ES256", "key": "es", "kid": "es", "claims": Self.claims(expiresIn: -120)],
            ["alg": "ES256", "key": "es", "kid": "es", "claims": Self.claims { $0["nbf"] = now + 600 }],
            ["alg": "ES256", "key": "es", "kid": "es", "claims": Self.claims { $0["iss"] = "https://evil.test" }],
            ["alg": "ES256", "key": "es", "kid": "es", "claims": Self.claims { $0["aud"] = "another-service" }],
            ["alg": "ES256", "key": "other-es", "kid": "es", "claims": Self.claims()],
            ["alg": "ES256", "key": "es", "claims": Self.claims()],
            ["alg": "ES256", "key": "es", "kid": "es", "claims": Self.claims { $0["exp"] = nil }],
        ]
        let tokens = try await blocking { try keys.tokens(requests) }
        for (index, token) in tokens.prefix(4).enumerated() {
            let answer = try Self.request(server.port, "/events?topic=users/42", ["Authorization: Bearer \(token)"])
            #expect(answer.status == 200, "token \(index) (\(requests[index]["alg"]!))")
        }
        let invalid = #"Bearer realm="sse", error="invalid_token""#
        for (index, token) in tokens.enumerated().dropFirst(4) {
            let answer = try Self.request(server.port, "/events?topic=users/42", ["Authorization: Bearer \(token)"])
            #expect(answer.status == 401, "request \(index)")
            #expect(answer.challenge == invalid, "request \(index)")
            // The kind of refusal, in the server's own error format; nothing of why.
            #expect(answer.body.contains("invalid credentials"), "request \(index): \(answer.body)")
            for word in ["signature", "expired", "valid yet", "issuer", "audience", "alg", "kid", "exp"] {
                #expect(!answer.body.contains(word), "request \(index) says \(word): \(answer.body)")
            }
        }
        let good = tokens[2]
        let outside = try Self.request(server.port, "/events?topic=users/43", ["Authorization: Bearer \(good)"])
        #expect(outside.status == 403)
        #expect(outside.challenge == #"Bearer realm="sse", error="insufficient_scope""#)
        let inQuery = try Self.request(server.port, "/events?topic=users/42&access_token=\(good)")
        #expect(inQuery.status == 400)
        #expect(inQuery.challenge == #"Bearer realm="sse", error="invalid_request""#)
        let none = try Self.request(server.port, "/events?topic=users/42", ["Cookie: theme=dark"])
        #expect(none.status == 401)
        #expect(none.challenge == #"Bearer realm="sse""#)
        let cookie = try Self.request(server.port, "/events?topic=users/42", ["Cookie: theme=dark; sse_token=\(good)"])
        #expect(cookie.status == 200)

        // A ticket: from a POST with the bearer token, once.
        let issued = try Self.request(server.port, "/tickets", ["Authorization: Bearer \(good)"], method: "POST")
        #expect(issued.status == 200)
        let ticket = try #require(
            try JSONDecoder().decode([String: AnyCodable].self, from: Data(issued.body.utf8))["ticket"]?.string
        )
        #expect(try Self.request(server.port, "/events?topic=users/42&ticket=\(ticket)").status == 200)
        let reused = try Self.request(server.port, "/events?topic=users/42&ticket=\(ticket)")
        #expect(reused.status == 401)
        #expect(reused.challenge == invalid)
        let fromCookie = try Self.request(server.port, "/tickets", ["Cookie: sse_token=\(good)"], method: "POST")
        #expect(fromCookie.status == 401)

        // Still serving.
        #expect(try Self.request(server.port, "/events?topic=rooms/a", ["Authorization: Bearer \(good)"]).status == 200)
    }

    @Test("The leeway: a token expired or not yet valid by less than it passes, and its streams end at exp plus it")
    func leeway() async throws {
        let keys = try Keys()
        let verifier = try await Self.verifier(keys, leeway: .seconds(30))
        let now = Date().timeIntervalSince1970
        let tokens = try await blocking {
            try keys.tokens([
                ["alg": "ES256", "key": "es", "kid": "es", "claims": Self.claims(expiresIn: -10)],
                ["alg": "ES256", "key": "es", "kid": "es", "claims": Self.claims { $0["nbf"] = now + 10 }],
                ["alg": "ES256", "key": "es", "kid": "es", "claims": Self.claims(expiresIn: -40)],
            ])
        }
        let late = try await verifier.authorize(token: tokens[0])
        #expect(late.subject == "42")
        let lateExpiry = try #require(late.expiresAt)
        #expect(lateExpiry > .now + .seconds(15) && lateExpiry < .now + .seconds(25))
        #expect(try await verifier.authorize(token: tokens[1]).grants.maySubscribe(to: "rooms/x"))
        await #expect(throws: SSEAuthorizationError.invalidToken) { try await verifier.authorize(token: tokens[2]) }
        // Cached: the same principal again, without a signature check.
        #expect(try await verifier.authorize(token: tokens[0]) == late)
    }

    /// A JSON value that is a string or something else.
    struct AnyCodable: Decodable {
        let string: String?
        init(from decoder: any Decoder) throws {
            string = try? decoder.singleValueContainer().decode(String.self)
        }
    }

    @Test(
        "Tokens that expire mid-stream: each stream ends with sse-auth-expired, SSEClient refreshes its token and resumes, and gets every event once, in order",
        arguments: ServerKind.allCases
    )
    func expiryAndRefresh(_ kind: ServerKind) async throws {
        let keys = try Keys()
        let access = SSEAccessControl(authorizer: try await Self.verifier(keys))
        let broadcaster = SSEBroadcaster()
        let server = try await Self.server(kind, access, broadcaster)
        defer { Task { await server.stop() } }
        let minted = Counter()
        var configuration = SSEClient.Configuration()
        configuration.reconnection.initialReconnectionTime = .seconds(30)
        configuration.headerProvider = {
            minted.increment()
            let token = try await blocking {
                // 2.5 s: `exp` is in whole seconds, so at least 1.5 s to mint it (a python process)
                // and open the stream on a loaded machine; still within the 3.75 s of publishing.
                try keys.tokens([["alg": "HS256", "kid": "hs", "claims": Self.claims(expiresIn: 2.5)]])[0]
            }
            return [.authorization: "Bearer \(token)"]
        }
        let client = SSEClient(
            url: "http://127.0.0.1:\(server.port)/events?topic=rooms/a",
            configuration: configuration
        )
        let count = 150
        let reader = Task {
            var received: [String] = []
            var expired = 0
            for try await event in client.events {
                if event.type == access.configuration.expiredEventType {
                    expired += 1
                    // Refresh now: the provider mints a new token, and the request resumes from the last ID.
                    client.reconnect()
                } else {
                    received.append(event.data)
                    if event.data == "event \(count - 1)" {
                        break
                    }
                }
            }
            return (received, expired)
        }
        #expect(await eventually { access.guardedStreamCount == 1 })
        // Published before, during and after each expiry and reconnection.
        for index in 0..<count {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "rooms/a")
            try await Task.sleep(for: .milliseconds(25))
        }
        let (received, expired) = try await reader.value
        #expect(received == (0..<count).map { "event \($0)" })
        #expect(expired >= 1)
        #expect(minted.value == expired + 1)
    }

    final class Counter: Sendable {
        private let count = Mutex(0)
        func increment() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    @Test(
        "A stream its credentials end closes as auth_expired or auth_revoked in sse_streams_closed_total, on every server",
        arguments: ServerKind.allCases
    )
    func closedByCredentials(_ kind: ServerKind) async throws {
        let keys = try Keys()
        let access = SSEAccessControl(authorizer: try await Self.verifier(keys))
        let broadcaster = SSEBroadcaster()
        let metrics = TestMetrics()
        let server = try await Self.server(kind, access, broadcaster, metrics: SSEMetrics(factory: metrics))
        defer { Task { await server.stop() } }
        let tokens = try await blocking {
            try keys.tokens([
                ["alg": "ES256", "key": "es", "kid": "es", "claims": Self.claims(subject: "soon", expiresIn: 2)],
                ["alg": "ES256", "key": "es", "kid": "es", "claims": Self.claims(subject: "revoked")],
            ])
        }
        let connections = try tokens.map { token in
            let connection = try RawConnection(port: server.port)
            connection.send(
                "GET /events?topic=rooms/a HTTP/1.1\r\nHost: sse.test\r\nAuthorization: Bearer \(token)\r\n\r\n"
            )
            return connection
        }
        defer {
            for connection in connections { connection.close() }
        }
        #expect(await eventually { access.guardedStreamCount == 2 })
        #expect(access.revoke(subject: "revoked") == 1)
        let revoked = try await blocking { connections[1].read(until: "data: revoked\n\n") }
        #expect(revoked.contains("event: sse-auth-revoked"))
        let expired = try await blocking { connections[0].read(until: "data: expired\n\n") }
        #expect(expired.contains("event: sse-auth-expired"))
        // Hummingbird names the route `/events` from `router.get("events")`.
        let closed = { @Sendable (reason: String) in
            (try? metrics.expectCounter("sse_streams_closed_total", [("route", "/events"), ("reason", reason)]))?
                .totalValue ?? 0
        }
        #expect(await eventually { closed("auth_revoked") == 1 && closed("auth_expired") == 1 })
        #expect(closed("ended") == 0 && closed("client_gone") == 0)
    }

    @Test("Revoking a subject ends its 1,000 open streams with sse-auth-revoked; another subject's stream goes on")
    func revocationOfManyStreams() async throws {
        let keys = try Keys()
        let access = SSEAccessControl(authorizer: try await Self.verifier(keys))
        let broadcaster = SSEBroadcaster()
        let server = try await Self.server(.embedded, access, broadcaster)
        defer { Task { await server.stop() } }
        let tokens = try await blocking {
            try keys.tokens([
                ["alg": "ES256", "key": "es", "kid": "es", "claims": Self.claims(subject: "victim")],
                ["alg": "ES256", "key": "es", "kid": "es", "claims": Self.claims(subject: "bystander")],
            ])
        }
        func open(_ token: String) throws -> RawConnection {
            let connection = try RawConnection(port: server.port)
            connection.send(
                "GET /events?topic=rooms/a HTTP/1.1\r\nHost: sse.test\r\nAuthorization: Bearer \(token)\r\n\r\n"
            )
            return connection
        }
        let victims = try (0..<1_000).map { _ in try open(tokens[0]) }
        let bystander = try open(tokens[1])
        defer {
            for connection in victims + [bystander] { connection.close() }
        }
        #expect(await eventually { access.guardedStreamCount == 1_001 })
        #expect(access.revoke(subject: "victim") == 1_000)
        for connection in victims {
            let received = connection.read(until: "0\r\n\r\n")
            #expect(received.contains("event: sse-auth-revoked\ndata: revoked\n\n"))
            #expect(received.hasSuffix("0\r\n\r\n"))
        }
        try broadcaster.publish(ServerSentEvent(data: "still here"), to: "rooms/a")
        #expect(bystander.read(until: "still here").contains("data: still here"))
        #expect(access.guardedStreamCount == 1)
        let again = try Self.request(server.port, "/events?topic=rooms/a", ["Authorization: Bearer \(tokens[0])"])
        #expect(again.status == 401)
    }
}
#endif
