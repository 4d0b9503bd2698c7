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

public import HTTPTypes
import SSECodec
public import SSEStreaming
import Synchronization

/// Who may listen, and for how long: a request's credentials checked by an ``SSEAuthorizer``,
/// one-time tickets for the browser's native `EventSource`, revocations, and streams that end when
/// their credentials do.
///
/// ```swift
/// let access = SSEAccessControl(authorizer: try await SSEJWTVerifier(keys: [.hmac(secret)], issuer: "https://auth.example.com"))
/// // In a route:
/// let principal = try await access.authorize(headers: request.headers, query: request.query)
/// try principal.requireSubscribe(to: [topic])
/// let subscription = access.guarding(broadcaster.subscribe(to: [topic], lastEventID: lastEventID), for: principal)
/// ```
///
/// Credentials come from, in this order:
/// 1. the `Authorization: Bearer` header (`fetch` and XHR, `SSEClient`);
/// 2. a ticket in the query string (`?ticket=…`, see ``issueTicket(for:)``): short-lived and
///    single-use, the one credential a URL may carry;
/// 3. a cookie (``Configuration/cookieName``), HttpOnly, Secure and SameSite, which a native
///    `EventSource` sends by itself (see ``cookie(for:token:path:)``).
///
/// A token in the query string (`?access_token=…`) is refused unless
/// ``Configuration/allowsTokenInQuery`` is set: URLs end up in proxy and server logs, browser
/// history and `Referer` headers.
///
/// A stream ``guarding(_:for:)`` ends at its principal's expiry with a final
/// ``Configuration/expiredEventType`` event, and at a matching ``revoke(subject:)`` or
/// ``revoke(tokenID:)`` with a ``Configuration/revokedEventType`` one, within
/// ``Configuration/expiryResolution``. Its client refreshes its credentials and reconnects with
/// its `Last-Event-ID`, so it loses no event.
public final class SSEAccessControl: Sendable {
    /// Where credentials are looked for, and the limits.
    public struct Configuration: Sendable {
        /// The cookie a native `EventSource` authenticates with; `"sse_token"` by default.
        public var cookieName = "sse_token"
        /// The query parameter of a ticket; `"ticket"` by default.
        public var ticketParameter = "ticket"
        /// The query parameter of a token (`access_token`, RFC 6750 §2.3), refused unless
        /// ``allowsTokenInQuery``.
        public var tokenQueryParameter = "access_token"
        /// Whether a long-lived token in the query string is accepted; `false` by default.
        public var allowsTokenInQuery = false
        /// How long a ticket can be redeemed; 30 seconds by default (never past its principal's
        /// expiry).
        public var ticketLifetime: Duration = .seconds(30)
        /// Tickets outstanding at most; past it, ``issueTicket(for:)`` throws
        /// ``SSEAuthorizationError/ticketsExhausted``. 10,000 by default.
        public var maximumTickets = 10_000
        /// How long a revocation of a subject is remembered (credentials issued before it are
        /// refused for that long); one day by default. A revoked token ID is remembered until
        /// its expiry, or as long if it has none.
        public var revocationRetention: Duration = .seconds(86_400)
        /// Revocations remembered at most; the oldest go first. 100,000 by default.
        public var maximumRevocations = 100_000
        /// How late after its principal's expiry a guarded stream may end; 250 ms by default.
        public var expiryResolution: Duration = .milliseconds(250)
        /// The type of the final event of a stream whose credentials expired.
        public var expiredEventType = "sse-auth-expired"
        /// The type of the final event of a stream whose credentials were revoked.
        public var revokedEventType = "sse-auth-revoked"
        /// The realm of the `WWW-Authenticate` challenge; `"sse"` by default.
        public var realm = "sse"

        /// The defaults.
        public init() {}
    }

    /// A one-time credential for a native `EventSource` URL; see ``issueTicket(for:)``.
    public struct Ticket: Sendable, Hashable {
        /// The ticket, to put in the URL's query as ``Configuration/ticketParameter``.
        public let value: String
        /// How long it can be redeemed.
        public let lifetime: Duration

