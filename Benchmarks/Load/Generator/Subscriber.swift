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

// The subscribers' side of the load generator: one SSE connection each, parsed as it arrives.
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

func wallClockNanoseconds() -> Int {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return time.tv_sec * 1_000_000_000 + time.tv_nsec
}

/// Resident memory of a process, in KiB, from /proc.
func residentKiB(_ pid: Int32) -> Int? {
    guard let file = fopen("/proc/\(pid)/status", "r") else {
        return nil
    }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(cString: line)
        if text.hasPrefix("VmRSS:") {
            return Int(text.dropFirst(6).filter(\.isNumber))
        }
    }
    return nil
}

/// What the connections of one event loop measured (touched on that loop only).
final class LoopStats: @unchecked Sendable {
    /// Latency histogram: 0.1 ms buckets up to 120 s.
    var buckets = [Int](repeating: 0, count: 1_200_000)
    var received = 0
    var outOfOrder = 0
    var lastReceipt = 0
    var badStatus = 0
    /// With a publish schedule (`sse-load --ports`): when each event of a step (by the sequence
    /// number after its time stamp) first and last arrived on this loop.
    var firstReceipt: [Int] = []
    var lastReceiptOf: [Int] = []

    /// Forgets what was measured, for the next step of `events` events (0: no per-event times).
    func reset(events: Int) {
        for index in buckets.indices where buckets[index] != 0 {
            buckets[index] = 0
        }
        received = 0
        outOfOrder = 0
        lastReceipt = 0
        badStatus = 0
        firstReceipt = [Int](repeating: .max, count: events)
        lastReceiptOf = [Int](repeating: 0, count: events)
    }
}

/// CPU time of every thread of a process so far, in nanoseconds, from /proc (schedstat).
func cpuNanoseconds(_ pid: Int32) -> Int {
    guard let directory = opendir("/proc/\(pid)/task") else {
        return 0
    }
    defer { closedir(directory) }
    var total = 0
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard name.first?.isNumber == true, let file = fopen("/proc/\(pid)/task/\(name)/schedstat", "r") else {
            continue
        }
        var line = [CChar](repeating: 0, count: 128)
        if fgets(&line, Int32(line.count), file) != nil {
            total += Int(String(cString: line).split(separator: " ").first ?? "") ?? 0
        }
        fclose(file)
    }
    return total
}

/// Shared completion counts.
final class Progress: Sendable {
    /// How many events each connection must have received, in all, to be complete.
    let target = Atomic(0)
    let ready = Atomic(0)
    let complete = Atomic(0)
    let closed = Atomic(0)
}

