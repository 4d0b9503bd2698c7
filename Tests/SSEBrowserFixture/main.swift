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

// The server the browser tests drive (Tests/Browser/run_browser_tests.py, whose README part says
// what each route does): the embedded server with SSELongPolling on one broadcaster, which
// outlives restarts of the listener, the browser script from the module, the test page from
// --static DIR, and control routes to end every response, restart, answer 204 and count.
// Prints "listening on PORT" once it listens.

#if NIOSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HTTPTypes
import Logging
import SSEAuthorization
import SSECodec
import SSELongPolling
import SSENIO
import SSENIOCore
import SSEStreaming
import Synchronization

/// What the control routes change and count, shared by every request.
final class Fixture: Sendable {
    let broadcaster = SSEBroadcaster()
    let longPoll: SSELongPoll
    let access = SSEAccessControl(authorizer: TestTokens())
    let staticDirectory: URL
    let port: Int
    /// PEM files of a certificate chain and its key: TLS, with HTTP/2 offered by ALPN.
    let tls: (certificateChain: String, privateKey: String)?
    /// Streams and waiting polls open on /events, to end on /control/drop.
    let open = Mutex<(subscriptions: [SSEBroadcaster.Subscription], polls: [Int: Task<SSEResponse, Never>])>(([], [:]))
    let nextPoll = Atomic(0)
    let requests = Atomic(0)
    let goneRequests = Atomic(0)
    let gone = Atomic(false)
    /// The running server's task, cancelled by a restart.
    let serving = Mutex<Task<Void, Never>?>(nil)

    init(staticDirectory: URL, port: Int, tls: (certificateChain: String, privateKey: String)?) {
        var configuration = SSELongPoll.Configuration()
        configuration.timeout = .seconds(3)
        configuration.minimumInterval = .milliseconds(50)
        configuration.retry = .milliseconds(500)
        configuration.paddingBytes = 2048
        longPoll = SSELongPoll(broadcaster: broadcaster, configuration: configuration)
        self.staticDirectory = staticDirectory
        self.port = port
        self.tls = tls
    }

    func events(_ request: SSERequest) async -> SSEResponse {
        requests.add(1, ordering: .relaxed)
        guard !gone.load(ordering: .relaxed) else {
            goneRequests.add(1, ordering: .relaxed)
            return .empty(.noContent)
        }
        let topics = [request.query["topic"] ?? "news"]
        let isPoll = longPoll.isLongPoll(query: request.query)
        guard isPoll else {
            let subscription = broadcaster.subscribe(to: topics, lastEventID: request.lastEventID)
            open.withLock { $0.subscriptions.append(subscription) }
            let prefix = longPoll.streamPrefix(for: subscription, lastEventID: request.lastEventID)
            return .stream(SSEStreamBody.subscription(subscription).startingWith(prefix))
        }
        // In a task of its own, so that /control/drop can end the wait.
        let number = nextPoll.add(1, ordering: .relaxed).newValue
        let poll = Task { await longPoll.response(to: request, topics: topics) }
        open.withLock { $0.polls[number] = poll }
        let response = await withTaskCancellationHandler {
            await poll.value
        } onCancel: {
            poll.cancel()
        }
        _ = open.withLock { $0.polls.removeValue(forKey: number) }
        return response
    }

    /// Ends every open stream and waiting poll.
    func drop() {
        let (subscriptions, polls) = open.withLock { open in
            defer { open = ([], [:]) }
            return (open.subscriptions, Array(open.polls.values))
        }
        for subscription in subscriptions {
            subscription.cancel()
        }
        for poll in polls {
            poll.cancel()
        }
    }

