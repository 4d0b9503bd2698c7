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

// A server process for the tests that stop one with a signal: the embedded server in a
// ServiceGroup that shuts down gracefully on SIGINT and SIGTERM. It prints "listening PORT" once
// it listens; `/events` streams the "news" topic; `/publish?data=…` publishes to it. On shutdown
// every stream gets a final "bye" event before its end, and the process exits 0.

#if NIOSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import SSECodec
import SSENIO
import SSEStreaming
import ServiceLifecycle
import UnixSignals

let broadcaster = SSEBroadcaster()
var router = SSERouter()
router.get("/events") { request in
    .stream(broadcaster.subscribe(to: ["news"], lastEventID: request.lastEventID))
}
router.get("/publish") { request in
    try broadcaster.publish(ServerSentEvent(data: request.query["data"] ?? ""), to: "news")
    return .empty(.accepted)
}
router.get("/subscribers") { _ in .text("\(broadcaster.subscriberCount)\n") }

let logger = Logger(label: "sse-server-fixture")
/// Writes a line to stdout at once (no buffering: the test waits for it).
@Sendable func say(_ line: String) {
    var line = line + "\n"
    line.withUTF8 { bytes in _ = write(1, bytes.baseAddress, bytes.count) }
}

// The port goes to stdout once the server listens (the test reads it at once).
let server = SSEServer(configuration: .init(port: 0), router: router) {
    try? broadcaster.shutDown(finalEvent: ServerSentEvent(type: "bye", data: "the server is stopping"))
} onServerRunning: { port in
    say("listening \(port)")
}

let group = ServiceGroup(
    configuration: .init(
        services: [.init(service: server)],
        gracefulShutdownSignals: [.sigint, .sigterm],
        logger: logger
    )
)
try await group.run()
say("stopped")
#endif
