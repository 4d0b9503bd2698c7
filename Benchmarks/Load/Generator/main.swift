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

// The load generator: opens N SSE connections to a server on 127.0.0.1, asks it to broadcast M
// events, and measures what every connection receives: delivery time, deliveries per second,
// latency from publish to receipt (the events carry their publish time), loss, duplicates and
// order, and the server's resident memory per idle connection.
//
//     sse-load --port 8080 --connections 1000 --events 1000 [--size 64] [--server-pid PID]
//
// One line of JSON on standard output. Every server under comparison speaks the same protocol:
// `GET /events` streams `id: <n>` and `data: <publish time in ns> <padding>` events (chunked or
// not), `POST /broadcast?count=M&size=B` starts a broadcast.
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var port = 8080
    var connections = 100
    var events = 1_000
    var size = 64
    var serverPID: Int32?
    var timeout = 120.0

    init(_ arguments: [String]) {
        var index = 1
        while index + 1 < arguments.count {
            let value = arguments[index + 1]
            switch arguments[index] {
            case "--port": port = Int(value)!
            case "--connections": connections = Int(value)!
            case "--events": events = Int(value)!
            case "--size": size = Int(value)!
            case "--server-pid": serverPID = Int32(value)!
            case "--timeout": timeout = Double(value)!
            default: fatalError("unknown option \(arguments[index])")
            }
            index += 2
        }
    }
}

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
    private let expected: Int
    private var framing = Framing.head
    private var head: [UInt8] = []
    private var chunkSize = 0
    private var line: [UInt8] = []
    private var id = 0
    private var stamp = 0
    private var hasData = false
    private var next = 1
    private var count = 0
    private var now = 0

    init(stats: LoopStats, progress: Progress, expected: Int) {
        self.stats = stats
        self.progress = progress
        self.expected = expected
        line.reserveCapacity(128)
    }

    func channelActive(context: ChannelHandlerContext) {
        var request = context.channel.allocator.buffer(capacity: 96)
        request.writeString("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
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
            id = Self.integer(line, from: 4)
        } else if line.count > 6 && line[0] == 0x64 && line[4] == 0x3A {  // "data:"
            stamp = Self.integer(line, from: 6)
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
        if id != next {
            stats.outOfOrder += 1
        }
        next = id + 1
        count += 1
        if count == expected {
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

/// Sends `POST /broadcast` on a blocking socket.
func requestBroadcast(port: Int, count: Int, size: Int) {
    let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(sock, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    let request =
        "POST /broadcast?count=\(count)&size=\(size) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    _ = Array(request.utf8).withUnsafeBytes { send(sock, $0.baseAddress, $0.count, 0) }
    var buffer = [UInt8](repeating: 0, count: 512)
    _ = recv(sock, &buffer, buffer.count, 0)
    close(sock)
}

let options = Options(CommandLine.arguments)
let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
let progress = Progress()
let loops = Array(group.makeIterator()).map { (loop: $0, stats: LoopStats()) }
let statsByLoop = Dictionary(uniqueKeysWithValues: loops.map { (ObjectIdentifier($0.loop), $0.stats) })

// The generator's own memory must not be what is measured: every connection reads into one
// 64 KiB buffer of its own (allocated at its first read, during setup), and mlockall makes the
// kernel supply pages when memory is mapped rather than on first touch, so the burst does not pay
// for zeroing tens of thousands of fresh pages (without it, that was 40 % of the generator's time
// at 10,000 connections). Without the privilege, it runs without.
_ = mlockall(MCL_CURRENT | MCL_FUTURE)

let bootstrap = ClientBootstrap(group: group)
    .channelOption(.socketOption(.tcp_nodelay), value: 1)
    .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
    .channelInitializer { channel in
        let stats = statsByLoop[ObjectIdentifier(channel.eventLoop)]!
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(
                LoadClientHandler(stats: stats, progress: progress, expected: options.events)
            )
        }
    }

let residentBefore = options.serverPID.flatMap(residentKiB)

// Connect in waves, so as not to overflow the server's accept backlog.
var channels: [any Channel] = []
var connected = 0
while connected < options.connections {
    let wave = min(500, options.connections - connected)
    let futures = (0..<wave).map { _ in bootstrap.connect(host: "127.0.0.1", port: options.port) }
    for future in futures {
        channels.append(try future.wait())
    }
    connected += wave
}
let setupDeadline = wallClockNanoseconds() + 60_000_000_000
while progress.ready.load(ordering: .relaxed) < options.connections && wallClockNanoseconds() < setupDeadline {
    usleep(10_000)
}
usleep(200_000)
let residentIdle = options.serverPID.flatMap(residentKiB)

let serverCPUBefore = options.serverPID.map(cpuNanoseconds)
let generatorCPUBefore = cpuNanoseconds(getpid())
let start = wallClockNanoseconds()
requestBroadcast(port: options.port, count: options.events, size: options.size)
let deadline = start + Int(options.timeout * 1e9)
while progress.complete.load(ordering: .relaxed) < options.connections && wallClockNanoseconds() < deadline {
    usleep(1_000)
}
let serverCPU = options.serverPID.map(cpuNanoseconds).flatMap { after in serverCPUBefore.map { after - $0 } }
let generatorCPU = cpuNanoseconds(getpid()) - generatorCPUBefore
// Let stragglers and duplicates arrive before counting.
usleep(100_000)

for channel in channels {
    channel.close(promise: nil)
}
var buckets = [Int](repeating: 0, count: 1_200_000)
var received = 0
var outOfOrder = 0
var lastReceipt = 0
var badStatus = 0
for (loop, stats) in loops {
    // Each loop's stats are read on that loop, after its connections are closed.
    let snapshot = try loop.submit {
        (stats.buckets, stats.received, stats.outOfOrder, stats.lastReceipt, stats.badStatus)
    }
    .wait()
    for index in snapshot.0.indices where snapshot.0[index] > 0 {
        buckets[index] += snapshot.0[index]
    }
    received += snapshot.1
    outOfOrder += snapshot.2
    lastReceipt = max(lastReceipt, snapshot.3)
    badStatus += snapshot.4
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

let expected = options.connections * options.events
let seconds = Double(lastReceipt - start) / 1e9
// The server's memory for the idle connections: resident after connecting less before.
let perConnection =
    residentIdle.flatMap { idle in
        residentBefore.map { String(Double(idle - $0) / Double(options.connections)) }
    } ?? "null"
print(
    """
    {"connections":\(options.connections),"events":\(options.events),"expected":\(expected),\
    "received":\(received),"lost":\(max(0, expected - received)),"duplicatesOrOutOfOrder":\(outOfOrder),\
    "badStatus":\(badStatus),"seconds":\(seconds),"deliveriesPerSecond":\(Int(Double(received) / seconds)),\
    "p50ms":\(percentile(0.5, of: buckets, total: received)),"p99ms":\(percentile(0.99, of: buckets, total: received)),"serverRSSKiB":\(residentIdle.map(String.init) ?? "null"),\
    "serverRSSKiBPerConnection":\(perConnection),\
    "serverCPUms":\(serverCPU.map { String(Double($0) / 1e6) } ?? "null"),"generatorCPUms":\(Double(generatorCPU) / 1e6)}
    """
)
try group.syncShutdownGracefully()
