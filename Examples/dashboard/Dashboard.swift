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

import ExampleSupport
import Foundation
import SSECodec
import SSENIO
import SSEStreaming

#if canImport(Glibc)
import Glibc
#endif

/// A live dashboard of this machine (CPU, memory, load, network from `/proc`, disk from `statvfs`), sampled every
/// second and drawn by hand on a canvas.
///
/// ```sh
/// swift run --package-path Examples dashboard     # http://127.0.0.1:8080/
/// ```
///
/// Every sample is published with one coalescing key under the broadcaster's `coalesce`
/// policy: a tab that falls behind skips to the newest values instead of queueing old ones.
@main
struct Dashboard {
    static func main() async {
        let options = ExampleOptions.parse(
            "dashboard",
            summary: "This machine's CPU, memory, disk, load and network, live.",
            ExampleOptions.tls
        )
        await ExampleServer.main(options) {
            var configuration = SSEBroadcaster.Configuration()
            configuration.overflowPolicy = .coalesce
            configuration.maximumQueuedEvents = 4
            configuration.maximumReplayCount = 60
            let broadcaster = SSEBroadcaster(configuration: configuration)
            let sampler = Sampler()
            var router = SSERouter()
            router.get("/", asset: SSEAsset(EmbeddedAssets.indexHtml, contentType: .html))
            router.get("/metrics") { request in
                .stream(broadcaster.subscribe(to: ["metrics"], lastEventID: request.lastEventID))
            }
            try await ExampleServer.run(
                "Dashboard",
                options: options,
                router: router,
                services: [
                    EveryInterval(.seconds(1)) {
                        guard let sample = sampler.sample(), let data = try? JSONEncoder().encode(sample) else {
                            return
                        }
                        let event = ServerSentEvent(type: "metrics", data: String(decoding: data, as: UTF8.self))
                        _ = try? broadcaster.publish(event, to: "metrics", coalescingKey: "metrics")
                    }
                ],
                onShutdown: { try? broadcaster.shutDown(finalEvent: ExampleServer.finalEvent) }
            )
        }
    }
}

/// One sample, as the page reads it.
struct Sample: Encodable {
    let time: String
    /// Busy share of all CPUs since the previous sample, 0–100.
    let cpu: Double
    let memoryUsed: Int
    let memoryTotal: Int
    /// Bytes in use and in all on the file system of `/`.
    let diskUsed: Int
    let diskTotal: Int
    let load1: Double
    let load5: Double
    let load15: Double
    let receivedPerSecond: Double
    let sentPerSecond: Double
}

/// Reads `/proc`, and turns counters into rates against the previous reading.
final class Sampler: @unchecked Sendable {
    // Only the sampling service calls `sample()`, one call at a time.
    private var previousCPU: (busy: Int, total: Int)?
    private var previousNetwork: (received: Int, sent: Int, at: ContinuousClock.Instant)?

    func sample() -> Sample? {
        guard let stat = Self.read("/proc/stat"), let memory = Self.read("/proc/meminfo"),
            let load = Self.read("/proc/loadavg"), let network = Self.read("/proc/net/dev")
        else {
            return nil
        }
        // cpu  user nice system idle iowait irq softirq steal …
        let times = stat.split(separator: "\n").first?.split(separator: " ").dropFirst().compactMap { Int($0) } ?? []
        let total = times.reduce(0, +)
        let idle = times.count > 4 ? times[3] + times[4] : 0
        let busy = total - idle
        var cpu = 0.0
        if let previous = previousCPU, total > previous.total {
            cpu = 100 * Double(busy - previous.busy) / Double(total - previous.total)
        }
        previousCPU = (busy, total)

        let kilobytes = Dictionary(
            memory.split(separator: "\n").compactMap { line -> (String, Int)? in
                let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " })
                guard parts.count >= 2, let value = Int(parts[1]) else {
                    return nil
                }
                return (String(parts[0]), value)
            },
            uniquingKeysWith: { first, _ in first }
        )
        let memoryTotal = (kilobytes["MemTotal"] ?? 0) * 1024
        let memoryUsed = memoryTotal - (kilobytes["MemAvailable"] ?? 0) * 1024

        // As df counts them: blocks in use of those not reserved for root.
        var disk = statvfs()
        var diskUsed = 0
        var diskTotal = 0
        if statvfs("/", &disk) == 0 {
            let block = Int(disk.f_frsize)
            diskUsed = (Int(disk.f_blocks) - Int(disk.f_bfree)) * block
            diskTotal = diskUsed + Int(disk.f_bavail) * block
        }

        let loads = load.split(separator: " ").prefix(3).compactMap { Double($0) }

        // Inter-face: received bytes, then 7 more, then sent bytes; the loopback is left out.
        var received = 0
        var sent = 0
        for line in network.split(separator: "\n").dropFirst(2) {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " })
            guard parts.count >= 10, parts[0] != "lo", let rx = Int(parts[1]), let tx = Int(parts[9]) else {
                continue
            }
            received += rx
            sent += tx
        }
        let now = ContinuousClock.now
        var receivedPerSecond = 0.0
        var sentPerSecond = 0.0
        if let previous = previousNetwork {
            let elapsed = now - previous.at
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if seconds > 0 {
                receivedPerSecond = Double(received - previous.received) / seconds
                sentPerSecond = Double(sent - previous.sent) / seconds
            }
        }
        previousNetwork = (received, sent, now)

        return Sample(
            time: Date().formatted(.iso8601),
            cpu: (cpu * 10).rounded() / 10,
            memoryUsed: memoryUsed,
            memoryTotal: memoryTotal,
            diskUsed: diskUsed,
            diskTotal: diskTotal,
            load1: loads.count > 0 ? loads[0] : 0,
            load5: loads.count > 1 ? loads[1] : 0,
            load15: loads.count > 2 ? loads[2] : 0,
            receivedPerSecond: receivedPerSecond.rounded(),
            sentPerSecond: sentPerSecond.rounded()
        )
    }

    private static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }
}
