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
public import HTTPTypes
public import Hummingbird
import Logging
import SSECodec
public import SSENIOCore
import SSEStreaming

/// An event stream as a Hummingbird response: return one from a route.
///
/// ```swift
/// router.get("events") { request, _ in
///     SSEStream(broadcaster.subscribe(to: ["news"], lastEventID: try request.sseLastEventID()))
/// }
/// ```
///
/// The response carries `Content-Type: text/event-stream; charset=utf-8`, `Cache-Control: no-cache`
/// and `X-Accel-Buffering: no`; every batch of waiting events is written and flushed at once, and
/// gzip-compressed with a sync flush when the request's `Accept-Encoding` allows it (see
/// `SSEStreamConfiguration`). When the client disconnects, Hummingbird's inbound stream ends
/// and the stream ends with it at once, even while it is quiet: a subscription is cancelled and
/// released, any other sequence's task is cancelled.
public struct SSEStream: SSEStreamResponse, ResponseGenerator {
    /// The stream.
    public let body: SSEStreamBody

    /// Header fields, gzip, heartbeats.
    public var configuration: SSEStreamConfiguration

    /// Extra header fields for the response.
    public var headers: HTTPFields

    /// A stream of any body: a subscription, events or encoded chunks.
    ///
    /// - Parameters:
    ///   - body: The stream.
    ///   - configuration: Header fields, gzip, heartbeats.
    public init(body: SSEStreamBody, configuration: SSEStreamConfiguration = SSEStreamConfiguration()) {
        self.body = body
        self.configuration = configuration
        headers = HTTPFields()
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let (standardFields, gzip) = configuration.responseHeaders(acceptEncoding: request.headers[.acceptEncoding])
        var fields = standardFields
        fields.append(contentsOf: body.headerFields)
        fields.append(contentsOf: headers)
        guard request.method != .head else {
            return Response(status: .ok, headers: fields)
        }
        let body = self.body
        let heartbeat = configuration.heartbeat
        let metrics = configuration.metrics
        // The route's pattern (`/rooms/{room}/events`), for the metrics' `route` dimension.
        let route = context.endpointPath
        let tracing = configuration.tracing
        // The request's context: a tracing middleware's span, else the one its fields carry.
        let traceParent = tracing?.parent(of: request.headers)
        let logger = context.logger
        return Response(
            status: .ok,
            headers: fields,
            body: ResponseBody { writer in
                // Hummingbird reads the connection while the response is written; its inbound
                // stream ends when the client goes. A subscription is ended from that callback;
                // any other source needs its task cancelled, which Hummingbird's helper does.
                func stream() async throws {
                    try await body.write(
                        gzip: gzip,
                        heartbeat: heartbeat,
                        metrics: metrics,
                        route: route,
                        tracing: tracing,
                        traceParent: traceParent
                    ) {
                        try await writer.write($0)
                    }
                }
                do {
                    if let end = body.end {
                        try await request.body.consumeWithInboundCloseHandler { _ in
                            try await stream()
                        } onInboundClosed: {
                            end()
                        }
                    } else {
                        try await request.body.consumeWithCancellationOnInboundClose { _ in try await stream() }
                    }
                } catch is CancellationError {
                    return
                } catch let error as SSEBroadcasterError {
                    // Cut for slowness: said once, with the request, and the connection closes.
                    logger.notice(
                        "Closed an event stream: \(error)",
                        metadata: ["http.method": "\(request.method.rawValue)", "http.path": "\(request.uri.path)"]
                    )
                    throw error
                }
                try await writer.finish(nil)
            }
        )
    }
}

#endif
