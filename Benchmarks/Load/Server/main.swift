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

// The embedded server (SSENIO) under load: `GET /events` subscribes to the broadcaster's topic;
// `POST /broadcast?count=M&size=B` starts a burst (see LoadBroadcast).
import LoadShared
import Prometheus
import SSENIO

#if canImport(Glibc)
import Glibc
#endif

var router = SSERouter()
router.get("/events") { request in
    .stream(LoadBroadcast.subscribe(lastEventID: request.lastEventID))
}
// `source`: how the stream is written (see LoadBroadcast): `isolated` (the default), `plain`
// (an iterator with only `next()`), `stream` (an AsyncStream), `map` (a map over `plain`).
router.get("/own") { request in
    let count = request.query["count"].flatMap { Int($0) }
    let size = request.query["size"].flatMap { Int($0) }
    switch request.query["source"] {
    case "plain": return .events(LoadBroadcast.plainOwnEvents(count: count, size: size))
    case "stream": return .events(LoadBroadcast.ownEventStream(count: count, size: size))
    case "map": return .events(LoadBroadcast.plainOwnEvents(count: count, size: size).map { $0 })
    default: return .events(LoadBroadcast.ownEvents(count: count, size: size))
    }
}
router.post("/broadcast") { request in
    .text(
        LoadBroadcast.startBurst(
            count: request.query["count"].flatMap { Int($0) },
            size: request.query["size"].flatMap { Int($0) },
            after: request.query["after"].flatMap { Int($0) },
            end: request.query["end"] == "1"
        ),
        status: 202
    )
}

// With SSE_TLS_CERT and SSE_TLS_KEY set: TLS, with HTTP/2 offered by ALPN.
var configuration = SSEServer.Configuration(host: "127.0.0.1", port: LoadBroadcast.port)
// `SSE_METRICS=prometheus`: every stream counted and timed into a Prometheus registry, as a
// deployment would, scraped at `/metrics` (the metrics' cost per delivery, `run.sh --metrics`).
if getenv("SSE_METRICS").map({ String(cString: $0) }) == "prometheus" {
    let registry = PrometheusCollectorRegistry()
    configuration.metrics = SSEMetrics(factory: PrometheusMetricsFactory(registry: registry))
    router.get("/metrics") { _ in .text(registry.emitToString()) }
}
if let certificate = getenv("SSE_TLS_CERT").map({ String(cString: $0) }),
    let key = getenv("SSE_TLS_KEY").map({ String(cString: $0) })
{
    configuration.tls = .files(certificateChain: certificate, privateKey: key)
}
let server = SSEServer(
    configuration: configuration,
    router: router,
    onServerRunning: { port in LoadBroadcast.announce(port: port, server: "sse-load-server") }
)
try await server.run()