    func makeRouter() -> SSERouter {
        var router = SSERouter()
        router.getBrowserScript()
        router.get("/events") { request in await self.events(request) }
        router.post("/publish") { request in
            let id = try self.broadcaster.publish(
                ServerSentEvent(data: request.bodyText),
                to: request.query["topic"] ?? "news"
            )
            return .text(id)
        }
        router.post("/control/drop") { _ in
            self.drop()
            return .text("dropped\n")
        }
        router.post("/control/restart") { request in
            let down = Int(request.query["down"] ?? "") ?? 500
            // After this answer has gone: the restart closes every connection, this one too.
            Task {
                try? await Task.sleep(for: .milliseconds(50))
                await self.restart(downFor: .milliseconds(down))
            }
            return .text("restarting\n")
        }
        router.post("/control/gone") { _ in
            self.gone.store(true, ordering: .relaxed)
            return .text("gone\n")
        }
        router.post("/control/back") { _ in
            self.gone.store(false, ordering: .relaxed)
            return .text("back\n")
        }
        // Authorized streams and polls (SSEAccessControl), with test tokens "subject:expiry in Unix ms".
        router.get("/auth/token") { request in
            .text(TestTokens.token(subject: request.query["subject"] ?? "alice", lifetime: request.query["ttl"]))
        }
        router.post("/auth/login") { request in
            let token = TestTokens.token(subject: request.query["subject"] ?? "alice", lifetime: request.query["ttl"])
            let principal = try await self.access.authorizer.authorize(token: token)
            var response = SSEResponse.text("logged in\n")
            response.headers[.setCookie] = self.access.cookie(for: principal, token: token)
            return response
        }
        router.post("/auth/tickets", handler: access.ticketHandler())
        router.get(
            "/auth/events",
            handler: access.handler { request, principal in
                self.requests.add(1, ordering: .relaxed)
                return try await self.longPoll.response(
                    to: request,
                    topics: [request.query["topic"] ?? "news"],
                    principal: principal,
                    accessControl: self.access
                )
            }
        )
        router.post("/control/revoke") { request in
            .text("\(self.access.revoke(subject: request.query["subject"] ?? "alice"))\n")
        }
        router.get("/control/stats") { _ in
            let stats = """
                {"open":\(self.broadcaster.subscriberCount),"requests":\(self.requests.load(ordering: .relaxed)),\
                "goneRequests":\(self.goneRequests.load(ordering: .relaxed))}
                """
            return .complete(contentType: "application/json", body: Array(stats.utf8))
        }
        let echo: SSERouter.Handler = { request in
            let echo = Echo(
                method: request.method.rawValue,
                token: request.headers[HTTPField.Name("X-Token")!],
                body: request.bodyText
            )
            let data = String(decoding: try JSONEncoder().encode(echo), as: UTF8.self)
            return .events(OneEventThenQuiet(event: ServerSentEvent(type: "echo", data: data)))
        }
        router.get("/echo", handler: echo)
        router.post("/echo", handler: echo)
        router.get("/:file") { request in
            let name = request.parameters["file"] ?? ""
            let url = self.staticDirectory.appendingPathComponent(name)
            guard !name.hasPrefix("."), let body = FileManager.default.contents(atPath: url.path) else {
                return .notFound
            }
            return .asset(SSEAsset(Array(body), contentType: SSEAsset.ContentType(fileName: name)))
        }
        return router
    }

    func serve() {
        var configuration = SSEServer.Configuration(port: port)
        configuration.shutdownGracePeriod = .zero
        // Heartbeats well inside the idle timeouts the scenarios give the page.
        configuration.stream.heartbeat = .seconds(1)
        // Warnings on standard error: a connection that a restart had to close, say.
        var logger = Logger(label: "SSEBrowserFixture")
        logger.logLevel = .warning
        configuration.logger = logger
        #if TLSSupport
        if let tls {
            configuration.tls = .files(certificateChain: tls.certificateChain, privateKey: tls.privateKey)
        }
        #endif
        let server = SSEServer(
            configuration: configuration,
            router: makeRouter(),
            onServerRunning: { port in
                say("listening on \(port)")
            }
        )
        let task = Task {
            do {
                try await server.run()
            } catch {
                say("the server failed: \(error)")
                exit(1)
            }
        }
        serving.withLock { $0 = task }
    }

