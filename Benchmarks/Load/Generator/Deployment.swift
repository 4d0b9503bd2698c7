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

// The generator's deployment mode: subscribers spread over several instances of one server, and
// publishes over HTTP (`POST /publish`, body "<scheduled time in ns> <sequence>") spread over the
// same instances, on a schedule, at rising rates (steps) until the first loss, the first failed
// publish or a p99 over the bound. Latency is taken from the time a publish was *scheduled*, so
// that a generator or a server falling behind shows in it. Each step is one line of JSON, with
// where the time went: the publish request, the server's write (its `Server-Timing`), the first
// delivery of each event, and its fan-out (first to last subscriber).
//
//     sse-load --ports 8081,8082,8083 --connections 1000 [--rates 1000,2000,…] [--seconds 5]
//              [--publishers 32] [--p99-bound 100] [--server-pid PID …]
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// 0.1 ms buckets up to 120 s.
typealias Histogram = [Int]

func histogram() -> Histogram { [Int](repeating: 0, count: 1_200_000) }

extension Array where Element == Int {
    mutating func record(nanoseconds: Int) {
        self[Swift.min(Swift.max(0, nanoseconds / 100_000), count - 1)] += 1
    }

    mutating func merge(_ other: [Int]) {
        for index in other.indices where other[index] != 0 {
            self[index] += other[index]
        }
    }

    var total: Int { reduce(0, +) }
}

/// What the publishers of one event loop measured (touched on that loop only).
final class PublishStats: @unchecked Sendable {
    /// From the scheduled time to the answer.
    var request = histogram()
    /// The server's own time for the publish (`Server-Timing: write;dur=`).
    var write = histogram()
    /// From the scheduled time to the request's send (the generator's own lateness).
    var late = histogram()
    var failed = 0

    func reset() {
        request = histogram()
        write = histogram()
        late = histogram()
        failed = 0
    }
}

/// One keep-alive publishing connection: one request at a time.
final class PublishHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let pool: PublisherPool
    private let instance: Int
    private var context: ChannelHandlerContext?
    private var head: [UInt8] = []
    /// The body bytes still to come; -1 while the head is read.
    private var remaining = -1
    private var status = 0
    private var serverWrite = 0
    private var scheduled = 0
    /// A publish is on its way.
    private var busy = false

    init(pool: PublisherPool, instance: Int) {
        self.pool = pool
        self.instance = instance
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        pool.idle[instance].append(self)
    }

    /// The server closed it (a connection never used is closed after the server's request head
    /// timeout): it leaves the pool, and a publish it carried counts as failed.
    func channelInactive(context: ChannelHandlerContext) {
        pool.progress.publishersClosed.add(1, ordering: .relaxed)
        self.context = nil
        pool.idle[instance].removeAll { $0 === self }
        if busy {
            busy = false
            pool.stats.failed += 1
            pool.progress.answered.add(1, ordering: .relaxed)
        }
    }

    /// Sends the publish; false if the connection is closed.
    func publish(scheduled: Int, sequence: Int, now: Int) -> Bool {
        guard let context else {
            return false
        }
        self.scheduled = scheduled
        busy = true
        let body = "\(scheduled) \(sequence)"
        var buffer = context.channel.allocator.buffer(capacity: 160)
        buffer.writeString(
            "POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        )
        context.writeAndFlush(NIOAny(buffer), promise: nil)
        pool.stats.late.record(nanoseconds: now - scheduled)
        return true
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        while buffer.readableBytes > 0 {
            if remaining < 0 {
                head.append(buffer.readInteger(as: UInt8.self)!)
                guard head.count >= 4, head.suffix(4).elementsEqual([13, 10, 13, 10]) else {
                    continue
                }
                parseHead()
            } else {
                let take = min(remaining, buffer.readableBytes)
                buffer.moveReaderIndex(forwardBy: take)
                remaining -= take
            }
            if remaining == 0 {
                remaining = -1
                answered()
            }
        }
    }

    private func parseHead() {
        let text = String(decoding: head, as: UTF8.self).lowercased()
        head.removeAll(keepingCapacity: true)
        status = Int(text.dropFirst(9).prefix(3)) ?? 0
        remaining = 0
        serverWrite = -1
        for line in text.split(separator: "\r\n") {
            if line.hasPrefix("content-length:") {
                remaining = Int(line.dropFirst(15).trimmingPrefix(" ")) ?? 0
            } else if line.hasPrefix("server-timing:"), let range = line.firstRange(of: "dur=") {
                let milliseconds = Double(line[range.upperBound...].prefix { $0 == "." || $0.isNumber }) ?? -1
                serverWrite = Int(milliseconds * 1e6)
            }
        }
    }

    private func answered() {
        busy = false
        let now = wallClockNanoseconds()
        pool.stats.request.record(nanoseconds: now - scheduled)
        if status == 200 {
            if serverWrite >= 0 {
                pool.stats.write.record(nanoseconds: serverWrite)
            }
        } else {
            pool.stats.failed += 1
        }
        pool.progress.answered.add(1, ordering: .relaxed)
        pool.idle[instance].append(self)
        pool.pump()
    }
}

