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
public import SSEStreaming
import Synchronization

extension SSEPostgresGenerations {
    // MARK: Attaching

    /// A stream of the generation `id` after `lastEventID`, on this instance whichever runs it:
    /// see `SSEGenerations.subscribe(to:lastEventID:)`.
    ///
    /// The first client of a generation on an instance makes its copy there, from the table; a
    /// client that comes with an event ID this instance has not received yet (it was delivered
    /// elsewhere a moment ago) waits for it, up to ``Configuration-swift.struct/timeout``.
    ///
    /// - Parameters:
    ///   - id: The generation's ID.
    ///   - lastEventID: The client's `Last-Event-ID`, if any.
    /// - Returns: The stream; `nil` when the generation is unknown, past its retention, or the
    ///   client has its end event already: a server answers `204`.
    /// - Throws: `SSEGenerationError.unavailable` when the database did not answer in time
    ///   (a server answers `503`), `SSEGenerationError.shutDown`.
    public func subscribe(
        to id: String,
        lastEventID: String? = nil
    ) async throws(SSEGenerationError) -> SSEBroadcaster.Subscription? {
        guard let mirror = try await mirror(of: id) else {
            return nil
        }
        if let lastEventID, SSEGenerations.generationID(of: lastEventID) == id,
            let number = Int(lastEventID.utf8.split(separator: UInt8(ascii: ":")).last.map { String($0)! } ?? "")
        {
            await mirror.wait(untilHolding: number, timeout: configuration.timeout)
        }
        return mirror.generation.subscribe(lastEventID: lastEventID)
    }

    /// Where the generation `id` is, as this instance's copy of it has it; `nil` when it is
    /// unknown or past its retention.
    ///
    /// - Parameter id: The generation's ID.
    /// - Throws: As ``subscribe(to:lastEventID:)``.
    public func status(of id: String) async throws(SSEGenerationError) -> SSEGenerations.Status? {
        try await mirror(of: id)?.generation.status
    }

    /// This instance's copy of the generation `id`, made from the table if it has none; `nil`
    /// when the table does not know it (or no longer holds its start).
    func mirror(of id: String) async throws(SSEGenerationError) -> Mirror? {
        let (existing, isShutDown) = registry.withLock { ($0.mirrors[id], $0.isShutDown) }
        guard !isShutDown else {
            // It may run elsewhere: a client must not be told it is over (a 503, not a 204).
            throw .shutDown
        }
        if let mirror = existing {
            return try await loaded(mirror)
        }
        guard SSEGenerations.isValidID(id) else {
            return nil
        }
        try await waitUntilReady()
        let found = await racing(configuration.timeout) { [table, configuration] in
            try await table.find(id, retention: configuration.limits.retention)
        }
        guard case .success(let row) = found else {
            logger?.warning("SSE could not look up a generation", metadata: ["sse.generation": "\(id)"])
            throw .unavailable
        }
        guard let row else {
            return nil
        }
        return try await mirror(of: id, resumeAfter: row.resumeAfter, remainingRetention: row.remainingRetention)
    }

    /// The copy of the generation `id`, whose events come after `resumeAfter`: the one this
    /// instance has, or a new one read from the table.
    func mirror(
        of id: String,
        resumeAfter: Int64,
        remainingRetention: Duration?
    ) async throws(SSEGenerationError) -> Mirror? {
        guard let (generation, _) = local.register(id) else {
            throw .shutDown
        }
        let (mirror, isNew) = registry.withLock { registry in
            if let mirror = registry.mirrors[id], mirror.generation === generation {
                return (mirror, false)
            }
            let mirror = Mirror(
                generation: generation,
                audience: Self.audience(of: id),
                endAudience: Self.endAudience(of: id),
                resumeAfter: resumeAfter
            )
            registry.mirrors[id] = mirror
            return (mirror, true)
        }
        guard isNew else {
            return try await loaded(mirror)
        }
        let loading = await racing(configuration.timeout) { [events] in
            try await mirror.load(from: events.table)
        }
        switch loading {
        case .success(.complete(let ended)):
            if ended {
                keep(mirror, for: remainingRetention ?? configuration.limits.retention)
            }
            return mirror
        case .success(.incomplete):
            drop(mirror, outcome: .incomplete)
            return nil
        case .failure(let error):
            logger?.warning(
                "SSE could not read a generation's events",
                metadata: ["sse.generation": "\(id)", "sse.error": "\(String(reflecting: error))"]
            )
            drop(mirror, outcome: .failed)
            throw .unavailable
        }
    }

    /// `mirror` once another caller has loaded it.
    func loaded(_ mirror: Mirror) async throws(SSEGenerationError) -> Mirror? {
        _ = await pollUntil(timeout: configuration.timeout) { mirror.outcome != .loading }
        switch mirror.outcome {
        case .loaded: return mirror
        case .incomplete: return nil
        case .loading, .failed: throw .unavailable
        }
    }

    /// Forgets a copy that could not be made.
    func drop(_ mirror: Mirror, outcome: Mirror.Outcome) {
        mirror.abandon(outcome)
        // First: a copy made meanwhile is made around a new generation.
        local.forget(mirror.generation)
        registry.withLock { registry in
            if registry.mirrors[mirror.generation.id] === mirror {
                registry.mirrors[mirror.generation.id] = nil
            }
        }
    }

    /// Keeps an ended copy for `retention`, then forgets it.
    func keep(_ mirror: Mirror, for retention: Duration) {
        mirror.generation.launch {
            await self.local.keep(mirror.generation, for: retention)
            self.registry.withLock { registry in
                if registry.mirrors[mirror.generation.id] === mirror {
                    registry.mirrors[mirror.generation.id] = nil
                }
            }
        }
    }

    /// Shows the events the broadcaster delivers to the copies they are for.
    func offer(_ delivered: [StoredEvent]) {
        for stored in delivered {
            guard let audience = stored.audiences.first(where: { $0.hasPrefix(Self.audiencePrefix) }) else {
                continue
            }
            let id = String(audience.dropFirst(Self.audiencePrefix.count))
            guard let mirror = registry.withLock({ $0.mirrors[id] }) else {
                continue
            }
            if mirror.offer(stored) {
                keep(mirror, for: configuration.limits.retention)
            }
        }
    }
}
#endif
