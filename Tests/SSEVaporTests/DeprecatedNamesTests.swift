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
import SSENIO
import SSEServerTestSupport
import SSEVapor
import Testing
import Vapor

/// Names deprecated for one release still compile (with a deprecation warning) and still work.
@Suite("Vapor adapter: deprecated names")
struct DeprecatedNamesTests {
    @available(*, deprecated, message: "exercises request.lastEventID() and SSECORSMiddleware")
    @Test("request.lastEventID() and SSECORSMiddleware")
    func lastEventIDAndCORSMiddleware() async throws {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .critical
        app.middleware.use(SSECORSMiddleware(try SSECORS(allowedOrigins: [DeprecatedNames.origin])))
        app.get("id") { request in
            try request.lastEventID() ?? "none"
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = try #require(app.http.server.shared.localAddress?.port)
        try await DeprecatedNames.checkAnswer(port: port)
        await app.server.shutdown()
        try await app.asyncShutdown()
    }
}
#endif