    func restart(downFor down: Duration) async {
        let task = serving.withLock { $0 }
        task?.cancel()
        await task?.value
        try? await Task.sleep(for: down)
        serve()
    }
}

/// Test credentials for the browser suite: "subject:expiry" (Unix time in milliseconds), any topic.
/// Not a secure token: the JSON Web Token verifier is tested apart; these test the transports.
struct TestTokens: SSEAuthorizer {
    static func token(subject: String, lifetime: String?) -> String {
        let milliseconds = Int(lifetime ?? "") ?? 60_000
        return "\(subject):\(Int(Date().timeIntervalSince1970 * 1000) + milliseconds)"
    }

    func authorize(token: String) async throws(SSEAuthorizationError) -> SSEPrincipal {
        let parts = token.split(separator: ":")
        guard parts.count == 2, let expiry = Int(parts[1]) else {
            throw .invalidToken("not a test token")
        }
        let left = expiry - Int(Date().timeIntervalSince1970 * 1000)
        return SSEPrincipal(
            subject: String(parts[0]),
            grants: SSETopicGrants(subscribe: [.any]),
            expiresAt: .now + .milliseconds(left),
            issuedAt: .now - .seconds(1)
        )
    }
}

/// What /echo saw of its request.
struct Echo: Encodable {
    let method: String
    let token: String?
    let body: String

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(method, forKey: .method)
        // `null` when absent, not a missing key.
        try container.encode(token, forKey: .token)
        try container.encode(body, forKey: .body)
    }

    enum CodingKeys: String, CodingKey {
        case method, token, body
    }
}

/// One event, then nothing until the client goes (the server cancels the stream's task).
struct OneEventThenQuiet: AsyncSequence, Sendable {
    let event: ServerSentEvent

    struct AsyncIterator: AsyncIteratorProtocol {
        let event: ServerSentEvent
        var sent = false

        mutating func next() async throws -> ServerSentEvent? {
            guard !sent else {
                try await Task.sleep(for: .seconds(3600))
                return nil
            }
            sent = true
            return event
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(event: event)
    }
}

/// Writes a line to stdout at once (the test waits for it).
func say(_ line: String) {
    var line = line + "\n"
    line.withUTF8 { bytes in _ = write(1, bytes.baseAddress, bytes.count) }
}

var arguments = CommandLine.arguments.dropFirst()
var port = 0
var staticDirectory = URL(fileURLWithPath: ".")
var certificateChain: String?
var privateKey: String?
while let argument = arguments.popFirst() {
    switch argument {
    case "--port": port = Int(arguments.popFirst() ?? "") ?? 0
    case "--static": staticDirectory = URL(fileURLWithPath: arguments.popFirst() ?? ".")
    case "--tls-certificate": certificateChain = arguments.popFirst()
    case "--tls-key": privateKey = arguments.popFirst()
    default:
        say("usage: SSEBrowserFixture [--port P] [--static DIR] [--tls-certificate PEM --tls-key PEM]")
        exit(2)
    }
}
var tls: (certificateChain: String, privateKey: String)?
if let certificateChain, let privateKey {
    #if TLSSupport
    tls = (certificateChain, privateKey)
    #else
    say("TLS needs the TLSSupport trait")
    exit(2)
    #endif
} else if certificateChain != nil || privateKey != nil {
    say("--tls-certificate and --tls-key go together")
    exit(2)
}
if port == 0 {
    // A restart must find the same port: take a free one now and keep it.
    port = freePort()
}

/// A port nobody listens on now.
func freePort() -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

let fixture = Fixture(staticDirectory: staticDirectory, port: port, tls: tls)
fixture.serve()
while true {
    try await Task.sleep(for: .seconds(3600))
}
#endif
