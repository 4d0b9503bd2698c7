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
public import SSECompression

/// How event streams are answered, by the embedded server and by every framework adapter
/// (`SSEHummingbird`, `SSEVapor`): header fields, heartbeats, gzip and the last event ID.
///
/// ```swift
/// var stream = SSEStreamConfiguration()
/// stream.heartbeat = .seconds(20)
/// stream.gzip = nil  // never compress
/// ```
public struct SSEStreamConfiguration: Sendable {
    /// The heartbeat interval for streams of events (``SSEStreamBody/events(_:)``): a comment line
    /// whenever no event went out for this long, so proxies and clients keep the connection.
    /// `nil` for none. Defaults to 15 seconds. Broadcaster subscriptions have their own.
    public var heartbeat: Duration?

    /// Whether event streams carry `X-Accel-Buffering: no`, which tells nginx not to buffer them.
    /// Defaults to `true`.
    public var disablesProxyBuffering: Bool

    /// The query parameter that may carry the last event ID when the `Last-Event-ID` header is
    /// absent (for polyfills that cannot set headers); `nil` for none. Defaults to `lastEventId`.
    public var lastEventIDQueryParameter: String?

    /// The longest last event ID accepted; a longer one is a `400 Bad Request`. Defaults to 1,024 bytes.
    public var maximumLastEventIDLength: Int

    /// zlib's parameters for gzip, used when a client's `Accept-Encoding` asks for it (with a sync
    /// flush after every batch of events, so nothing is held back); `nil` never compresses.
    /// Defaults to level 6 with a 4 KiB window (about 40 KB of zlib state per compressed stream).
    public var gzip: SSEGzipEncoder.Configuration?

    /// Where the streams' figures go (streams open, events and bytes written, subscribers cut
    /// for slowness, replay misses); `nil` (the default) reports none. See ``SSEMetrics``.
    public var metrics: SSEMetrics?

    /// Where the streams' spans go (a stream's life and each of its writes, linked to the
    /// publishes of their events); `nil` (the default) traces nothing. See ``SSETracing``.
    public var tracing: SSETracing?

    /// Creates the default configuration.
    public init() {
        heartbeat = .seconds(15)
        disablesProxyBuffering = true
        lastEventIDQueryParameter = "lastEventId"
        maximumLastEventIDLength = 1_024
        gzip = SSEGzipEncoder.Configuration(level: 6, windowBits: 12, memoryLevel: 5)
        metrics = nil
        tracing = nil
    }

    /// The header fields of an event stream response, and the gzip parameters when the client
    /// accepts gzip (`Content-Encoding: gzip` is then among the fields).
    ///
    /// The fields: `Content-Type: text/event-stream; charset=utf-8`, `Cache-Control: no-cache`,
    /// `X-Accel-Buffering: no` (unless ``disablesProxyBuffering`` is off), `Content-Encoding` when
    /// compressed, and `Vary: Accept-Encoding` whenever gzip is configured (so caches keep the two
    /// apart).
    ///
    /// - Parameter acceptEncoding: The request's `Accept-Encoding` value.
    public func responseHeaders(
        acceptEncoding: String?
    ) -> (fields: HTTPFields, gzip: SSEGzipEncoder.Configuration?) {
        let negotiated = gzip.flatMap { Self.acceptsGzip(acceptEncoding) ? $0 : nil }
        var fields: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8",
            .cacheControl: "no-cache",
        ]
        if disablesProxyBuffering {
            fields[.xAccelBuffering] = "no"
        }
        if negotiated != nil {
            fields[.contentEncoding] = "gzip"
        }
        if gzip != nil {
            fields[.vary] = "Accept-Encoding"
        }
        return (fields, negotiated)
    }

    /// The last event ID a request carries: its `Last-Event-ID` header, or else the
    /// ``lastEventIDQueryParameter``; `nil` when neither is given or it is empty.
    ///
    /// - Parameters:
    ///   - header: The `Last-Event-ID` header's value.
    ///   - query: Looks up a query parameter by name.
    /// - Throws: ``SSELastEventIDError`` when the ID is longer than ``maximumLastEventIDLength``
    ///   or contains NULL, CR or LF (which no event ID can); answer `400 Bad Request`.
    public func lastEventID(
        header: String?,
        query: (String) -> String?
    ) throws(SSELastEventIDError) -> String? {
        guard let id = header ?? lastEventIDQueryParameter.flatMap(query), !id.isEmpty else {
            return nil
        }
        if id.utf8.count > maximumLastEventIDLength {
            throw .tooLong(limit: maximumLastEventIDLength)
        }
        if id.utf8.contains(where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D }) {
            throw .invalidCharacter
        }
        return id
    }

    /// Whether an `Accept-Encoding` value accepts gzip: the weight of a `gzip` (or `x-gzip`) entry
    /// when there is one, else of `*`, is above zero
    /// ([RFC 9110 §12.5.3](https://www.rfc-editor.org/rfc/rfc9110#section-12.5.3)), so
    /// `*, gzip;q=0` refuses gzip.
    package static func acceptsGzip(_ acceptEncoding: String?) -> Bool {
        guard let acceptEncoding else {
            return false
        }
        var gzipWeight: Double?
        var anyWeight: Double?
        for item in acceptEncoding.split(separator: ",") {
            // Codings and weights have no inner whitespace: dropping all of it trims them.
            let parameters = item.split(separator: ";").map { $0.filter { $0 != " " && $0 != "\t" }.lowercased() }
            guard let coding = parameters.first else {
                continue
            }
            let weight = parameters.dropFirst().first { $0.hasPrefix("q=") }.map { Double($0.dropFirst(2)) ?? 0 } ?? 1
            switch coding {
            case "gzip", "x-gzip": gzipWeight = max(gzipWeight ?? 0, weight)
            case "*": anyWeight = max(anyWeight ?? 0, weight)
            default: continue
            }
        }
        return (gzipWeight ?? anyWeight ?? 0) > 0
    }
}

extension HTTPField.Name {
    /// `X-Accel-Buffering`: `no` tells nginx not to buffer a response.
    package static let xAccelBuffering = Self("X-Accel-Buffering")!
    /// `Last-Event-ID`: the last event ID a reconnecting client received.
    package static let lastEventID = Self("Last-Event-ID")!
    /// `SSE-Newest-Event-ID`: the newest event's ID when a stream began.
    package static let sseNewestEventID = Self("SSE-Newest-Event-ID")!
    /// `SSE-Replay-Unavailable`: why a resumed stream cannot replay what its client missed.
    package static let sseReplayUnavailable = Self("SSE-Replay-Unavailable")!
}

#endif