        /// What a ticket endpoint answers: `{"ticket":"…","expiresIn":30}` (seconds), which the
        /// browser script's `ticketURL` option reads.
        public var json: String {
            #"{"ticket":"\#(value)","expiresIn":\#(lifetime.components.seconds)}"#
        }
    }

    /// The authorizer that checks tokens.
    public let authorizer: any SSEAuthorizer
    /// Where credentials are looked for, and the limits.
    public let configuration: Configuration
    let state: Mutex<State>

    /// Access control with `authorizer`.
    ///
    /// - Parameters:
    ///   - authorizer: What checks tokens (``SSEJWTVerifier``, or one of your own).
    ///   - configuration: Where credentials are looked for, and the limits.
    public init(authorizer: some SSEAuthorizer, configuration: Configuration = Configuration()) {
        self.authorizer = authorizer
        self.configuration = configuration
        self.state = Mutex(State())
    }

    /// The principal a request's credentials stand for: its `Authorization: Bearer` header, else
    /// its ticket, else its cookie; revoked credentials are refused.
    ///
    /// - Parameters:
    ///   - headers: The request's header fields.
    ///   - query: The request's query parameters.
    /// - Returns: Who it is, what it may do, and until when.
    /// - Throws: ``SSEAuthorizationError``: ``SSEAuthorizationError/missingCredentials``,
    ///   ``SSEAuthorizationError/invalidToken`` or ``SSEAuthorizationError/invalidRequest``.
    public func authorize(
        headers: HTTPFields,
        query: [String: String]
    ) async throws(SSEAuthorizationError)
        -> SSEPrincipal
    {
        do {
            return try await principal(headers: headers, query: query)
        } catch {
            throw error.inRealm(configuration.realm)
        }
    }

    private func principal(
        headers: HTTPFields,
        query: [String: String]
    ) async throws(SSEAuthorizationError)
        -> SSEPrincipal
    {
        let principal: SSEPrincipal
        if query[configuration.tokenQueryParameter] != nil, !configuration.allowsTokenInQuery {
            throw .invalidRequest("a token in the query string; use the Authorization header, a cookie or a ticket")
        }
        if let token = Self.bearerToken(headers) {
            principal = try await authorizer.authorize(token: token)
        } else if let ticket = query[configuration.ticketParameter] {
            principal = try redeem(ticket: ticket)
        } else if let token = Self.cookie(named: configuration.cookieName, in: headers) {
            principal = try await authorizer.authorize(token: token)
        } else if let token = query[configuration.tokenQueryParameter] {
            principal = try await authorizer.authorize(token: token)
        } else {
            throw .missingCredentials
        }
        let now = ContinuousClock.now
        if let expiresAt = principal.expiresAt, expiresAt <= now {
            throw .invalidToken("expired")
        }
        if state.withLock({ $0.isRevoked(principal, now: now) }) {
            throw .invalidToken("revoked")
        }
        return principal
    }

