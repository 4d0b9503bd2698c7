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
import SSENIO
import Testing

/// Names deprecated for one release still compile (with a deprecation warning) and still work.
@Suite("Embedded server: deprecated names")
struct DeprecatedNamesTests {
    @available(*, deprecated, message: "exercises run(onListening:)")
    @Test("run(onListening:) reports the port, as onServerRunning does")
    func runOnListening() async throws {
        var router = SSERouter()
        router.get("/") { _ in .text("hello") }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = SSEServer(configuration: .init(host: "127.0.0.1", port: 0), router: router)
        let running = Task { try await server.run { continuation.yield($0) } }
        var announced = ports.makeAsyncIterator()
        let port = try #require(await announced.next())
        #expect(port > 0)
        running.cancel()
        try await running.value
    }
}
#endif
