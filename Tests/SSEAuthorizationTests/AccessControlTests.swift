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

import HTTPTypes
import SSEAuthorization
import SSECodec
import SSEStreaming
import Testing

/// The seam without a server: patterns, grants, credentials, tickets, revocations and guarded
/// subscriptions, with an authorizer of the tests' own.
@Suite("Access control")
struct AccessControlTests {
    /// Tokens are "subject:topic,topic:seconds-to-expiry"; anything else is invalid.
    struct Plain: SSEAuthorizer {
        func authorize(token: String) async throws(SSEAuthorizationError) -> SSEPrincipal {
            let parts = token.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3, let seconds = Int(parts[2]) else {
                throw .invalidToken("not a test token")
            }
            return SSEPrincipal(
                subject: String(parts[0]),
                grants: SSETopicGrants(subscribe: parts[1].split(separator: ",").map { SSETopicPattern(String($0)) }),
                expiresAt: .now + .seconds(seconds),
                issuedAt: .now - .seconds(1),
                tokenID: token
            )
        }
    }

    @Test("Patterns: exact, prefix and any; compared byte for byte")
    func patterns() {
        #expect(SSETopicPattern("rooms/lobby").matches("rooms/lobby"))
        #expect(!SSETopicPattern("rooms/lobby").matches("rooms/lobby2"))
        #expect(SSETopicPattern("rooms/*").matches("rooms/kitchen"))
        #expect(!SSETopicPattern("rooms/*").matches("users/1"))
        #expect(SSETopicPattern("*").matches("anything"))
        #expect(SSETopicPattern.exact("a*").matches("a*"))
        #expect(!SSETopicPattern.exact("a*").matches("ab"))
        // "é" precomposed and decomposed are equal Strings, not equal topics.
        #expect(!SSETopicPattern("caf\u{E9}").matches("cafe\u{301}"))
        #expect(SSETopicPattern("rooms/*").description == "rooms/*")
        let grants = SSETopicGrants(subscribe: ["users/42"], publish: ["rooms/*"])
        #expect(grants.maySubscribe(to: "users/42") && !grants.maySubscribe(to: "users/43"))
        #expect(grants.mayPublish(to: "rooms/x") && !grants.mayPublish(to: "users/42"))
    }

