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

extension SSELongPoll {
    /// One long poll's answer, for a server adapter to send as it is.
    public struct Response: Sendable {
        /// `200`, or `503` when too many requests were waiting.
        public var status: HTTPResponse.Status

        /// The response header fields: `Content-Type`, `Cache-Control`, `Content-Length`, and
        /// `Retry-After` on a `503`.
        public var headers: HTTPFields

        /// The body: `text/event-stream` framing.
        public var body: [UInt8]

        /// How many events the body holds (not counting comments or the cursor block).
        public var eventCount: Int

        static func busy(retryAfter: Duration) -> Self {
            let seconds = max(1, Int(retryAfter.components.seconds))
            let body = Array("Too many waiting requests; retry later.\n".utf8)
            return Response(
                status: .serviceUnavailable,
                headers: [
                    .contentType: "text/plain; charset=utf-8",
                    .cacheControl: "no-store",
                    .contentLength: String(body.count),
                    .retryAfter: String(seconds),
                ],
                body: body,
                eventCount: 0
            )
        }
    }
}
