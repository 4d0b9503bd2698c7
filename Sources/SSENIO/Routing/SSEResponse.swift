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
public import HTTPTypes
import NIOCore
public import SSENIOCore
public import SSECodec
public import SSEStreaming

/// What a route answers: an event stream, or a plain response.
///
/// ```swift
/// router.get("/events") { request in
///     .stream(broadcaster.subscribe(to: ["news"], lastEventID: request.lastEventID))
/// }
/// router.get("/") { _ in .html(page) }
/// router.post("/publish") { request in
///     broadcaster.publish(ServerSentEvent(data: request.bodyText), to: "news")
///     return .empty(.accepted)
/// }
/// ```
public struct SSEResponse: Sendable {
    enum Body: Sendable {
        /// Encoded chunks, one per event (a broadcaster subscription, an encoded sequence).
        case stream(SSEStreamBody)
        case complete(status: HTTPResponse.Status, contentType: String?, body: [UInt8])
        /// Answered from the request: `304 Not Modified`, gzip or the bytes as they are.
        case asset(SSEAsset)
    }

    let body: Body
    /// Extra header fields.
    public var headers: HTTPFields

    init(_ body: Body, headers: HTTPFields = [:]) {
        self.body = body
        self.headers = headers
    }

    /// An event stream from encoded chunks, one per event, such as an
    /// `SSEBroadcaster.Subscription`, written and flushed chunk by chunk.
    ///
    /// The server adds no heartbeats: a subscription has its own. For your own events, see
    /// ``events(_:)``.
    public static func stream<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks) -> Self
    where Chunks.Element == [UInt8] {
        Self(.stream(.chunks(chunks)))
    }

    /// An event stream from a broadcaster subscription. Events that are already waiting when the
    /// connection is ready go out together, with one write and one flush; none waits for another.
    public static func stream(_ subscription: SSEBroadcaster.Subscription) -> Self {
        Self(.stream(.subscription(subscription)))
    }

    /// An event stream from a stream body: a subscription, chunks or events, with a prefix of
    /// its own (see `SSEStreamBody.startingWith(_:)`).
    public static func stream(_ body: SSEStreamBody) -> Self {
        Self(.stream(body))
    }

    /// An event stream from events, encoded one chunk per event, with a heartbeat comment whenever
    /// they go quiet for the server's `SSEStreamConfiguration.heartbeat`.
    public static func events<Events: AsyncSequence & Sendable>(_ events: Events) -> Self
    where Events.Element == ServerSentEvent {
        Self(.stream(.events(events)))
    }

    /// A complete response.
    ///
    /// - Parameters:
    ///   - status: The status.
    ///   - contentType: The `Content-Type`.
    ///   - body: The body.
    public static func complete(status: HTTPResponse.Status = .ok, contentType: String, body: [UInt8]) -> Self {
        Self(.complete(status: status, contentType: contentType, body: body))
    }

    /// A response without a body, such as `.empty(.accepted)` after a publish; `204 No Content`
    /// unless given.
    public static func empty(_ status: HTTPResponse.Status = .noContent) -> Self {
        Self(.complete(status: status, contentType: nil, body: []))
    }

    /// An HTML page.
    public static func html(_ page: String) -> Self {
        complete(contentType: "text/html; charset=utf-8", body: Array(page.utf8))
    }

    /// A plain-text response, such as an error message.
    public static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Self {
        complete(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    /// A page, script, stylesheet or other file from memory, with its `ETag`: a request whose
    /// `If-None-Match` names it gets `304 Not Modified`, and one that accepts gzip gets the
    /// compressed bytes when they are smaller. See ``SSERouter/get(_:asset:)``.
    public static func asset(_ asset: SSEAsset) -> Self {
        Self(.asset(asset))
    }

    /// `404 Not Found`.
    public static var notFound: Self { text("Not found\n", status: .notFound) }

    /// `400 Bad Request`, with a message saying what is wrong.
    public static func badRequest(_ message: String) -> Self { text(message + "\n", status: .badRequest) }
}
#endif