    @Test("Credentials: the bearer header first, then a ticket, then the cookie; a token in the query is refused")
    func credentials() async throws {
        let access = SSEAccessControl(authorizer: Plain())
        let header = try await access.authorize(headers: [.authorization: "Bearer alice:news:60"], query: [:])
        #expect(header.subject == "alice")
        let lowercase = try await access.authorize(headers: [.authorization: "bearer  bob:news:60 "], query: [:])
        #expect(lowercase.subject == "bob")
        var cookies = HTTPFields()
        cookies.append(HTTPField(name: .cookie, value: "theme=dark"))
        cookies.append(HTTPField(name: .cookie, value: "a=b; sse_token=carol:news:60"))
        #expect(try await access.authorize(headers: cookies, query: [:]).subject == "carol")
        await #expect(throws: SSEAuthorizationError.missingCredentials) {
            try await access.authorize(headers: [.authorization: "Basic YTpi"], query: [:])
        }
        await #expect(throws: SSEAuthorizationError.invalidRequest) {
            try await access.authorize(headers: [:], query: ["access_token": "alice:news:60"])
        }
        await #expect(throws: SSEAuthorizationError.invalidToken) {
            try await access.authorize(headers: [.authorization: "Bearer forged"], query: [:])
        }
        await #expect(throws: SSEAuthorizationError.invalidToken) {
            try await access.authorize(headers: [.authorization: "Bearer old:news:-5"], query: [:])
        }
        var configuration = SSEAccessControl.Configuration()
        configuration.allowsTokenInQuery = true
        let lenient = SSEAccessControl(authorizer: Plain(), configuration: configuration)
        #expect(try await lenient.authorize(headers: [:], query: ["access_token": "dave:news:60"]).subject == "dave")
    }

    @Test("Errors: status, challenge and a body without the reason")
    func errors() {
        let invalid = SSEAuthorizationError.invalidToken("the signature does not verify")
        #expect(invalid.status == .unauthorized)
        #expect(invalid.headerFields[.wwwAuthenticate] == #"Bearer realm="sse", error="invalid_token""#)
        #expect(!invalid.body.contains("signature"))
        #expect(SSEAuthorizationError.missingCredentials.headerFields[.wwwAuthenticate] == #"Bearer realm="sse""#)
        #expect(SSEAuthorizationError.insufficientScope.status == .forbidden)
        #expect(
            SSEAuthorizationError.insufficientScope.headerFields[.wwwAuthenticate]
                == #"Bearer realm="sse", error="insufficient_scope""#
        )
        #expect(SSEAuthorizationError.invalidRequest.status == .badRequest)
        #expect(invalid == .invalidToken)
    }

    @Test("Tickets: single use, for the principal they were issued to, bounded in number")
    func tickets() async throws {
        var configuration = SSEAccessControl.Configuration()
        configuration.maximumTickets = 2
        configuration.realm = "chat"
        let access = SSEAccessControl(authorizer: Plain(), configuration: configuration)
        let ticket = try await access.issueTicket(headers: [.authorization: "Bearer alice:news:60"])
        #expect(ticket.value.utf8.count == 43)
        #expect(ticket.lifetime <= .seconds(30))
        let principal = try await access.authorize(headers: [:], query: ["ticket": ticket.value])
        #expect(principal.subject == "alice")
        do {
            _ = try await access.authorize(headers: [:], query: ["ticket": ticket.value])
            Issue.record("a used ticket was accepted")
        } catch {
            #expect(error == .invalidToken)
            #expect(error.headerFields[.wwwAuthenticate] == #"Bearer realm="chat", error="invalid_token""#)
        }
        // Only a bearer header gets a ticket: not a cookie, not another ticket.
        await #expect(throws: SSEAuthorizationError.missingCredentials) {
            try await access.issueTicket(headers: [.cookie: "sse_token=alice:news:60"])
        }
        _ = try access.issueTicket(for: principal)
        _ = try access.issueTicket(for: principal)
        #expect(throws: SSEAuthorizationError.ticketsExhausted) { try access.issueTicket(for: principal) }
    }

    @Test("A ticket past its lifetime is refused, and makes room for another")
    func expiredTicket() async throws {
        var configuration = SSEAccessControl.Configuration()
        configuration.ticketLifetime = .milliseconds(50)
        configuration.maximumTickets = 2
        let access = SSEAccessControl(authorizer: Plain(), configuration: configuration)
        let principal = try await access.authorize(headers: [.authorization: "Bearer alice:news:60"], query: [:])
        let ticket = try access.issueTicket(for: principal)
        // Waiting for the lifetime to pass (nothing is timed).
        try await Task.sleep(for: .milliseconds(100))
        await #expect(throws: SSEAuthorizationError.invalidToken) {
            try await access.authorize(headers: [:], query: ["ticket": ticket.value])
        }
        _ = try access.issueTicket(for: principal)
        // A ticket never outlives its principal.
        let shortLived = SSEPrincipal(subject: "bob", grants: SSETopicGrants(), expiresAt: .now + .milliseconds(10))
        #expect(try access.issueTicket(for: shortLived).lifetime <= .milliseconds(10))
    }

    @Test("A guarded subscription ends with sse-auth-expired at its expiry, after what was published before")
    func expiry() async throws {
        let broadcaster = SSEBroadcaster()
        let access = SSEAccessControl(authorizer: Plain())
        let principal = try await access.authorize(headers: [.authorization: "Bearer alice:news:1"], query: [:])
        let subscription = try access.subscribe(principal, to: ["news"], on: broadcaster)
        #expect(access.guardedStreamCount == 1)
        try broadcaster.publish(ServerSentEvent(data: "one"), to: "news")
        var received: [ServerSentEvent] = []
        var decoder = SSEDecoder()
        for try await chunk in subscription {
            try decoder.decode(chunk) { output in
                if case .event(let event) = output { received.append(event) }
            }
        }
        #expect(received.map(\.type) == ["message", "sse-auth-expired"])
        #expect(received.first?.data == "one")
        // What a server's metrics count it as: auth_expired.
        #expect(subscription.finishCause == .credentialsExpired)
        #expect(access.guardedStreamCount == 0)
    }

    @Test("Revoking a subject ends its streams alone, and refuses its older credentials")
    func revocation() async throws {
        let broadcaster = SSEBroadcaster()
        let access = SSEAccessControl(authorizer: Plain())
        let alice = try await access.authorize(headers: [.authorization: "Bearer alice:news:600"], query: [:])
        let bob = try await access.authorize(headers: [.authorization: "Bearer bob:news:600"], query: [:])
        let aliceStreams = try (0..<3).map { _ in try access.subscribe(alice, to: ["news"], on: broadcaster) }
        let bobStream = try access.subscribe(bob, to: ["news"], on: broadcaster)
        #expect(access.revoke(subject: "alice") == 3)
        for stream in aliceStreams {
            var chunks: [[UInt8]] = []
            for try await chunk in stream { chunks.append(chunk) }
            #expect(chunks == [Array("event: sse-auth-revoked\ndata: revoked\n\n".utf8)])
            #expect(stream.finishCause == .credentialsRevoked)
        }
        #expect(access.guardedStreamCount == 1)
        await #expect(throws: SSEAuthorizationError.invalidToken) {
            try await access.authorize(headers: [.authorization: "Bearer alice:news:600"], query: [:])
        }
        #expect(access.revoke(tokenID: "bob:news:600") == 1)
        _ = bobStream
        #expect(throws: SSEAuthorizationError.insufficientScope) {
            try access.subscribe(bob, to: ["secret"], on: broadcaster)
        }
    }
}
