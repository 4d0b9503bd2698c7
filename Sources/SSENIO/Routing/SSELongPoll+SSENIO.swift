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

#if NIOSupport
public import SSEAuthorization
public import SSELongPolling
import SSENIOCore
import SSEStreaming

extension SSELongPoll {
    /// Answers a request of the embedded server on the broadcaster's topics: a long poll when the
    /// request asks for one (see `SSELongPoll/isLongPoll(query:)`), else an event stream resumed from the
    /// same cursor, so that one URL serves both transports of the browser script.
    ///
    /// ```swift
    /// router.get("/events") { request in
    ///     await longPoll.response(to: request, topics: ["news"])
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - request: The request; its cursor is its ``SSERequest/lastEventID``, resolved as for a
    ///     stream (the `Last-Event-ID` header, else the query parameter named by the server's
    ///     `SSEStreamConfiguration/lastEventIDQueryParameter`).
    ///   - topics: The topics to receive.
    ///   - subscriberID: Also receive the events published for this subscriber ID.
    /// - Returns: The long poll's answer, or the stream.
    public func response(to request: SSERequest, topics: [String], subscriberID: String? = nil) async -> SSEResponse {
        await response(to: request, topics: topics, subscriberID: subscriberID, guardedBy: nil)
    }

    /// ``response(to:topics:subscriberID:)`` for an authorized request: the topics must be in the
    /// principal's grants, the events published for its subject come too, and a stream ends when
    /// its credentials expire or are revoked.
    ///
    /// ```swift
    /// router.get("/events", handler: access.handler { request, principal in
    ///     try await longPoll.response(to: request, topics: ["news"], principal: principal, accessControl: access)
    /// })
    /// ```
    ///
    /// - Throws: `SSEAuthorizationError.insufficientScope` for a topic outside the grants.
    public func response(
        to request: SSERequest,
        topics: [String],
        principal: SSEPrincipal,
        accessControl: SSEAccessControl
    ) async throws(SSEAuthorizationError) -> SSEResponse {
        try accessControl.requireSubscribe(principal, to: topics)
        return await response(
            to: request,
            topics: topics,
            subscriberID: principal.subject,
            guardedBy: (accessControl, principal)
        )
    }

    /// The answer of ``response(to:topics:subscriberID:)``, a stream of which ends when
    /// `guarding`'s principal's credentials expire or are revoked (its grants are not checked
    /// here: `sse hub` lets any token have the public topics it names).
    package func response(
        to request: SSERequest,
        topics: [String],
        subscriberID: String?,
        guardedBy guarding: (SSEAccessControl, SSEPrincipal)?
    ) async -> SSEResponse {
        let cursor = request.lastEventID
        guard isLongPoll(query: request.query) else {
            var subscription = broadcaster.subscribe(to: topics, subscriberID: subscriberID, lastEventID: cursor)
            if let (accessControl, principal) = guarding {
                subscription = accessControl.guarding(subscription, for: principal)
            }
            let prefix = streamPrefix(for: subscription, lastEventID: cursor)
            return .stream(SSEStreamBody.subscription(subscription).startingWith(prefix))
        }
        let wait = { await respond(topics: topics, subscriberID: subscriberID, lastEventID: cursor) }
        guard let metrics = request.metrics?.streams(route: request.route) else {
            return .longPoll(await wait())
        }
        return .longPoll(await metrics.longPoll(wait) { (Int($0.status.code), $0.eventCount) })
    }
}

extension SSEResponse {
    /// A long poll's answer (see `SSELongPoll/respond(topics:subscriberID:lastEventID:)`), sent as
    /// it is.
    ///
    /// - Parameter answer: The answer.
    /// - Returns: The response.
    public static func longPoll(_ answer: SSELongPoll.Response) -> Self {
        var response = complete(
            status: answer.status,
            contentType: answer.headers[.contentType] ?? "text/event-stream; charset=utf-8",
            body: answer.body
        )
        response.headers = answer.headers
        return response
    }
}

extension SSERouter {
    /// Serves the browser script at `path` as a classic script, and as an ES module at the same
    /// path ending in `.mjs` instead of `.js`, both from memory with their `ETag` and gzip.
    ///
    /// ```swift
    /// router.getBrowserScript()   // GET /sse.js and GET /sse.mjs
    /// ```
    ///
    /// - Parameter path: The script's path; it must end in `.js`.
    public mutating func getBrowserScript(at path: String = "/sse.js") {
        precondition(path.hasSuffix(".js"), "the browser script's path must end in .js")
        get(path, asset: SSEAsset(SSELongPoll.browserScript, contentType: .javascript))
        get(String(path.dropLast(3)) + ".mjs", asset: SSEAsset(SSELongPoll.browserModule, contentType: .javascript))
    }
}
#endif