/// The publishing connections of one event loop, and its share of a step's schedule: the events
/// whose sequence numbers are `index` modulo the number of loops.
final class PublisherPool: @unchecked Sendable {
    let loop: any EventLoop
    let index: Int
    let loops: Int
    let progress: DeploymentProgress
    var idle: [[PublishHandler]]
    let stats = PublishStats()
    private var start = 0
    private var interval = 0.0
    private var total = 0
    private var next = 0
    private var timer: RepeatedTask?

    init(loop: any EventLoop, index: Int, loops: Int, instances: Int, progress: DeploymentProgress) {
        self.loop = loop
        self.index = index
        self.loops = loops
        self.progress = progress
        idle = Array(repeating: [], count: instances)
    }

    /// Starts a step (on the pool's loop): `total` events at `rate` a second from `start`.
    func begin(start: Int, rate: Int, total: Int) {
        self.start = start
        interval = 1e9 / Double(rate)
        self.total = total
        next = index
        timer = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(1)) { _ in self.pump() }
    }

    /// Sends what is due, on idle connections to the instance each event goes to; what finds no
    /// idle connection waits (and is late).
    func pump() {
        let now = wallClockNanoseconds()
        while next < total {
            let scheduled = start + Int(Double(next) * interval)
            guard scheduled <= now, let handler = idle[(next / loops) % idle.count].popLast() else {
                break
            }
            if handler.publish(scheduled: scheduled, sequence: next, now: now) {
                next += loops
            }
        }
        if next >= total {
            timer?.cancel()
            timer = nil
        }
    }
}

final class DeploymentProgress: Sendable {
    let answered = Atomic(0)
    let publishersClosed = Atomic(0)
}

/// CPU time of the whole machine so far (busy, and in all), in nanoseconds, from /proc/stat.
func machineCPUNanoseconds() -> (busy: Int, all: Int) {
    guard let file = fopen("/proc/stat", "r") else {
        return (0, 0)
    }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    guard fgets(&line, Int32(line.count), file) != nil else {
        return (0, 0)
    }
    let ticks = String(cString: line).split(separator: " ").dropFirst().compactMap { Int($0) }
    let all = ticks.prefix(8).reduce(0, +)
    let idle = ticks.count > 4 ? ticks[3] + ticks[4] : 0
    let nanosecondsPerTick = 1_000_000_000 / sysconf(Int32(_SC_CLK_TCK))
    return ((all - idle) * nanosecondsPerTick, all * nanosecondsPerTick)
}

func milliseconds(_ nanoseconds: Int) -> String { String(Double(nanoseconds) / 1e6) }

