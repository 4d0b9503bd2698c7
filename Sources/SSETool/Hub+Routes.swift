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

#if CommandLineTool
import Foundation
import HTTPTypes
import Metrics
import SSEAuthorization
import SSECodec
import SSELongPolling
import SSENIO
import SSEStreaming

/// What the hub answers: subscriptions, publishes, credentials for native `EventSource`s and its
/// health, on a broadcaster that is the process's own or PostgreSQL's.
struct HubRoutes: Sendable {
    /// Publishes an event to topics, answering its ID.
    typealias Publish = @Sendable (ServerSentEvent, [String]) async throws -> String

    /// What a private update's topics become inside the hub: a subscriber gets them only when its
    /// grants allow the topic. Clients may not name them.
    static let privatePrefix = "~private/"

    let longPoll: SSELongPoll
    let publish: Publish
    /// `nil`: no authorization (anyone may publish and subscribe; private updates are refused).
    let access: SSEAccessControl?
    /// Whether a subscriber without credentials gets public updates.
    let anonymous: Bool
    let publishRate: SSEServer.StreamRate?
    /// Whether the hub is ready: listening, and connected to PostgreSQL when it uses it.
    let isReady: @Sendable () -> Bool
    let publishes: Publishes

    /// `sse_hub_publishes_total{outcome}`.
    struct Publishes: Sendable {
        let published: Metrics.Counter
        let refused: Metrics.Counter
        let failed: Metrics.Counter

        init(factory: any MetricsFactory) {
            func counter(_ outcome: String) -> Metrics.Counter {
                Metrics.Counter(label: "sse_hub_publishes_total", dimensions: [("outcome", outcome)], factory: factory)
            }
            published = counter("published")
            refused = counter("refused")
            failed = counter("failed")
        }
    }

    func add(to router: inout SSERouter) {
        router.getBrowserScript()
        // A page of the hub's origin: what a page that loads /sse.js from here starts from.
        router.get("/") { _ in
            .html(
                """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>sse hub</title></head>
                <body><p>sse hub: <code>GET /events?topic=T</code> streams,
                <code>POST /publish?topic=T</code> publishes, <code>/sse.js</code> is the browser script;
                <code>sse hub --help</code> says more.</p></body></html>

                """
            )
        }
        router.get("/healthz") { _ in
            isReady() ? .text("ok\n") : .text("not ready\n", status: .serviceUnavailable)
        }
        router.get("/events") { request in
            try await subscribe(request)
        }
        router.post("/publish") { request in
            do {
                return try await publish(request)
            } catch let error as HubPublishFailure {
                publishes.failed.increment()
                var response = SSEResponse.text("Cannot publish now: \(error.reason)\n", status: .serviceUnavailable)
                response.headers[.retryAfter] = "1"
                return response
            } catch {
                publishes.refused.increment()
                throw error
            }
        }
        guard let access else {
            return
        }
        router.post("/ticket", handler: access.ticketHandler())
        // A page turns its token into an HttpOnly cookie, which its native `EventSource` sends.
        router.post("/cookie") { request in
            let (principal, token) = try await Self.bearer(request, access)
            var response = SSEResponse.empty()
            response.headers[.setCookie] = access.cookie(for: principal, token: token)
            response.headers[.cacheControl] = "no-store"
            return response
        }
        router.delete("/cookie") { _ in
            var response = SSEResponse.empty()
            response.headers[.setCookie] =
                "\(access.configuration.cookieName)=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0"
            return response
        }
    }

    // MARK: Subscribing

    /// A stream (or long poll) of the topics the request names: their public updates, and the
    /// private ones of the topics its credentials' grants allow.
    func subscribe(_ request: SSERequest) async throws -> SSEResponse {
        let topics = try Self.topics(of: request)
        let principal = try await subscriber(of: request)
        var audiences = topics
        if let principal {
            audiences += topics.filter { principal.grants.maySubscribe(to: $0) }.map { Self.privatePrefix + $0 }
        }
        // A stream ends when its credentials expire or are revoked (a long poll is short, and
        // is authorized again at its next request).
        let guarding = access.flatMap { access in principal.map { (access, $0) } }
        return await longPoll.response(to: request, topics: audiences, subscriberID: nil, guardedBy: guarding)
    }

    /// Who subscribes: `nil` for no one in particular (no authorization, or an anonymous
    /// subscriber where they are allowed).
    private func subscriber(of request: SSERequest) async throws(SSEAuthorizationError) -> SSEPrincipal? {
        guard let access else {
            return nil
        }
        do {
            return try await access.authorize(headers: request.headers, query: request.query)
        } catch  where error == .missingCredentials && anonymous {
            return nil
        }
    }

    // MARK: Publishing

    func publish(_ request: SSERequest) async throws -> SSEResponse {
        if let publishRate, !publishRate.admit() {
            publishes.refused.increment()
            var response = SSEResponse.text(
                "Too many publishes: this hub takes \(request.path) at a limited rate.\n",
                status: .tooManyRequests
            )
            response.headers[.retryAfter] = "1"
            return response
        }
        let update = try HubUpdate(from: request)
        var topics = update.topics
        if let access {
            let (principal, _) = try await Self.bearer(request, access)
            for topic in topics {
                try principal.requirePublish(to: topic)
            }
        } else if update.isPrivate {
            throw SSEHTTPError(
                .badRequest,
                "A private update needs subscribers that are authorized for it; this hub authorizes no one (no --jwt-secret or --jwt-key), so it refuses to publish one."
            )
        }
        if update.isPrivate {
            topics = topics.map { Self.privatePrefix + $0 }
        }
        let id: String
        do {
            id = try await publish(update.event, topics)
        } catch let error as SSEEncodingError {
            throw SSEHTTPError(.badRequest, "Cannot publish this event: \(error)")
        }
        publishes.published.increment()
        return .text(id + "\n")
    }

    /// The principal of a request's `Authorization: Bearer` token, and the token: publishers
    /// must send one (a cookie, which another site's page can make a browser send, does not
    /// publish, nor turn into a cookie).
    static func bearer(
        _ request: SSERequest,
        _ access: SSEAccessControl
    ) async throws(SSEAuthorizationError) -> (SSEPrincipal, String) {
        guard let token = SSEAccessControl.bearerToken(request.headers) else {
            throw .missingCredentials
        }
        // With a bearer token, that is what `authorize` reads (before a ticket or a cookie).
        return (try await access.authorize(headers: request.headers, query: [:]), token)
    }

    /// The topics of a subscription: `topic=a,b`; `default` when none.
    static func topics(of request: SSERequest) throws -> [String] {
        let topics = queryTopics(request)
        try refuseReserved(topics)
        return topics.isEmpty ? ["default"] : topics
    }

    /// The query's topics, comma-separated.
    static func queryTopics(_ request: SSERequest) -> [String] {
        (request.query["topic"] ?? "").split(separator: ",").map(String.init)
    }

    static func refuseReserved(_ topics: [String]) throws {
        if let topic = topics.first(where: { $0.hasPrefix(privatePrefix) }) {
            throw SSEHTTPError(.badRequest, "Topics that begin with \(privatePrefix) are the hub's own: \(topic)")
        }
    }
}

/// A publish that could not reach the events' store (PostgreSQL away): `503`, try again.
struct HubPublishFailure: Error {
    let reason: String
}
#endif
