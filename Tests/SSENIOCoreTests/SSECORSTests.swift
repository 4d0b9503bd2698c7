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
import HTTPTypes
import SSENIOCore
import Testing

@Suite("CORS policy")
struct SSECORSTests {
    @Test("Credentials for any origin are refused with a typed error; named origins may have them")
    func credentialsNeedNamedOrigins() throws {
        #expect(throws: SSECORSError.credentialsForAnyOrigin) {
            try SSECORS(allowedOrigins: nil, allowsCredentials: true)
        }
        #expect("\(SSECORSError.credentialsForAnyOrigin)".contains("named origins"))
        let named = try SSECORS(allowedOrigins: ["https://app.example"], allowsCredentials: true)
        let fields = named.headers(origin: "https://app.example").map { "\($0.name): \($0.value)" }
        #expect(
            fields == [
                "Access-Control-Allow-Origin: https://app.example", "Vary: Origin",
                "Access-Control-Expose-Headers: Retry-After, SSE-Newest-Event-ID, SSE-Replay-Unavailable",
                "Access-Control-Allow-Credentials: true",
            ]
        )
        #expect(named.headers(origin: "https://evil.example").isEmpty)
        #expect(
            SSECORS.anyOrigin.headers(origin: "https://any.example").map(\.value) == [
                "*", "Retry-After, SSE-Newest-Event-ID, SSE-Replay-Unavailable",
            ]
        )
    }

    @Test("A preflight allows the standard headers and the policy's own, such as Authorization")
    func allowedHeaders() throws {
        var cors = try SSECORS(allowedOrigins: ["https://app.example"])
        #expect(
            cors.preflightHeaders(origin: "https://app.example")[.accessControlAllowHeaders]
                == "Last-Event-ID, Cache-Control, Content-Type"
        )
        cors.allowedHeaders = ["Authorization", "X-Token"]
        #expect(
            cors.preflightHeaders(origin: "https://app.example")[.accessControlAllowHeaders]
                == "Last-Event-ID, Cache-Control, Content-Type, Authorization, X-Token"
        )
        #expect(cors.preflightHeaders(origin: "https://evil.example").isEmpty)
    }
}
#endif
