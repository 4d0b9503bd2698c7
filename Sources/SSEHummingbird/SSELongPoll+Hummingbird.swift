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

#if HummingbirdSupport
public import Hummingbird
import NIOCore
public import SSEAuthorization
public import SSELongPolling
public import SSENIOCore
import SSEStreaming

extension SSELongPoll {
    /// Answers a Hummingbird request on the broadcaster's topics: a long poll when the request
    /// asks for one (see `isLongPoll(query:)`), else an event stream resumed from the same cursor.
    ///
    /// ```swift
    /// router.get("events") { request, context in
    ///     try await longPoll.response(to: request, context: context, topics: ["news"])
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - request: The request; its cursor is resolved as for a stream, by
    ///     `request.sseLastEventID(configuration: stream)`: the `Last-Event-ID` header, else the
    ///     query parameter named by `stream.lastEventIDQueryParameter`.
    ///   - context: The request's context.
    ///   - topics: The topics to receive.
    ///   - subscriberID: Also receive the events published for this subscriber ID.
    ///   - stream: The stream's header fields, gzip and the cursor's query parameter.
    /// - Returns: The long poll's answer, or the stream.
    /// - Throws: `HTTPError(.badRequest)` for an invalid cursor.
    public func response(
        to request: Request,
        context: some RequestContext,
        topics: [String],
        subscriberID: String? = nil,
        stream: SSEStreamConfiguration = SSEStreamConfiguration()
    ) async throws -> Hummingbird.Response {
        try await response(
            to: request,
            context: context,
            topics: topics,
            subscriberID: subscriberID,
            stream: stream,
            guardedBy: nil
        )
    }

    /// ``response(to:context:topics:subscriberID:stream:)`` for an authorized request (see
    /// `SSEAuthenticator`): the topics must be in the principal's grants (else `403`), the events
    /// published for its subject come too, and a stream ends when its credentials expire or are
    /// revoked.
    ///
    /// ```swift
    /// router.get("events") { request, context in
    ///     try await longPoll.response(to: request, context: context, topics: ["news"],
    ///         principal: try context.requireIdentity(), accessControl: access)
    /// }
    /// ```
    public func response(
        to request: Request,
        context: some RequestContext,
        topics: [String],
        principal: SSEPrincipal,
        accessControl: SSEAccessControl,
        stream: SSEStreamConfiguration = SSEStreamConfiguration()
    ) async throws -> Hummingbird.Response {
        try accessControl.requireSubscribe(principal, to: topics)
        return try await response(
            to: request,
            context: context,
            topics: topics,
            subscriberID: principal.subject,
            stream: stream,
            guardedBy: (accessControl, principal)
        )
    }

    private func response(
        to request: Request,
        context: some RequestContext,
        topics: [String],
        subscriberID: String?,
        stream: SSEStreamConfiguration,
        guardedBy guarding: (SSEAccessControl, SSEPrincipal)?
    ) async throws -> Hummingbird.Response {
        let cursor = try request.sseLastEventID(configuration: stream)
        guard request.uri.queryParameters[configuration.transportParameter[...]] == "poll" else {
            var subscription = broadcaster.subscribe(to: topics, subscriberID: subscriberID, lastEventID: cursor)
            if let (accessControl, principal) = guarding {
                subscription = accessControl.guarding(subscription, for: principal)
            }
            let prefix = streamPrefix(for: subscription, lastEventID: cursor)
            return try SSEStream(body: .subscription(subscription).startingWith(prefix), configuration: stream)
                .response(from: request, context: context)
        }
        let wait = { await respond(topics: topics, subscriberID: subscriberID, lastEventID: cursor) }
        let answer =
            if let metrics = stream.metrics?.streams(route: context.endpointPath) {
                await metrics.longPoll(wait) { (Int($0.status.code), $0.eventCount) }
            } else {
                await wait()
            }
        return Hummingbird.Response(
            status: answer.status,
            headers: answer.headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body))
        )
    }
}
#endif