func runDeployment(_ options: Options) throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    // The publishers have a thread of their own, as they would be other processes: a publish is
    // not sent late because the subscribers' loops are busy reading.
    let publishing = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    defer {
        try? group.syncShutdownGracefully()
        try? publishing.syncShutdownGracefully()
    }
    let loops = Array(group.makeIterator())
    let publishingLoops = Array(publishing.makeIterator())
    let progress = Progress()
    let deployment = DeploymentProgress()
    let subscriberStats = loops.map { _ in LoopStats() }
    let pools = publishingLoops.enumerated().map { index, loop in
        PublisherPool(
            loop: loop,
            index: index,
            loops: publishingLoops.count,
            instances: options.ports.count,
            progress: deployment
        )
    }
    @Sendable func slot(_ loop: any EventLoop) -> Int {
        loops.firstIndex { $0 === loop }!
    }
    @Sendable func pool(_ loop: any EventLoop) -> PublisherPool {
        pools.first { $0.loop === loop }!
    }

    // With --tls, every connection begins with a TLS client (HTTP/1.1: no ALPN).
    let tls: NIOSSLContext? =
        options.tls
        ? try {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return try NIOSSLContext(configuration: configuration)
        }() : nil
    @Sendable func addTLS(_ channel: any Channel) throws {
        if let tls {
            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: nil))
        }
    }

    // The subscribers, round robin over the instances, in waves.
    let subscribers = ClientBootstrap(group: group)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 16_384))
        .channelInitializer { channel in
            let stats = subscriberStats[slot(channel.eventLoop)]
            return channel.eventLoop.makeCompletedFuture {
                try addTLS(channel)
                try channel.pipeline.syncOperations.addHandler(LoadClientHandler(stats: stats, progress: progress))
            }
        }
    var channels: [any Channel] = []
    while channels.count < options.connections {
        let wave = (channels.count..<min(options.connections, channels.count + 500)).map {
            subscribers.connect(host: "127.0.0.1", port: options.ports[$0 % options.ports.count])
        }
        for future in wave {
            channels.append(try future.wait())
        }
    }
    let setupDeadline = wallClockNanoseconds() + 60_000_000_000
    while progress.ready.load(ordering: .relaxed) < options.connections && wallClockNanoseconds() < setupDeadline {
        usleep(10_000)
    }

    // The publishing connections, `publishers` to each instance.
    for (instance, port) in options.ports.enumerated() {
        let bootstrap = ClientBootstrap(group: publishing)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                let pool = pool(channel.eventLoop)
                return channel.eventLoop.makeCompletedFuture {
                    try addTLS(channel)
                    try channel.pipeline.syncOperations.addHandler(PublishHandler(pool: pool, instance: instance))
                }
            }
        for _ in 0..<options.publishers {
            channels.append(try bootstrap.connect(host: "127.0.0.1", port: port).wait())
        }
    }
    usleep(200_000)

    var cumulative = 0
    for rate in options.rates {
        let total = rate * options.seconds
        for (index, loop) in loops.enumerated() {
            try loop.submit { subscriberStats[index].reset(events: total) }.wait()
        }
        for pool in pools {
            try pool.loop.submit { pool.stats.reset() }.wait()
        }
        cumulative += total
        progress.target.store(cumulative, ordering: .relaxed)
        progress.complete.store(0, ordering: .relaxed)
        deployment.answered.store(0, ordering: .relaxed)
        let machineBefore = machineCPUNanoseconds()
        let serversBefore = options.serverPIDs.map(cpuNanoseconds).reduce(0, +)
        let generatorBefore = cpuNanoseconds(getpid())
        let start = wallClockNanoseconds() + 20_000_000
        for pool in pools {
            pool.loop.execute { pool.begin(start: start, rate: rate, total: total) }
        }
        let deadline = start + (options.seconds + 10) * 1_000_000_000
        while wallClockNanoseconds() < deadline
            && (progress.complete.load(ordering: .relaxed) < options.connections
                || deployment.answered.load(ordering: .relaxed) < total)
        {
            usleep(1_000)
        }
        let machine = machineCPUNanoseconds()
        let servers = options.serverPIDs.map(cpuNanoseconds).reduce(0, +) - serversBefore
        let generator = cpuNanoseconds(getpid()) - generatorBefore
        // Let stragglers and duplicates arrive before counting.
        usleep(100_000)

        var delivered = histogram()
        var request = histogram()
        var write = histogram()
        var late = histogram()
        var received = 0
        var outOfOrder = 0
        var badStatus = 0
        var failed = 0
        var lastReceipt = 0
        var first = [Int](repeating: .max, count: total)
        var last = [Int](repeating: 0, count: total)
        for (index, loop) in loops.enumerated() {
            // Each loop's measurements are read on that loop.
            let stats = subscriberStats[index]
            let snapshot = try loop.submit {
                (
                    stats.buckets, stats.received, stats.outOfOrder, stats.badStatus, stats.lastReceipt,
                    stats.firstReceipt, stats.lastReceiptOf
                )
            }
            .wait()
            delivered.merge(snapshot.0)
            received += snapshot.1
            outOfOrder += snapshot.2
            badStatus += snapshot.3
            lastReceipt = max(lastReceipt, snapshot.4)
            for sequence in 0..<total {
                first[sequence] = min(first[sequence], snapshot.5[sequence])
                last[sequence] = max(last[sequence], snapshot.6[sequence])
            }
        }
        for pool in pools {
            let publishing = pool.stats
            let snapshot = try pool.loop.submit {
                (publishing.request, publishing.write, publishing.late, publishing.failed)
            }
            .wait()
            request.merge(snapshot.0)
            write.merge(snapshot.1)
            late.merge(snapshot.2)
            failed += snapshot.3
        }
        var firstDelivery = histogram()
        var fanOut = histogram()
        let interval = 1e9 / Double(rate)
        for sequence in 0..<total where first[sequence] != .max {
            firstDelivery.record(nanoseconds: first[sequence] - (start + Int(Double(sequence) * interval)))
            fanOut.record(nanoseconds: last[sequence] - first[sequence])
        }
        let expected = total * options.connections
        let lost = max(0, expected - received)
        let answered = deployment.answered.load(ordering: .relaxed)
        let p99 = percentile(0.99, of: delivered, total: received)
        func pair(_ name: String, _ buckets: Histogram) -> String {
            let count = buckets.total
            return "\"\(name)\":{\"p50ms\":\(percentile(0.5, of: buckets, total: count)),"
                + "\"p99ms\":\(percentile(0.99, of: buckets, total: count)),"
                + "\"maxms\":\(percentile(1, of: buckets, total: count))}"
        }
        print(
            """
            {"instances":\(options.ports.count),"subscribers":\(options.connections),"rate":\(rate),\
            "seconds":\(options.seconds),"events":\(total),"published":\(answered - failed),"failedPublishes":\(failed),"unanswered":\(total - answered),\
            "publishersClosed":\(deployment.publishersClosed.load(ordering: .relaxed)),\
            "deliveries":\(received),"lost":\(lost),"duplicatesOrOutOfOrder":\(outOfOrder),"badStatus":\(badStatus),\
            \(pair("endToEnd", delivered)),\(pair("publishRequest", request)),\(pair("serverWrite", write)),\
            \(pair("firstDelivery", firstDelivery)),\(pair("fanOut", fanOut)),\(pair("generatorLate", late)),\
            "lastDeliverySeconds":\(Double(lastReceipt - start) / 1e9),\
            "cpuMs":{"machine":\(milliseconds(machine.busy - machineBefore.busy)),\
            "machineAvailable":\(milliseconds(machine.all - machineBefore.all)),\
            "instances":\(milliseconds(servers)),"generator":\(milliseconds(generator))}}
            """
        )
        fflush(nil)
        if lost > 0 || failed > 0 || answered < total || p99 > options.p99Bound {
            break
        }
    }
    for channel in channels {
        channel.close(promise: nil)
    }
}
