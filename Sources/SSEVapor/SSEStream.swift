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
import NIOConcurrencyHelpers
import NIOCore
import SSECodec
public import SSENIOCore
import HTTPTypes
import SSEStreaming
public import Vapor

/// An event stream as a Vapor response: return one from a route.
///
/// ```swift
/// app.http.server.configuration.supportPipelining = false  // see below
/// app.get("events") { request in
///     SSEStream(broadcaster.subscribe(to: ["news"], lastEventID: try request.sseLastEventID()))
/// }
/// ```
///
/// The response carries `Content-Type: text/event-stream; charset=utf-8`, `Cache-Control: no-cache`
/// and `X-Accel-Buffering: no`; every batch of waiting events is written and flushed at once, and
/// gzip-compressed with a sync flush when the request's `Accept-Encoding` allows it (see
/// `SSEStreamConfiguration`); Vapor's own response compression, which would hold events back,
/// is turned off for it.
///
/// ## Noticing a client that goes
///
/// Vapor tells a response nothing when its client disconnects, so the stream checks: while it is
/// quiet, it writes nothing (an empty write, no bytes on the wire) every
/// ``closeCheckInterval``, which fails once the connection is closed; the stream then ends (a
/// subscription is cancelled and released; any other sequence's task is cancelled). Vapor's
/// server only sees the client's close if it keeps reading during a response, which its HTTP
/// pipelining support prevents: set `app.http.server.configuration.supportPipelining = false`
/// (browsers do not pipeline). With pipelining on, a disconnect is noticed only when a write fails,
/// at the second heartbeat after it; the stream logs a warning once.
public struct SSEStream: SSEStreamResponse, AsyncResponseEncodable {
    /// The stream.
    public let body: SSEStreamBody

    /// Header fields, gzip, heartbeats.
    public var configuration: SSEStreamConfiguration

    /// Extra header fields for the response.
    public var headers: HTTPHeaders

    /// How often a quiet stream checks that its connection is still open. Defaults to 0.5 s. Each
    /// check is an empty write on the connection's event loop: 10,000 quiet streams cost about a
    /// third of a core at 0.5 s; a longer interval costs proportionally less and notices a client
    /// that goes that much later.
    public var closeCheckInterval: Duration

    /// A stream of any body: a subscription, events or encoded chunks.
    ///
    /// - Parameters:
    ///   - body: The stream.
    ///   - configuration: Header fields, gzip, heartbeats.
    public init(body: SSEStreamBody, configuration: SSEStreamConfiguration = SSEStreamConfiguration()) {
        self.body = body
        self.configuration = configuration
        headers = HTTPHeaders()
        closeCheckInterval = .milliseconds(500)
    }

    /// The pattern of the route that answers `request` (`/rooms/:room/events`), for the metrics'
    /// `route` dimension.
    static func routePattern(of request: Request) -> String? {
        request.route.map { "/" + $0.path.map(\.description).joined(separator: "/") }
    }

    public func encodeResponse(for request: Request) async throws -> Response {
        // A resume that the replay store could not look up: whether the client missed anything is
        // not known, so it is asked to try again rather than told that its history is lost.
        guard await body.replayStoreAnswered() else {
            body.end?()
            request.logger.warning("The replay store could not look for a resuming client: answered 503")
            let response = Response(
                status: .serviceUnavailable,
                body: .init(string: "The event history cannot be read now; retry later\n")
            )
            response.headers.replaceOrAdd(
                name: .retryAfter,
                value: "\(SSEReconnectionJitter.seconds(in: .seconds(1)...(.seconds(10))))"
            )
            return response
        }
        let (standardFields, gzip) = configuration.responseHeaders(
            acceptEncoding: request.headers.first(name: .acceptEncoding)
        )
        var fields = HTTPHeaders(standardFields)
        fields.add(contentsOf: HTTPHeaders(body.headerFields))
        fields.add(contentsOf: headers)
        // This stream compresses (or not) itself, flushing per batch; Vapor's compressor must not.
        fields.responseCompression = .disable
        if request.application.http.server.configuration.supportPipelining {
            Self.warnAboutPipelining(request.logger)
        }
        let body = self.body
        let heartbeat = configuration.heartbeat
        let metrics = configuration.metrics
        // The route's pattern (`/rooms/:room/events`), for the metrics' `route` dimension.
        let route = Self.routePattern(of: request)
        let tracing = configuration.tracing
        // The request's context: a tracing middleware's span, else the one its fields carry.
        let traceParent = tracing?.parent(of: HTTPFields(request.headers))
        let logger = request.logger
        let requestLine: Logger.Metadata = [
            "http.method": "\(request.method.rawValue)", "http.path": "\(request.url.path)",
        ]
        let interval = TimeAmount(closeCheckInterval)
        let allocator = request.byteBufferAllocator
        let responseBody = Response.Body(
            stream: { writer in
                // Vapor writes the response head without flushing it: an empty write flushes it
                // now, so the client sees the stream open before the first event.
                writer.write(.buffer(ByteBuffer()), promise: nil)
                // The stream runs in its own task; a timer on the connection's event loop checks
                // that the connection is open and ends the stream when it is not.
                let task = Task {
                    do {
                        try await body.write(
                            gzip: gzip,
                            heartbeat: heartbeat,
                            allocator: allocator,
                            metrics: metrics,
                            route: route,
                            tracing: tracing,
                            traceParent: traceParent,
                            eventLoop: writer.eventLoop
                        ) { buffer in
                            try await writer.write(.buffer(buffer)).get()
                        }
                        try await writer.write(.end).get()
                    } catch {
                        if let error = error as? SSEBroadcasterError {
                            // Cut for slowness: said once, with the request.
                            logger.notice("Closed an event stream: \(error)", metadata: requestLine)
                        }
                        try? await writer.write(.error(error)).get()
                    }
                }
                writer.eventLoop.execute {
                    Self.checkConnection(writer, every: interval, closed: body.end ?? { task.cancel() })
                }
            }
        )
        return Response(status: .ok, headers: fields, body: responseBody)
    }

    /// An empty write every `interval`: it fails once the connection is closed, and also once the
    /// stream has ended, which stops the checks.
    private static func checkConnection(
        _ writer: any BodyStreamWriter,
        every interval: TimeAmount,
        closed: @escaping @Sendable () -> Void
    ) {
        let empty = ByteBuffer()
        writer.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { repeated in
            let promise = writer.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenFailure { _ in
                repeated.cancel()
                closed()
            }
            writer.write(.buffer(empty), promise: promise)
        }
    }

    private static let warnedAboutPipelining = NIOLockedValueBox(false)

    private static func warnAboutPipelining(_ logger: Logger) {
        let first = warnedAboutPipelining.withLockedValue { warned in
            defer { warned = true }
            return !warned
        }
        if first {
            logger.warning(
                "SSEStream: HTTP pipelining support is on, so a client's disconnect is noticed only when a write fails; set app.http.server.configuration.supportPipelining = false"
            )
        }
    }
}

#endif
