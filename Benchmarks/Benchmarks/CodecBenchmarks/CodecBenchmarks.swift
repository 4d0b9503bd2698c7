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

import Benchmark
import OpenAPIRuntime
import SSECodec
import SSECompression
import SSEStreaming

/// Megabytes (10^6 bytes) decoded or encoded per second, measured around the work of one iteration.
private let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)

private func measureRate(_ benchmark: Benchmark, megabytes: Double, _ body: () throws -> Void) rethrows {
    let clock = ContinuousClock()
    let elapsed = try clock.measure(body)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    benchmark.measurement(megabytesPerSecond, Int(megabytes / seconds))
}

private func measureRate(_ benchmark: Benchmark, megabytes: Double, _ body: () async throws -> Void) async rethrows {
    let start = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    benchmark.measurement(megabytesPerSecond, Int(megabytes / seconds))
}

/// Feeds the chunks straight to the decoder through the pull API; returns the events and the bytes
/// of their data, which every benchmark reads so that no decoder can skip building it.
private func decodeEvents(_ bytes: [UInt8], _ chunks: [Range<Int>]) -> (events: Int, dataBytes: Int) {
    var decoder = SSEDecoder()
    var events = 0
    var dataBytes = 0
    bytes.withUnsafeBytes { buffer in
        for chunk in chunks {
            let slice = UnsafeRawBufferPointer(rebasing: buffer[chunk])
            var offset = 0
            while let output = try? decoder.next(from: slice, offset: &offset) {
                if case .event(let event) = output {
                    events += 1
                    dataBytes &+= event.data.utf8.count
                }
            }
        }
    }
    decoder.finish()
    return (events, dataBytes)
}

/// The same through the push API, `decode(_:_:)`: one call per chunk, a closure per output.
private func pushDecodeEvents(_ bytes: [UInt8], _ chunks: [Range<Int>]) -> (events: Int, dataBytes: Int) {
    var decoder = SSEDecoder()
    var events = 0
    var dataBytes = 0
    bytes.withUnsafeBytes { buffer in
        for chunk in chunks {
            try? decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[chunk])) { output in
                if case .event(let event) = output {
                    events += 1
                    dataBytes &+= event.data.utf8.count
                }
            }
        }
    }
    decoder.finish()
    return (events, dataBytes)
}

