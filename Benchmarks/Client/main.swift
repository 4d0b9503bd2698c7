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

// Client-side benchmarks of SSEClient, over loopback from the embedded server.
//
//     sse-client-bench serve PORT
//         The embedded server: `GET /firehose?mib=M&size=B` streams M MiB of events of B bytes of
//         data, in 64 KiB writes, then ends; `GET /idle` opens a stream that stays quiet.
//     sse-client-bench throughput PORT [MiB] [SIZE]
//         One connection: decodes the firehose with SSEClient and, as a baseline, with
//         AsyncHTTPClient + `serverSentEvents()` alone; prints events/s and MB/s, one JSON line each.
//     sse-client-bench stages PORT [MiB] [SIZE] [decoder|body|body+decoder|SSEClient]
//         Where one connection's time goes: the codec's decoder alone (the same bytes from
//         memory), AsyncHTTPClient's body alone, the body decoded by
//         `SSEDecoder` in the reading task, and SSEClient read in a task; run one stage under
//         `time` to see the process's CPU per event.
//     sse-client-bench memory PORT [CLIENTS] [SSEClient|SSEClient-identity|SSEClient-no-idle-timeout|AsyncHTTPClient]
//         Opens CLIENTS sessions on /idle, waits until all are open, and prints the growth of the
//         process's resident memory per client. `AsyncHTTPClient` is the baseline: bare streams
//         on the same HTTP client. Run each variant in a process of its own.
import AsyncHTTPClient
import Foundation
import NIOCore
import SSEClient
import SSECodec
import SSENIO
import SSEStreaming

let arguments = CommandLine.arguments
guard arguments.count >= 3, let port = Int(arguments[2]) else {
    print("usage: sse-client-bench serve|throughput|memory PORT [...]")
    exit(2)
}

/// Blocks of encoded events, `count` times: the same 64 KiB, so the server costs next to nothing.
struct Firehose: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let block: [UInt8]
    let count: Int

    init(mebibytes: Int, size: Int) {
        let event = Array("data: \(String(repeating: "x", count: size))\n\n".utf8)
        var block: [UInt8] = []
        while block.count + event.count <= 65_536 {
            block += event
        }
        self.block = block
        count = mebibytes * 1_048_576 / block.count
    }

    var eventsPerBlock: Int { block.count / (block.firstIndex(of: UInt8(ascii: "\n"))! + 2) }

    struct AsyncIterator: AsyncIteratorProtocol {
        let block: [UInt8]
        var remaining: Int
        mutating func next() async -> [UInt8]? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            return block
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(block: block, remaining: count) }
}

/// Reads one SSEClient session until `expected` events, on the caller's actor.
func countEvents(url: String, expected: Int, isolation: isolated (any Actor)? = #isolation) async throws -> Int {
    var configuration = SSEClient.Configuration()
    configuration.acceptsGzip = false
    var count = 0
    for try await _ in SSEClient(url: url, configuration: configuration).events {
        count += 1
        if count == expected { break }
    }
    return count
}

func residentKiB() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.split(separator: " ")[1]) ?? 0
}

func report(_ fields: [(String, String)]) {
    // Unbuffered: a line per result, even if a later run fails.
    let line = "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}\n"
    FileHandle.standardOutput.write(Data(line.utf8))
}

/// The firehose request of the `throughput` and `stages` modes (MiB and SIZE from the arguments),
/// the events it carries, its bytes, and its blocks (for the in-memory `decoder` stage).
func firehoseRequest() -> (url: String, events: Int, bytes: Double, firehose: Firehose) {
    let mebibytes = arguments.count > 3 ? Int(arguments[3])! : 256
    let size = arguments.count > 4 ? Int(arguments[4])! : 64
    let firehose = Firehose(mebibytes: mebibytes, size: size)
    return (
        "http://127.0.0.1:\(port)/firehose?mib=\(mebibytes)&size=\(size)",
        firehose.count * firehose.eventsPerBlock,
        Double(firehose.count * firehose.block.count),
        firehose
    )
}

/// One result line of a throughput run: events/s and MB/s since `start`.
func reportRate(
    _ label: (key: String, value: String),
    run: Int,
    events: Int,
    bytes: Double,
    since start: ContinuousClock.Instant
) {
    let seconds = (ContinuousClock.now - start).seconds
    report([
        (label.key, "\"\(label.value)\""), ("run", "\(run)"), ("events", "\(events)"),
        ("eventsPerSecond", String(format: "%.0f", Double(events) / seconds)),
        ("megabytesPerSecond", String(format: "%.1f", bytes / seconds / 1e6)),
    ])
}

/// The codec's decoder alone: the firehose's blocks decoded from memory, no socket. Returns how
/// many events it decoded.
func decodeInMemory(_ firehose: Firehose) throws -> Int {
    var decoder = SSEDecoder()
    var count = 0
    try firehose.block.withUnsafeBytes { bytes in
        for _ in 0..<firehose.count {
            try decoder.decode(bytes) { output in
                if case .event = output { count += 1 }
            }
        }
    }
    return count
}

