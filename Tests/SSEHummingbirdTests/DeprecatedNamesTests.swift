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
import Hummingbird
import HummingbirdCore
import Logging
import SSEHummingbird
import SSENIO
import SSEServerTestSupport
import Testing

/// Names deprecated for one release still compile (with a deprecation warning) and still work.
@Suite("Hummingbird adapter: deprecated names")
struct DeprecatedNamesTests {
    @available(*, deprecated, message: "exercises request.lastEventID() and SSECORSMiddleware")
    @Test("request.lastEventID() and SSECORSMiddleware")
    func lastEventIDAndCORSMiddleware() async throws {
        let router = Router()
        router.add(middleware: SSECORSMiddleware(try SSECORS(allowedOrigins: [DeprecatedNames.origin])))
        router.get("/id") { request, _ in
            try request.lastEventID() ?? "none"
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "DeprecatedNamesTests")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
            logger: logger
        )
        let running = Task { try await app.run() }
        var announced = ports.makeAsyncIterator()
        let port = try #require(await announced.next())
        try await DeprecatedNames.checkAnswer(port: port)
        running.cancel()
        _ = await running.result
    }
}
#endif
