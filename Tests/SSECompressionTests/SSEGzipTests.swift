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

import Foundation
import SSECodec
import SSECompression
import SSETestSupport
import Testing

@Suite("gzip with a flush per event", .requires(.python3))
struct SSEGzipTests {
    static let events: [[UInt8]] = (0..<200).map { index in
        try! SSEEncoder().encode(
            ServerSentEvent(
                type: index.isMultiple(of: 10) ? "progress" : "chunk",
                data: #"{"choices":[{"delta":{"content":"token \#(index) ✓"}}]}"#,
                id: String(index)
            )
        )
    }

    @Test("Each event decodes as soon as its compressed bytes arrive")
    func eachEventDecodesAlone() throws {
        var encoder = try SSEGzipEncoder()
        var decoder = try SSEGzipDecoder()
        for event in Self.events {
            var compressed: [UInt8] = []
            try encoder.compressAndFlush(event, into: &compressed)
            var decoded: [UInt8] = []
            try decoder.decompress(compressed) { decoded.append(contentsOf: $0) }
            #expect(decoded == event)
        }
        var trailer: [UInt8] = []
        try encoder.finish(into: &trailer)
        var rest: [UInt8] = []
        try decoder.decompress(trailer) { rest.append(contentsOf: $0) }
        #expect(rest.isEmpty)
        try decoder.finish()
    }

    @Test("Python's zlib decodes each event while the stream is still open", .timeLimit(.minutes(1)))
    func independentDecoderWhileOpen() throws {
        // Prints what it could decode of each read at once; at the end, whether the stream ended.
        let script = """
            import os, sys, zlib
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            while True:
                chunk = os.read(0, 65536)
                if not chunk:
                    break
                sys.stdout.buffer.write(d.decompress(chunk))
                sys.stdout.buffer.flush()
            sys.stdout.buffer.write(b"\\nEOF:" + (b"ok" if d.eof else b"truncated"))
            sys.stdout.buffer.flush()
            """
        let python = try ChildProcess(["python3", "-u", "-c", script])
        var encoder = try SSEGzipEncoder()
        for event in Self.events {
            var compressed: [UInt8] = []
            try encoder.compressAndFlush(event, into: &compressed)
            try python.write(compressed)
            #expect(try python.read(count: event.count) == event, "the event must be readable before the next is sent")
        }
        var trailer: [UInt8] = []
        try encoder.finish(into: &trailer)
        try python.write(trailer)
        python.closeInput()
        #expect(String(decoding: try python.readToEnd(), as: UTF8.self) == "\nEOF:ok")
    }

    @Test("gunzip decodes the whole stream")
    func gunzipDecodesTheStream() throws {
        var encoder = try SSEGzipEncoder(configuration: .init(level: 9, windowBits: 10, memoryLevel: 4))
        var compressed: [UInt8] = []
        for event in Self.events {
            try encoder.compressAndFlush(event, into: &compressed)
        }
        try encoder.finish(into: &compressed)
        let gunzip = try ChildProcess(["gunzip", "-c"])
        try gunzip.write(compressed)
        gunzip.closeInput()
        #expect(try gunzip.readToEnd() == Self.events.flatMap { $0 })
    }

    @Test("Data compressed by Python decodes, in reads of any size, and several members in a row")
    func decodesAnIndependentEncoder() throws {
        let script = """
            import sys, gzip
            sys.stdout.buffer.write(gzip.compress(b"data: one\\n\\n") + gzip.compress(b"data: two\\n\\n" * 1000))
            """
        let python = try ChildProcess(["python3", "-c", script])
        python.closeInput()
        let compressed = try python.readToEnd()
        for size in [1, 7, 4096] {
            var decoder = try SSEGzipDecoder()
            var decoded: [UInt8] = []
            var start = 0
            while start < compressed.count {
                let end = min(start + size, compressed.count)
                try decoder.decompress(compressed[start..<end]) { decoded.append(contentsOf: $0) }
                start = end
            }
            try decoder.finish()
            #expect(
                decoded == Array("data: one\n\n".utf8) + Array(String(repeating: "data: two\n\n", count: 1000).utf8)
            )
        }
    }

    @Test("Corrupt data throws corruptData; a cut-off stream throws truncatedStream")
    func badInput() throws {
        var encoder = try SSEGzipEncoder()
        var compressed: [UInt8] = []
        for event in Self.events.prefix(20) {
            try encoder.compressAndFlush(event, into: &compressed)
        }
        try encoder.finish(into: &compressed)

        var corrupt = compressed
        corrupt[corrupt.count / 2] ^= 0xFF
        corrupt[corrupt.count / 2 + 1] ^= 0x55
        var decoder = try SSEGzipDecoder()
        #expect(throws: SSECompressionError.corruptData) {
            try decoder.decompress(corrupt) { _ in }
            try decoder.finish()
        }

        var notGzip = try SSEGzipDecoder()
        #expect(throws: SSECompressionError.corruptData) {
            try notGzip.decompress(Array("data: plain text\n\n".utf8)) { _ in }
        }

        var truncated = try SSEGzipDecoder()
        var decoded: [UInt8] = []
        try truncated.decompress(compressed.dropLast(5)) { decoded.append(contentsOf: $0) }
        #expect(decoded == Self.events.prefix(20).flatMap { $0 }, "what arrived is still delivered")
        #expect(throws: SSECompressionError.truncatedStream) {
            try truncated.finish()
        }
    }

    @Test("Large output comes in bounded pieces")
    func boundedOutputPieces() throws {
        var encoder = try SSEGzipEncoder()
        var compressed: [UInt8] = []
        try encoder.compressAndFlush([UInt8](repeating: UInt8(ascii: "x"), count: 10_000_000), into: &compressed)
        #expect(compressed.count < 100_000)
        var decoder = try SSEGzipDecoder()
        var largest = 0
        var total = 0
        try decoder.decompress(compressed) { piece in
            largest = max(largest, piece.count)
            total += piece.count
        }
        #expect(total == 10_000_000)
        #expect(largest <= 16 * 1024)
    }
}

/// A child process with its standard input and output on pipes.
final class ChildProcess {
    private let process = TestProcess()
    private let input = Pipe()
    private let output = Pipe()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    func write(_ bytes: [UInt8]) throws {
        try input.fileHandleForWriting.write(contentsOf: Data(bytes))
    }

    func closeInput() {
        try? input.fileHandleForWriting.close()
    }

    /// Reads exactly `count` bytes, or fewer if the output ends.
    func read(count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count {
            guard let data = try output.fileHandleForReading.read(upToCount: count - bytes.count), !data.isEmpty else {
                break
            }
            bytes += data
        }
        return bytes
    }

    func readToEnd() throws -> [UInt8] {
        let bytes = try output.fileHandleForReading.readToEnd().map { [UInt8]($0) } ?? []
        process.waitUntilExit()
        return bytes
    }

    deinit {
        if process.isRunning {
            process.terminate()
        }
    }
}