// Names without spaces: benchmark 1.38.1 writes threshold files with "_" for " " but looks them
// up by the name as given.
let benchmarks: @Sendable () -> Void = {
    // No peak-memory metric: it measures the corpora (about 1 GB, loaded once), not the codec.
    let metrics: [BenchmarkMetric] = [.wallClock, .mallocCountTotal, megabytesPerSecond]
    // Wall-clock varies with the machine; allocations must not grow at all.
    let thresholds: [BenchmarkMetric: BenchmarkThresholds] = [
        .wallClock: .init(relative: [.p50: 20.0]),
        .mallocCountTotal: .init(relative: [.p50: 1.0], absolute: [.p50: 50]),
        megabytesPerSecond: .init(relative: [.p50: 20.0]),
    ]
    Benchmark.defaultConfiguration = .init(
        metrics: metrics,
        warmupIterations: 1,
        maxDuration: .seconds(3),
        maxIterations: 20,
        thresholds: thresholds
    )
    let baseline = Benchmark.Configuration(
        metrics: metrics,
        warmupIterations: 0,
        maxDuration: .seconds(3),
        maxIterations: 2,
        thresholds: thresholds
    )

    for corpus in Corpus.all {
        for (chunking, chunks) in [("4KiB", corpus.pageChunks), ("1-64B", corpus.smallChunks)] {
            Benchmark("Decoder_\(corpus.name)_\(chunking)") { benchmark in
                measureRate(benchmark, megabytes: corpus.megabytes) {
                    let decoded = decodeEvents(corpus.bytes, chunks)
                    precondition(decoded.events == corpus.events)
                    blackHole(decoded.dataBytes)
                }
            }
            Benchmark("PushDecoder_\(corpus.name)_\(chunking)") { benchmark in
                measureRate(benchmark, megabytes: corpus.megabytes) {
                    let decoded = pushDecodeEvents(corpus.bytes, chunks)
                    precondition(decoded.events == corpus.events)
                    blackHole(decoded.dataBytes)
                }
            }
            let slices = corpus.slices(chunks)
            // The same async input for both: SSEStreaming's sequence against openapi-runtime's.
            Benchmark("Streaming_\(corpus.name)_\(chunking)") { benchmark in
                try await measureRate(benchmark, megabytes: corpus.megabytes) {
                    var events = 0
                    var dataBytes = 0
                    for try await event in AsyncArray(elements: slices).serverSentEvents() {
                        events += 1
                        dataBytes &+= event.data.utf8.count
                    }
                    precondition(events == corpus.events)
                    blackHole(dataBytes)
                }
            }
            Benchmark("openapi-runtime_\(corpus.name)_\(chunking)", configuration: baseline) { benchmark in
                try await measureRate(benchmark, megabytes: corpus.megabytes) {
                    var events = 0
                    var dataBytes = 0
                    for try await event in AsyncArray(elements: slices).asDecodedServerSentEvents() {
                        events += 1
                        dataBytes &+= event.data?.utf8.count ?? 0
                    }
                    precondition(events == corpus.events)
                    blackHole(dataBytes)
                }
            }
        }
    }

    // Linear time: MB/s of one-byte reads is the same for a 256 KiB and a 1 MiB event (no rescans of
    // consumed bytes), and a whole event is limited only by scanning and copying.
    for (label, size, readSize) in [
        ("1MiB_event_whole", 1 << 20, 1 << 21), ("1MiB_event_1B_reads", 1 << 20, 1),
        ("256KiB_event_1B_reads", 1 << 18, 1),
    ] {
        let bigEvent = Array("data: ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: size) + Array("\n\n".utf8)
        Benchmark("Decoder_\(label)") { benchmark in
            measureRate(benchmark, megabytes: Double(bigEvent.count) / 1_000_000) {
                var decoder = SSEDecoder()
                var events = 0
                bigEvent.withUnsafeBytes { buffer in
                    var start = 0
                    while start < buffer.count {
                        let chunk = UnsafeRawBufferPointer(
                            rebasing: buffer[start..<min(start + readSize, buffer.count)]
                        )
                        start += readSize
                        var offset = 0
                        while let output = try? decoder.next(from: chunk, offset: &offset) {
                            events += 1
                            blackHole(output)
                        }
                    }
                }
                precondition(events == 1)
            }
        }
    }

    // The encoding sequence: 100,000 token events from an async source to chunks, without and
    // with a heartbeat (which races each event against the heartbeat deadline).
    let streamedEvents: [SSECodec.ServerSentEvent] = (0..<100_000).map { index in
        SSECodec.ServerSentEvent(data: #"{"choices":[{"delta":{"content":"word \#(index % 10)"}}]}"#)
    }
    for (label, heartbeat) in [("noHeartbeat", nil), ("heartbeat", Duration.seconds(15))] as [(String, Duration?)] {
        Benchmark("EncodingSequence_tokens_\(label)") { benchmark in
            var bytes = 0
            for try await chunk in AsyncArray(elements: streamedEvents).encodedServerSentEvents(heartbeat: heartbeat) {
                bytes &+= chunk.count
            }
            blackHole(bytes)
        }
    }

    // gzip with a sync flush per event over the first 100,000 events of the token corpus, as a
    // server sends them: MB/s of input, and the compression ratio (input bytes per output byte).
    let compressionRatio = BenchmarkMetric.custom(
        "compression ratio (x100)",
        polarity: .prefersLarger,
        useScalingFactor: false
    )
    var gzipEvents: [ArraySlice<UInt8>] = []
    var eventStart = 0
    let tokenBytes = Corpus.tokens.bytes
    for index in 1..<tokenBytes.count where gzipEvents.count < 100_000 {
        if tokenBytes[index] == 0x0A && tokenBytes[index - 1] == 0x0A {
            gzipEvents.append(tokenBytes[eventStart...index])
            eventStart = index + 1
        }
    }
    let gzipEventBytes = gzipEvents.reduce(0) { $0 + $1.count }
    for (label, configuration) in [
        ("default", SSEGzipEncoder.Configuration()),
        ("window1KiB", SSEGzipEncoder.Configuration(windowBits: 10, memoryLevel: 4)),
    ] {
        Benchmark(
            "Gzip_tokens_flushPerEvent_\(label)",
            configuration: .init(metrics: [.wallClock, .mallocCountTotal, megabytesPerSecond, compressionRatio])
        ) { benchmark in
            var gzip = try SSEGzipEncoder(configuration: configuration)
            var compressed: [UInt8] = []
            compressed.reserveCapacity(gzipEventBytes)
            try measureRate(benchmark, megabytes: Double(gzipEventBytes) / 1_000_000) {
                for event in gzipEvents {
                    try gzip.compressAndFlush(event, into: &compressed)
                }
            }
            benchmark.measurement(compressionRatio, gzipEventBytes * 100 / compressed.count)
        }
    }

    // Encoder: the token corpus's events, re-encoded into one reused buffer.
    let tokenEvents: [SSECodec.ServerSentEvent] = (0..<1_000_000).map { index in
        SSECodec.ServerSentEvent(
            data: #"{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"word \#(index % 10)"}}]}"#
        )
    }
    let largeEvents: [SSECodec.ServerSentEvent] = (0..<10_000).map { _ in
        SSECodec.ServerSentEvent(
            data: Array(repeating: String(repeating: "abcdefghij", count: 50), count: 20).joined(separator: "\n")
        )
    }
    for (name, events) in [("tokens", tokenEvents), ("large", largeEvents)] {
        let encoder = SSEEncoder()
        var sizing: [UInt8] = []
        for event in events {
            try! encoder.encode(event, into: &sizing)
        }
        let megabytes = Double(sizing.count) / 1_000_000
        Benchmark("Encoder_\(name)") { benchmark in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(sizing.count)
            try measureRate(benchmark, megabytes: megabytes) {
                for event in events {
                    try encoder.encode(event, into: &buffer)
                }
            }
            precondition(buffer.count == sizing.count)
            blackHole(buffer)
        }
    }
}
