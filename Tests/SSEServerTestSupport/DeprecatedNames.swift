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

import SSETestSupport

/// What both adapters' tests of their deprecated names check: a route `/id` that answers the
/// request's last event ID (read with the deprecated `request.lastEventID()`), behind the
/// deprecated `SSECORSMiddleware` allowing ``origin``.
public enum DeprecatedNames {
    /// The origin the middleware allows.
    public static let origin = "https://app.example"

    /// Asks `/id` with `Last-Event-ID: 7` from ``origin``: the answer is `7`, with the origin named.
    public static func checkAnswer(port: Int) async throws {
        let connection = try RawConnection(port: port)
        connection.send(
            "GET /id HTTP/1.1\r\nHost: localhost\r\nOrigin: \(origin)\r\nLast-Event-ID: 7\r\nConnection: close\r\n\r\n"
        )
        let response = try await blocking { connection.read(until: "\r\n\r\n7") }.lowercased()
        connection.close()
        try check(response.hasPrefix("http/1.1 200"))
        try check(response.contains("access-control-allow-origin: \(origin)\r\n"))
        try check(response.hasSuffix("\r\n\r\n7"))
    }
}