/// One SSE connection: sends the request, then parses the response: head, chunked framing (if
/// any), and the `id:`/`data:` lines of each event.
final class LoadClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Framing {
        case head
        case chunkSize
        case chunkExtension
        case chunkSizeLF
        case chunkData(Int)
        case chunkDataCR
        case chunkDataLF
        case identity
    }

    private let stats: LoopStats
    private let progress: Progress
    private let path: String
    private var framing = Framing.head
    private var head: [UInt8] = []
    private var chunkSize = 0
    private var line: [UInt8] = []
    private var id = 0
    private var stamp = 0
    private var sequence = -1
    private var hasData = false
    /// The ID expected next; 0 before the first event (whose ID is taken as it comes).
    private var next = 0
    private var count = 0
    private var now = 0

    init(stats: LoopStats, progress: Progress, path: String = "/events") {
        self.stats = stats
        self.progress = progress
        self.path = path
        line.reserveCapacity(128)
    }

    func channelActive(context: ChannelHandlerContext) {
        var request = context.channel.allocator.buffer(capacity: 96)
        request.writeString("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        context.writeAndFlush(NIOAny(request), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        progress.closed.add(1, ordering: .relaxed)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        // Every event of one read was received at the same time.
        now = wallClockNanoseconds()
        buffer.withUnsafeReadableBytes { bytes in
            var index = 0
            while index < bytes.count {
                index = step(bytes, from: index)
            }
        }
    }

    /// Consumes bytes from `index` in the current framing state; returns where it stopped.
    private func step(_ bytes: UnsafeRawBufferPointer, from index: Int) -> Int {
        switch framing {
        case .head:
            head.append(bytes[index])
            if head.count >= 4 && head.suffix(4) == [13, 10, 13, 10] {
                let text = String(decoding: head, as: UTF8.self).lowercased()
                if !text.hasPrefix("http/1.1 200") {
                    stats.badStatus += 1
                }
                framing = text.contains("transfer-encoding: chunked") ? .chunkSize : .identity
                progress.ready.add(1, ordering: .relaxed)
            }
            return index + 1
        case .chunkSize:
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): chunkSize = chunkSize * 16 + Int(byte - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): chunkSize = chunkSize * 16 + Int(byte - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): chunkSize = chunkSize * 16 + Int(byte - 55)
            case 13: framing = .chunkSizeLF
            default: framing = .chunkExtension
            }
            return index + 1
        case .chunkExtension:
            if bytes[index] == 13 {
                framing = .chunkSizeLF
            }
            return index + 1
        case .chunkSizeLF:
            framing = chunkSize == 0 ? .chunkDataCR : .chunkData(chunkSize)
            chunkSize = 0
            return index + 1
        case .chunkData(let remaining):
            let end = min(bytes.count, index + remaining)
            parse(bytes, index, end)
            framing = remaining - (end - index) == 0 ? .chunkDataCR : .chunkData(remaining - (end - index))
            return end
        case .chunkDataCR:
            framing = .chunkDataLF
            return index + 1
        case .chunkDataLF:
            framing = .chunkSize
            return index + 1
        case .identity:
            parse(bytes, index, bytes.count)
            return bytes.count
        }
    }

    /// The event-stream lines this test's servers send: `id: <n>`, `data: <ns> …`, blank. Lines are
    /// found with memchr; only a line cut by the end of a read is copied.
    private func parse(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) {
        let base = bytes.baseAddress!
        var index = start
        while index < end {
            guard let found = memchr(base + index, 10, end - index) else {
                line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<end]))
                return
            }
            let newline = base.distance(to: UnsafeRawPointer(found))
            if line.isEmpty {
                handleLine(UnsafeRawBufferPointer(rebasing: bytes[index..<newline]))
            } else {
                line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<newline]))
                line.withUnsafeBytes { handleLine($0) }
                line.removeAll(keepingCapacity: true)
            }
            index = newline + 1
        }
    }

    private func handleLine(_ line: UnsafeRawBufferPointer) {
        if line.isEmpty {
            dispatch()
        } else if line.count > 4 && line[0] == 0x69 && line[1] == 0x64 && line[2] == 0x3A {  // "id:"
            // SSEPostgres's IDs are `<epoch>-<number>`: the number is after the last dash.
            var start = 4
            for index in 4..<line.count where line[index] == 0x2D {
                start = index + 1
            }
            id = Self.integer(line, from: start)
        } else if line.count > 6 && line[0] == 0x64 && line[4] == 0x3A {  // "data:"
            stamp = Self.integer(line, from: 6)
            sequence = -1
            if !stats.firstReceipt.isEmpty, let space = line.firstIndex(of: 0x20, from: 6) {
                sequence = Self.integer(line, from: space + 1)
            }
            hasData = true
        }
    }

    private func dispatch() {
        guard hasData else {
            return
        }
        hasData = false
        let bucket = min(max(0, (now - stamp) / 100_000), stats.buckets.count - 1)
        stats.buckets[bucket] += 1
        stats.received += 1
        stats.lastReceipt = max(stats.lastReceipt, now)
        if next != 0 && id != next {
            stats.outOfOrder += 1
        }
        next = id + 1
        if sequence >= 0 && sequence < stats.firstReceipt.count {
            stats.firstReceipt[sequence] = min(stats.firstReceipt[sequence], now)
            stats.lastReceiptOf[sequence] = max(stats.lastReceiptOf[sequence], now)
        }
        count += 1
        if count == progress.target.load(ordering: .relaxed) {
            progress.complete.add(1, ordering: .relaxed)
        }
    }

    /// The decimal number at `start`, up to the first byte that is not a digit.
    private static func integer(_ line: UnsafeRawBufferPointer, from start: Int) -> Int {
        var value = 0
        var index = start
        while index < line.count, case let digit = line[index] &- 48, digit < 10 {
            value = value &* 10 &+ Int(digit)
            index += 1
        }
        return value
    }
}

extension UnsafeRawBufferPointer {
    /// The index of the first `byte` at or after `start`.
    func firstIndex(of byte: UInt8, from start: Int) -> Int? {
        var index = start
        while index < count {
            if self[index] == byte {
                return index
            }
            index += 1
        }
        return nil
    }
}

/// The latency below which `fraction` of the events arrived, in milliseconds.
func percentile(_ fraction: Double, of buckets: [Int], total: Int) -> Double {
    let target = max(1, Int((Double(total) * fraction).rounded(.up)))
    var seen = 0
    for (index, count) in buckets.enumerated() {
        seen += count
        if seen >= target {
            return Double(index) / 10
        }
    }
    return .nan
}