    /// The token of an `Authorization: Bearer` field, if any (RFC 6750 §2.1).
    package static func bearerToken(_ headers: HTTPFields) -> String? {
        guard let value = headers[.authorization] else {
            return nil
        }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            return nil
        }
        let token = parts[1].trimmingSpaces()
        return token.isEmpty ? nil : String(token)
    }

    /// The value of cookie `name` in the request's `Cookie` fields (HTTP/2 may split them).
    static func cookie(named name: String, in headers: HTTPFields) -> String? {
        for field in headers[fields: .cookie] {
            for pair in field.value.split(separator: ";") {
                let pair = pair.trimmingSpaces()
                guard let equals = pair.firstIndex(of: "=") else {
                    continue
                }
                if pair[..<equals].utf8.elementsEqual(name.utf8) {
                    var value = pair[pair.index(after: equals)...]
                    if value.count >= 2, value.first == "\"", value.last == "\"" {
                        value = value.dropFirst().dropLast()
                    }
                    return value.isEmpty ? nil : String(value)
                }
            }
        }
        return nil
    }

    /// The `Set-Cookie` value that gives a browser `token` as its credential for native
    /// `EventSource`s: `HttpOnly` (no script reads it), `Secure` (HTTPS only), `SameSite=Strict`
    /// (no other site's page sends it), limited to `path`, and gone with the token's expiry.
    ///
    /// - Parameters:
    ///   - principal: What `token` stands for (its expiry sets the cookie's `Max-Age`).
    ///   - token: The bearer token.
    ///   - path: The paths the browser sends it to; `/` by default.
    /// - Returns: The field's value.
    public func cookie(for principal: SSEPrincipal, token: String, path: String = "/") -> String {
        var cookie = "\(configuration.cookieName)=\(token); Path=\(path); HttpOnly; Secure; SameSite=Strict"
        if let expiresAt = principal.expiresAt {
            let seconds = max(0, (expiresAt - .now).components.seconds)
            cookie += "; Max-Age=\(seconds)"
        }
        return cookie
    }

    /// A ticket for `principal`: a random value that a native `EventSource` URL carries once,
    /// within ``Configuration/ticketLifetime`` and before the principal's expiry. A page gets
    /// one with a `POST` that has its bearer token, then opens `EventSource(url + "?ticket=" + value)`.
    ///
    /// - Parameter principal: Whom the ticket stands for; redeeming it gives this principal.
    /// - Returns: The ticket.
    /// - Throws: ``SSEAuthorizationError/ticketsExhausted`` when ``Configuration/maximumTickets``
    ///   are outstanding.
    public func issueTicket(for principal: SSEPrincipal) throws(SSEAuthorizationError) -> Ticket {
        let value = Self.randomTicket()
        let now = ContinuousClock.now
        var until = now + configuration.ticketLifetime
        if let expiresAt = principal.expiresAt {
            until = min(until, expiresAt)
        }
        try state.withLock { state throws(SSEAuthorizationError) in
            try state.addTicket(
                value,
                principal: principal,
                until: until,
                now: now,
                limit: configuration.maximumTickets
            )
        }
        return Ticket(value: value, lifetime: until - now)
    }

    /// A ticket for the principal of a request's `Authorization: Bearer` header (and of nothing
    /// else: not of a cookie, which a page of another site could make the browser send, nor of
    /// another ticket): what a ticket endpoint answers a page's `POST` with.
    ///
    /// - Parameter headers: The request's header fields.
    /// - Returns: The ticket.
    /// - Throws: ``SSEAuthorizationError``: no bearer token, an invalid or revoked one, or
    ///   ``SSEAuthorizationError/ticketsExhausted``.
    public func issueTicket(headers: HTTPFields) async throws(SSEAuthorizationError) -> Ticket {
        guard Self.bearerToken(headers) != nil else {
            throw SSEAuthorizationError.missingCredentials.inRealm(configuration.realm)
        }
        return try issueTicket(for: await authorize(headers: headers, query: [:]))
    }

    /// The principal of a ticket, which can be redeemed no more.
    func redeem(ticket: String) throws(SSEAuthorizationError) -> SSEPrincipal {
        let now = ContinuousClock.now
        guard let principal = state.withLock({ $0.redeem(ticket, now: now) }) else {
            throw .invalidToken("unknown, used or expired ticket")
        }
        return principal
    }

    /// 32 random bytes, base64url without padding.
    static func randomTicket() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Base64URL.encode(bytes)
    }

    /// Refuses every credential of `subject` issued before now (those without an issue time
    /// too), and ends its open guarded streams with a ``Configuration/revokedEventType`` event.
    /// Credentials issued afterwards are accepted.
    ///
    /// - Parameter subject: Whose credentials to revoke.
    /// - Returns: How many open streams end.
    @discardableResult
    public func revoke(subject: String) -> Int {
        revoke(.subject(subject))
    }

    /// Refuses the credentials with this ID (a token's `jti`), and ends the open guarded streams
    /// opened with them.
    ///
    /// - Parameter tokenID: The credentials' ID.
    /// - Returns: How many open streams end.
    @discardableResult
    public func revoke(tokenID: String) -> Int {
        revoke(.tokenID(tokenID))
    }

    /// Records the revocation and ends the streams it names.
    private func revoke(_ revoked: State.Revoked) -> Int {
        let now = ContinuousClock.now
        let ended = state.withLock { state in
            state.revoke(
                revoked,
                now: now,
                retention: configuration.revocationRetention,
                limit: configuration.maximumRevocations
            )
        }
        end(ended, reason: .revoked)
        return ended.count
    }

    /// The subscription, which now ends with a final event when `principal`'s credentials expire
    /// or are revoked: ``Configuration/expiredEventType`` or ``Configuration/revokedEventType``.
    /// Nothing is kept for it once it is over.
    ///
    /// - Parameters:
    ///   - subscription: A subscription the principal may have (check its grants first).
    ///   - principal: Whose credentials it was opened with.
    /// - Returns: `subscription`.
    public func guarding(
        _ subscription: SSEBroadcaster.Subscription,
        for principal: SSEPrincipal
    ) -> SSEBroadcaster.Subscription {
        let finisher = subscription.finisher
        let ending = Ending { [configuration] reason in
            let type = reason == .expired ? configuration.expiredEventType : configuration.revokedEventType
            try? finisher.finish(
                finalEvent: ServerSentEvent(type: type, data: reason.rawValue),
                cause: reason == .expired ? .credentialsExpired : .credentialsRevoked
            )
        }
        let (key, startsSweeper) = state.withLock { $0.watch(principal, ending: ending) }
        subscription.onTermination { [weak self] in
            _ = self?.state.withLock { $0.unwatch(key) }
        }
        if startsSweeper {
            startSweeping()
        }
        return subscription
    }

    /// A guarded subscription of `principal` to `topics`, checked against its grants, with the
    /// events published to its subject (``SSEPrincipal/subject``) as its subscriber ID: targeted
    /// delivery binds to who the credentials say, never to a parameter the client chose.
    ///
    /// ```swift
    /// let subscription = try access.subscribe(principal, to: [topic], on: broadcaster, lastEventID: lastEventID)
    /// broadcaster.publish(ServerSentEvent(data: "for you"), toSubscriber: "42")   // reaches subject 42 only
    /// ```
    ///
    /// - Parameters:
    ///   - principal: Whose subscription it is.
    ///   - topics: The topics, each of which its grants must allow.
    ///   - broadcaster: The broadcaster.
    ///   - lastEventID: Where to resume, as with `SSEBroadcaster.subscribe(to:subscriberID:lastEventID:overflowPolicy:)`.
    /// - Returns: The subscription, ended when the credentials expire or are revoked.
    /// - Throws: ``SSEAuthorizationError/insufficientScope`` for a topic outside the grants.
    public func subscribe(
        _ principal: SSEPrincipal,
        to topics: some Sequence<String>,
        on broadcaster: SSEBroadcaster,
        lastEventID: String? = nil
    ) throws(SSEAuthorizationError) -> SSEBroadcaster.Subscription {
        let topics = Array(topics)
        try requireSubscribe(principal, to: topics)
        let subscription = broadcaster.subscribe(to: topics, subscriberID: principal.subject, lastEventID: lastEventID)
        return guarding(subscription, for: principal)
    }

    /// Checks that `principal` may subscribe to every one of `topics` (a long poll's, say).
    ///
    /// - Throws: ``SSEAuthorizationError/insufficientScope`` in this access control's realm.
    public func requireSubscribe(
        _ principal: SSEPrincipal,
        to topics: some Sequence<String>
    ) throws(SSEAuthorizationError) {
        do {
            try principal.requireSubscribe(to: topics)
        } catch {
            throw error.inRealm(configuration.realm)
        }
    }

    /// How many guarded streams are open.
    public var guardedStreamCount: Int {
        state.withLock { $0.watches.count }
    }

    /// Ends expired streams every ``Configuration/expiryResolution`` while some could expire.
    private func startSweeping() {
        Task { [weak self] in
            while let resolution = self?.configuration.expiryResolution {
                try? await Task.sleep(for: resolution)
                guard let self else {
                    return
                }
                let now = ContinuousClock.now
                let (expired, goesOn) = state.withLock { $0.takeExpired(now: now) }
                end(expired, reason: .expired)
                if !goesOn {
                    return
                }
            }
        }
    }

    private func end(_ endings: [Ending], reason: EndReason) {
        for ending in endings {
            ending.body(reason)
        }
    }

    enum EndReason: String, Sendable {
        case expired
        case revoked
    }

    struct Ending: Sendable {
        let body: @Sendable (EndReason) -> Void
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    fileprivate func trimmingSpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
