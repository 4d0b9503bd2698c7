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
//
// With `--ports`, it measures a deployment of several instances instead: see Deployment.swift.
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
    /// Every `--server-pid` given (the deployment mode adds up their CPU time).
    var serverPIDs: [Int32] = []
    var timeout = 120.0
    /// A deployment (see Deployment.swift): the instances' ports, the rates of the steps, each
    /// step's length, publishing connections per instance, the latency bound of a step.
    var ports: [Int] = []
    var rates: [Int] = [1_000, 2_000, 3_000, 5_000, 7_000, 10_000]
    var seconds = 5
    var publishers = 32
    var p99Bound = 100.0
    /// Deployment mode over TLS (HTTP/1.1, any certificate accepted: loopback benchmarks only).
    var tls = false

    init(_ arguments: [String]) {
        var index = 1
        while index < arguments.count, arguments[index] == "--tls" || index + 1 < arguments.count {
            if arguments[index] == "--tls" {
                tls = true
                index += 1
                continue
            }
            let value = arguments[index + 1]
            switch arguments[index] {
            case "--port": port = Int(value)!
            case "--connections": connections = Int(value)!
            case "--events": events = Int(value)!
            case "--size": size = Int(value)!
            case "--server-pid":
                serverPID = Int32(value)!
                serverPIDs.append(Int32(value)!)
            case "--timeout": timeout = Double(value)!
            case "--ports": ports = value.split(separator: ",").map { Int($0)! }
            case "--rates": rates = value.split(separator: ",").map { Int($0)! }
            case "--seconds": seconds = Int(value)!
            case "--publishers": publishers = Int(value)!
            case "--p99-bound": p99Bound = Double(value)!
            default: fatalError("unknown option \(arguments[index])")
            }
            index += 2
        }
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
if !options.ports.isEmpty {
    try runDeployment(options)
    exit(0)
}
let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
let progress = Progress()
progress.target.store(options.events, ordering: .relaxed)
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
                LoadClientHandler(stats: stats, progress: progress)
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