let mode = arguments[1]
switch mode {
case "serve":
    var router = SSERouter()
    router.get("/firehose") { request in
        .stream(
            Firehose(
                mebibytes: request.query["mib"].flatMap { Int($0) } ?? 256,
                size: request.query["size"].flatMap { Int($0) } ?? 64
            )
        )
    }
    router.get("/idle") { _ in .events(AsyncStream<ServerSentEvent> { _ in }) }
    var configuration = SSEServer.Configuration(host: "127.0.0.1", port: port)
    configuration.stream.heartbeat = nil
    // Identity only: clients that ask for gzip (Go's transport always does) would otherwise
    // measure the server's zlib, not themselves.
    configuration.stream.gzip = nil
    let server = SSEServer(
        configuration: configuration,
        router: router,
        onServerRunning: { port in
            print("listening on \(port)")
        }
    )
    try await server.run()

case "throughput":
    let (url, expected, bytes, _) = firehoseRequest()
    for run in 1...3 {
        // SSEClient: one session, stopped at the last event (a GET would reconnect after the end),
        // read on the main actor (as an app's UI code does), then in a task of its own.
        for (label, detached) in [("SSEClient (main actor)", false), ("SSEClient (task)", true)] {
            let start = ContinuousClock.now
            let count =
                detached
                ? try await Task.detached { try await countEvents(url: url, expected: expected) }.value
                : try await countEvents(url: url, expected: expected)
            reportRate(("client", label), run: run, events: count, bytes: bytes, since: start)
        }

        // Baseline: the same bytes through AsyncHTTPClient and the bare decoding sequence.
        let baselineStart = ContinuousClock.now
        let response = try await SSEAsyncHTTPClientTransport.shared.client.execute(
            HTTPClientRequest(url: url),
            deadline: .distantFuture
        )
        var baseline = 0
        for try await _ in response.body.map({ $0.readableBytesView }).serverSentEvents() {
            baseline += 1
        }
        reportRate(
            ("client", "AsyncHTTPClient + serverSentEvents() (main actor)"),
            run: run,
            events: baseline,
            bytes: bytes,
            since: baselineStart
        )
    }

case "stages":
    // Where one connection's time goes: AsyncHTTPClient's body alone (bytes counted), then with
    // the codec's decoder in the reading task, then SSEClient (task), one line each; or only the
    // stage named after SIZE (`stages PORT MiB SIZE SSEClient`).
    let (url, expected, bytes, firehose) = firehoseRequest()
    for run in 1...3 {
        for stage in ["decoder", "body", "body+decoder", "SSEClient"]
        where arguments.count <= 5 || arguments[5] == stage {
            let start = ContinuousClock.now
            let count: Int = try await Task.detached {
                if stage == "SSEClient" {
                    return try await countEvents(url: url, expected: expected)
                }
                if stage == "decoder" {
                    return try decodeInMemory(firehose)
                }
                let response = try await SSEAsyncHTTPClientTransport.shared.client.execute(
                    HTTPClientRequest(url: url),
                    deadline: .distantFuture
                )
                var decoder = SSEDecoder()
                var count = 0
                var chunks = 0
                for try await chunk in response.body {
                    chunks += 1
                    if stage == "body" {
                        count += chunk.readableBytes
                    } else {
                        try chunk.withUnsafeReadableBytes { bytes in
                            try decoder.decode(bytes) { output in
                                if case .event = output { count += 1 }
                            }
                        }
                    }
                }
                FileHandle.standardError.write(Data("\(stage): \(chunks) chunks\n".utf8))
                return stage == "body" ? expected : count
            }.value
            reportRate(("stage", stage), run: run, events: count, bytes: bytes, since: start)
        }
    }

case "memory":
    let clients = arguments.count > 3 ? Int(arguments[3])! : 1000
    let variant = arguments.count > 4 ? arguments[4] : "SSEClient"
    let url = "http://127.0.0.1:\(port)/idle"
    var configuration = SSEClient.Configuration()
    if variant == "SSEClient-no-idle-timeout" {
        configuration.idleTimeout = nil
    }
    if variant == "SSEClient-identity" {
        configuration.acceptsGzip = false
    }
    // Warm up the shared HTTP client, its event loops and the allocator.
    for try await update in SSEClient(url: url, configuration: configuration).updates {
        if case .state(.open) = update { break }
    }
    try await Task.sleep(for: .milliseconds(500))
    let before = residentKiB()
    let opened = AsyncStream<Void>.makeStream()
    var tasks: [Task<Void, any Error>] = []
    for _ in 0..<clients {
        tasks.append(
            Task {
                if variant == "AsyncHTTPClient" {
                    // Baseline: a bare AsyncHTTPClient stream, read by a task, on the same client.
                    let response = try await SSEAsyncHTTPClientTransport.shared.client.execute(
                        HTTPClientRequest(url: url),
                        deadline: .distantFuture
                    )
                    opened.continuation.yield()
                    for try await _ in response.body {}
                } else {
                    for try await update in SSEClient(url: url, configuration: configuration).updates {
                        if case .state(.open) = update { opened.continuation.yield() }
                    }
                }
            }
        )
    }
    var open = 0
    for await _ in opened.stream {
        open += 1
        if open == clients { break }
    }
    try await Task.sleep(for: .seconds(1))
    let after = residentKiB()
    report([
        ("client", "\"\(variant)\""), ("clients", "\(clients)"), ("rssBeforeKiB", "\(before)"),
        ("rssAfterKiB", "\(after)"), ("kibPerClient", String(format: "%.1f", Double(after - before) / Double(clients))),
    ])
    for task in tasks { task.cancel() }
    for task in tasks { _ = await task.result }

default:
    print("unknown mode \(mode)")
    exit(2)
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
