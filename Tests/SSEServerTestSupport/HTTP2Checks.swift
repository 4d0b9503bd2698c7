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

#if TLSSupport
import SSECodec
public import SSEStreaming
public import SSETestSupport

/// What every server promises over HTTP/2, checked with curl: the protocol negotiated by ALPN,
/// the SSE head without a connection-specific field (RFC 9113 §8.2.2), and each event received
/// before the next is published.
public enum HTTP2Checks {
    /// The fields HTTP/2 forbids, in a response head as curl prints it.
    public static func connectionSpecificFields(in head: String) -> [String] {
        head.lowercased().split(separator: "\r\n").map(String.init).filter { line in
            ["connection:", "keep-alive:", "transfer-encoding:", "upgrade:", "proxy-connection:"].contains {
                line.hasPrefix($0)
            }
        }
    }

    /// Streams `url` (https, a stream of `broadcaster`'s `news` topic) with `curl --http2`, trusting
    /// `certificates`: three events each arrive before the next is published, then a final one
    /// ends the stream. Returns the response head as curl printed it; fails the test on the way.
    public static func streamsOverHTTP2(
        _ url: String,
        broadcaster: SSEBroadcaster,
        certificates: TestCertificates
    ) async throws -> String {
        let curl = try Child(["curl", "-sN", "--http2", "--cacert", certificates.authority, "-D", "-", url])
        let output = try await threeEventsThenBye(broadcaster, to: curl)
        try check(output.hasSuffix("event: bye\ndata: done\n\n"), "the stream's end: \(output.suffix(200))")
        return String(output.split(separator: "\r\n\r\n").first ?? "")
    }

    /// The stream of `broadcaster` at `https://127.0.0.1:port/events`, read with curl over HTTP/2
    /// (see ``streamsOverHTTP2(_:broadcaster:certificates:)``): an HTTP/2 `200` with the SSE
    /// content type and no connection-specific field. Throws a ``ScenarioFailure`` saying what
    /// did not hold.
    public static func checkStream(port: Int, broadcaster: SSEBroadcaster, certificates: TestCertificates) async throws
    {
        let head = try await streamsOverHTTP2(
            "https://127.0.0.1:\(port)/events",
            broadcaster: broadcaster,
            certificates: certificates
        )
        try check(head.hasPrefix("HTTP/2 200"), "the head: \(head)")
        try check(head.lowercased().contains("content-type: text/event-stream"), "the head: \(head)")
        try check(connectionSpecificFields(in: head) == [], "the head: \(head)")
    }

    /// Publishes three events to `news`, each read by `client` (curl, nghttp) before the next, then
    /// ends the stream with a final event (`bye`); all the client printed.
    public static func threeEventsThenBye(_ broadcaster: SSEBroadcaster, to client: Child) async throws -> String {
        try check(await eventually { broadcaster.subscriberCount == 1 })
        var output = ""
        for index in 1...3 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
            try check(try await client.receive("data: event \(index)\nid: \(index)\n\n", into: &output))
        }
        try broadcaster.shutDown(finalEvent: ServerSentEvent(type: "bye", data: "done"))
        output += try await blocking { client.readToEnd() }
        try check(output.contains("event: bye\ndata: done\n\n"), "the final event: \(output.suffix(200))")
        return output
    }
}
#endif
