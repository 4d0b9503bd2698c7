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

#if VaporSupport
import HTTPTypes
import NIOCore
public import SSEAuthorization
public import SSELongPolling
public import SSENIOCore
import SSEStreaming
public import Vapor

extension SSELongPoll {
    /// Answers a Vapor request on the broadcaster's topics: a long poll when the request asks for
    /// one (see `isLongPoll(query:)`), else an event stream resumed from the same cursor.
    ///
    /// ```swift
    /// app.get("events") { request in
    ///     try await longPoll.response(to: request, topics: ["news"])
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - request: The request; its cursor is resolved as for a stream, by
    ///     `request.sseLastEventID(configuration: stream)`: the `Last-Event-ID` header, else the
    ///     query parameter named by `stream.lastEventIDQueryParameter`.
    ///   - topics: The topics to receive.
    ///   - subscriberID: Also receive the events published for this subscriber ID.
    ///   - stream: The stream's header fields, gzip and the cursor's query parameter.
    /// - Returns: The long poll's answer, or the stream.
    /// - Throws: `Abort(.badRequest)` for an invalid cursor.
    public func response(
        to request: Request,
        topics: [String],
        subscriberID: String? = nil,
        stream: SSEStreamConfiguration = SSEStreamConfiguration()
    ) async throws -> Vapor.Response {
        try await response(to: request, topics: topics, subscriberID: subscriberID, stream: stream, guardedBy: nil)
    }

    /// ``response(to:topics:subscriberID:stream:)`` for an authorized request (see
    /// `SSEAuthenticator`): the topics must be in the principal's grants (else `403`), the events
    /// published for its subject come too, and a stream ends when its credentials expire or are
    /// revoked.
    ///
    /// ```swift
    /// authorized.get("events") { request in
    ///     try await longPoll.response(to: request, topics: ["news"],
    ///         principal: try request.auth.require(SSEPrincipal.self), accessControl: access)
    /// }
    /// ```
    public func response(
        to request: Request,
        topics: [String],
        principal: SSEPrincipal,
        accessControl: SSEAccessControl,
        stream: SSEStreamConfiguration = SSEStreamConfiguration()
    ) async throws -> Vapor.Response {
        try accessControl.requireSubscribe(principal, to: topics)
        return try await response(
            to: request,
            topics: topics,
            subscriberID: principal.subject,
            stream: stream,
            guardedBy: (accessControl, principal)
        )
    }

    private func response(
        to request: Request,
        topics: [String],
        subscriberID: String?,
        stream: SSEStreamConfiguration,
        guardedBy guarding: (SSEAccessControl, SSEPrincipal)?
    ) async throws -> Vapor.Response {
        let cursor = try request.sseLastEventID(configuration: stream)
        guard request.query[String.self, at: configuration.transportParameter] == "poll" else {
            var subscription = broadcaster.subscribe(to: topics, subscriberID: subscriberID, lastEventID: cursor)
            if let (accessControl, principal) = guarding {
                subscription = accessControl.guarding(subscription, for: principal)
            }
            let prefix = streamPrefix(for: subscription, lastEventID: cursor)
            return try await SSEStream(body: .subscription(subscription).startingWith(prefix), configuration: stream)
                .encodeResponse(for: request)
        }
        let wait = { await respond(topics: topics, subscriberID: subscriberID, lastEventID: cursor) }
        let answer =
            if let metrics = stream.metrics?.streams(route: SSEStream.routePattern(of: request)) {
                await metrics.longPoll(wait) { (Int($0.status.code), $0.eventCount) }
            } else {
                await wait()
            }
        // Vapor sets the Content-Length of the body it is given.
        var fields = answer.headers
        fields[.contentLength] = nil
        return Vapor.Response(
            status: HTTPResponseStatus(statusCode: Int(answer.status.code)),
            headers: HTTPHeaders(fields),
            body: Vapor.Response.Body(buffer: ByteBuffer(bytes: answer.body))
        )
    }
}
#endif
