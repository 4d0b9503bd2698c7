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

#if PostgresSupport
import Logging
import SSEStreaming
import ServiceLifecycle
import Synchronization

extension SSEPostgresGenerations {
    // MARK: Running

    /// Creates or checks the generations' table (once the broadcaster has made its own), then
    /// renews the leases of the generations this instance runs and ends those whose owner let
    /// its lease lapse, until cancelled or a graceful shutdown. Then it ends the generations
    /// that run here with `interrupted` (waiting at most ``Configuration-swift.struct/timeout``).
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.runUntilCancelled()
        }
        if !registry.withLock({ $0.isShutDown }) {
            try? shutDown()
        }
        _ = await pollUntil(timeout: configuration.timeout + .seconds(1)) {
            self.registry.withLock { $0.running == 0 }
        }
    }

    private func runUntilCancelled() async {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                guard await events.progress.waitUntilStarted(timeout: .seconds(1)) else {
                    continue
                }
                try await table.migrate()
                break
            } catch {
                logger?.error(
                    "SSE could not prepare the generations table",
                    metadata: ["sse.error": "\(String(reflecting: error))"]
                )
                try? await Task.sleep(for: delay * Double.random(in: 0.8...1.2))
                delay = min(delay * 2, .seconds(5))
            }
        }
        guard !Task.isCancelled else {
            return
        }
        registry.withLock { $0.isReady = true }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.renewLeases() }
            group.addTask { await self.endAbandoned() }
        }
    }

    /// Waits until the table exists, up to the timeout.
    func waitUntilReady() async throws(SSEGenerationError) {
        guard await pollUntil(timeout: configuration.timeout, { self.registry.withLock { $0.isReady } }) else {
            throw .unavailable
        }
    }

    /// Renews the leases of the generations that run here, every third of the lease.
    private func renewLeases() async {
        while (try? await Task.sleep(for: configuration.lease / 3)) != nil {
            let owned = registry.withLock { Array($0.owned) }
            guard !owned.isEmpty else {
                continue
            }
            let renewed = await racing(configuration.lease / 3) { [table, owner, configuration] in
                try await table.renew(owner: owner, ids: owned, lease: configuration.lease)
            }
            if case .failure(let error) = renewed {
                logger?.warning(
                    "SSE could not renew the leases of its generations",
                    metadata: ["sse.error": "\(String(reflecting: error))"]
                )
            }
        }
    }

    /// Every half lease (with jitter), ends the generations whose owner let its lease lapse, and
    /// deletes those past their retention.
    private func endAbandoned() async {
        while (try? await Task.sleep(for: configuration.lease / 2 * Double.random(in: 0.8...1.2))) != nil {
            let found = await racing(configuration.timeout) { [table, configuration] in
                let abandoned = try await table.abandoned(limit: 100)
                try await table.prune(retention: configuration.limits.retention)
                return abandoned
            }
            guard case .success(let abandoned) = found else {
                continue
            }
            for id in abandoned where await end(id, .interrupted, onlyIfLeaseExpired: true) == true {
                logger?.warning(
                    "SSE ended a generation whose instance went away",
                    metadata: ["sse.generation": "\(id)"]
                )
            }
        }
    }
}
#endif
