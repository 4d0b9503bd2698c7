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
public import Logging
import NIOCore
public import PostgresNIO
public import SSEStreaming
public import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One broadcaster across many server instances, on PostgreSQL: every event published on any
/// instance reaches every subscriber on every instance, with IDs ordered across all of them, and a
/// client that reconnects to another instance, or to the same one after a restart, resumes from
/// its `Last-Event-ID` with nothing lost or repeated.
///
/// ```swift
/// let postgres = PostgresClient(configuration: postgresConfiguration)
/// let events = SSEPostgresBroadcaster(client: postgres, logger: logger)
///
/// // Serve `events.broadcaster` as any other broadcaster (here on the embedded server, SSENIO):
/// var router = SSERouter()
/// router.get("/events") { request in
///     .stream(events.broadcaster.subscribe(to: ["news"], lastEventID: request.lastEventID))
/// }
/// let server = SSEServer(configuration: .init(port: 8080), router: router)
///
/// // Publish on any instance:
/// let id = try await events.publish(ServerSentEvent(type: "headline", data: "…"), to: "news")
///
/// // Run the client, the broadcaster and the server in one service group:
/// try await ServiceGroup(services: [postgres, events, server], logger: logger).run()
/// ```
///
/// - A publish is one row in the events table and a `NOTIFY`; ``publish(_:to:coalescingKey:idempotencyKey:)-(_,String,_,_)``
///   returns once the database has committed it, with its ID. Every instance `LISTEN`s and
///   publishes what it is notified of to its own ``broadcaster``, in ID order. An event too large
///   for a notification is read from the table, never cut.
/// - A subscriber whose `Last-Event-ID` the local broadcaster no longer has (another instance's,
///   or one from before a restart) is sent what it missed from the table, bounded by
///   ``Configuration-swift.struct/maximumReplayCount`` and the retention; an ID the table no longer
///   covers is reported in-band with `SSEBroadcaster.replayUnavailableEventType`, as always.
/// - When the listening connection is lost, open streams go on; it is made again with backoff,
///   and what was published meanwhile is read from the table, without gaps or duplicates.
///   Publishing while the database is away fails after ``Configuration-swift.struct/publishTimeout``
///   with ``SSEPostgresError``; nothing is dropped silently.
///
/// See <doc:Deployment>.
public final class SSEPostgresBroadcaster: Service, Sendable {
    /// The local broadcaster: subscribe to it (directly, through a server's helpers or long
    /// polling), but publish through ``publish(_:to:coalescingKey:idempotencyKey:)-(_,String,_,_)``, which reaches every instance.
    public let broadcaster: SSEBroadcaster

    /// The configuration it was made with.
    public let configuration: Configuration

    let table: Table
    private let logger: Logger?
    let progress: Progress
    /// Where delivered events are shown to the generations on this broadcaster, if any.
    let generationTap = Mutex<GenerationTap?>(nil)

    /// A closure in a struct: a closure kept in a `Mutex` directly is re-wrapped in two
    /// reabstraction thunks each time `withLock` hands it out, so every call would cost more.
    struct GenerationTap: Sendable {
        let deliver: @Sendable ([StoredEvent]) -> Void
    }
    let writer: Writer

    /// Creates a broadcaster on a PostgreSQL client, which must be running (in the same service
    /// group, say) for as long as this one is.
    ///
    /// - Parameters:
    ///   - client: The database. The broadcaster holds one of its connections for listening,
    ///     and uses up to two more at a time for writes, replays and retention.
    ///   - configuration: The table, limits and timings.
    ///   - logger: Where lost connections, reconnections, catch-ups and retention are logged;
    ///     `nil` for nowhere.
    public init(client: PostgresClient, configuration: Configuration = Configuration(), logger: Logger? = nil) {
        precondition(
            configuration.hasValidTableName,
            "tableName must be lowercase letters, digits and underscores, starting with a letter, at most 50 characters"
        )
        precondition(configuration.maximumBatchCount > 0, "maximumBatchCount must be positive")
        self.configuration = configuration
        self.logger = logger
        table = Table(client: client, name: configuration.tableName, logger: logger)
        progress = Progress()
        writer = Writer(table: table, progress: progress, configuration: configuration)
        var local = configuration.broadcaster
        local.idPrefix = ""
        local.replayStore = TableReplay(table: table, progress: progress, configuration: configuration, logger: logger)
        broadcaster = SSEBroadcaster(configuration: local)
    }

    // MARK: Running

    /// Creates or checks the tables, then listens for events until cancelled or a graceful
    /// shutdown, making the connection again with backoff whenever it is lost, and deletes old
    /// events every ``Configuration-swift.struct/retentionInterval``. Publishes wait until it
    /// has started (up to their timeout). The local broadcaster is not shut down when it
    /// ends: the server that serves it does that.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.runUntilCancelled()
        }
    }

    private func runUntilCancelled() async {
        var delay = configuration.initialReconnectDelay
        while !Task.isCancelled {
            do {
                try await table.migrate()
                let (last, _, epoch) = try await table.positions()
                // A new instance starts live; what came before is the table's, for replays.
                progress.start(at: last, epoch: epoch)
                break
            } catch {
                logger?.error(
                    "SSE could not prepare the events table",
                    metadata: ["sse.error": "\(String(reflecting: error))"]
                )
                delay = await backOff(delay)
            }
        }
        guard !Task.isCancelled else {
            return
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.listen() }
            group.addTask { await self.prune() }
            group.addTask { await self.writer.run() }
        }
        writer.close()
    }

    /// Listens on one of the client's connections: after each `LISTEN`, reads from the table
    /// what came since the last event delivered, then delivers each notification as it comes.
    private func listen() async {
        var delay = configuration.initialReconnectDelay
        while !Task.isCancelled {
            let started = ContinuousClock.now
            do {
                try await table.client.withConnection { connection in
                    try await connection.listen(on: self.table.name) { notifications in
                        try await self.catchUp(through: nil)
                        self.progress.setListening(true)
                        self.logger?.debug("SSE is listening for events", metadata: ["sse.table": "\(self.table.name)"])
                        for try await notification in notifications {
                            try await self.handle(notification.payload)
                        }
                    }
                }
            } catch {
                if Task.isCancelled {
                    break
                }
                logger?.warning(
                    "SSE lost its listening connection; reconnecting",
                    metadata: ["sse.error": "\(String(reflecting: error))"]
                )
            }
            progress.setListening(false)
            if ContinuousClock.now - started > .seconds(30) {
                delay = configuration.initialReconnectDelay
            }
            delay = await backOff(delay)
        }
    }

    /// Delivers one notification's events, reading them from the table when they were not in
    /// it, or when some came before them that this instance has not seen.
    private func handle(_ payload: String) async throws {
        guard let decoded = NotificationPayload.decode(payload) else {
            logger?.warning("SSE ignored a notification it cannot read", metadata: ["sse.table": "\(table.name)"])
            return
        }
        guard decoded.epoch == progress.epoch else {
            // The table was truncated or made anew: its history starts again.
            try await catchUp(through: decoded.ids.upperBound)
            return
        }
        let delivered = progress.delivered
        guard decoded.ids.upperBound > delivered else {
            return
        }
        guard let events = decoded.events, decoded.ids.lowerBound <= delivered + 1 else {
            try await catchUp(through: decoded.ids.upperBound)
            return
        }
        deliver(events.filter { $0.id > delivered })
    }

    /// Reads and delivers what the table has after the last event delivered (through `last`).
    /// When the table's epoch is not the one this instance delivered in (it was truncated, or
    /// dropped and made again, while this instance was not listening), its history starts again
    /// after what it no longer has.
    private func catchUp(through last: Int64?) async throws {
        let positions = try await table.positions()
        if positions.epoch != progress.epoch {
            logger?.warning(
                "SSE found the events table started anew (truncated or recreated): a new epoch",
                metadata: ["sse.table": "\(table.name)", "sse.epoch": "\(positions.epoch)"]
            )
            progress.restart(epoch: positions.epoch, after: positions.prunedThrough)
        }
        while true {
            let delivered = progress.delivered
            let events = try await table.events(after: delivered, through: last, limit: 1000)
            if events.isEmpty {
                if let last {
                    // IDs taken by a write that was rolled back: nothing to wait for.
                    progress.advance(to: last)
                }
                return
            }
            deliver(events)
            if events.count < 1000 {
                if let last {
                    progress.advance(to: last)
                }
                return
            }
        }
    }

    /// Publishes a write's events to the local broadcaster at once: each waiting subscriber is
    /// woken once for all of them.
    private func deliver(_ events: [StoredEvent]) {
        guard let last = events.last else {
            return
        }
        let tap = generationTap.withLock { $0 }
        // A generation's events go to its copies alone, not into the local log.
        let local = tap == nil ? events : events.filter { !SSEPostgresGenerations.isGenerationEvent($0) }
        // The delivery latency counts from the write on the database, whichever instance made it.
        let now = Self.wallClockMicroseconds()
        // The publisher's trace context, read back when this instance traces.
        let extract = configuration.broadcaster.tracing?.extract
        let ids = broadcaster.publish(
            local.map { stored in
                SSEBroadcaster.Publication(
                    event: stored.event,
                    topics: stored.topics,
                    subscriberIDs: stored.subscriberIDs,
                    coalescingKey: stored.coalescingKey,
                    age: stored.writtenAt.map { .microseconds(now - $0) } ?? .zero,
                    context: extract.flatMap { extract in stored.trace.flatMap(extract) }
                )
            }
        )
        for (stored, id) in zip(local, ids) where id == nil {
            // It was encoded when it was published; a row changed by hand may not be.
            logger?.warning("SSE skipped an event it cannot encode", metadata: ["sse.id": "\(stored.id)"])
        }
        progress.advance(to: last.id)
        tap?.deliver(events)
    }

    /// Microseconds since 1970, on this machine's clock (compared with the database's `now()`).
    static func wallClockMicroseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1_000
    }

    /// Deletes old events every retention interval.
    private func prune() async {
        while (try? await Task.sleep(for: configuration.retentionInterval)) != nil {
            do {
                let deleted = try await table.prune(
                    age: configuration.retentionAge,
                    count: configuration.retentionCount
                )
                try await table.pruneIdempotencyKeys(age: configuration.retentionAge)
                if deleted > 0 {
                    logger?.debug("SSE deleted old events", metadata: ["sse.deleted": "\(deleted)"])
                }
            } catch {
                logger?.warning(
                    "SSE could not delete old events",
                    metadata: ["sse.error": "\(String(reflecting: error))"]
                )
            }
        }
    }

    /// Sleeps for about `delay` (with jitter) and returns the next delay.
    private func backOff(_ delay: Duration) async -> Duration {
        let jitter = Double.random(in: 0.8...1.2)
        try? await Task.sleep(for: delay * jitter)
        return min(delay * 2, configuration.maximumReconnectDelay)
    }

    /// The newest ID this instance has delivered to its local broadcaster.
    public var deliveredThroughID: String? {
        let (delivered, epoch) = progress.position
        return delivered > 0 ? StoredID(epoch: epoch, number: delivered).description : nil
    }

    /// Whether the listening connection is up (events published elsewhere arrive live).
    public var isListening: Bool {
        progress.isListening
    }
}

/// How far an instance has delivered, shared by the listener, the writer and the replay store.
final class Progress: Sendable {
    private struct State {
        var delivered: Int64 = 0
        /// The table's epoch this instance delivers in.
        var epoch = ""
        var started = false
        var listening = false
    }

    private let state = Mutex(State())

    var delivered: Int64 { state.withLock { $0.delivered } }
    var epoch: String { state.withLock { $0.epoch } }
    var position: (delivered: Int64, epoch: String) { state.withLock { ($0.delivered, $0.epoch) } }
    var isStarted: Bool { state.withLock { $0.started } }
    var isListening: Bool { state.withLock { $0.listening } }

    func start(at id: Int64, epoch: String) {
        state.withLock { state in
            state.delivered = max(state.delivered, id)
            state.epoch = epoch
            state.started = true
        }
    }

    /// The table's history started again (`epoch`): deliver what it has after `id`.
    func restart(epoch: String, after id: Int64) {
        state.withLock { state in
            state.epoch = epoch
            state.delivered = id
        }
    }

    func advance(to id: Int64) {
        state.withLock { $0.delivered = max($0.delivered, id) }
    }

    func setListening(_ listening: Bool) {
        state.withLock { $0.listening = listening }
    }

    /// Waits until `id` was delivered, or `timeout` passed; returns whether it was.
    func wait(until id: Int64, timeout: Duration) async -> Bool {
        await wait(timeout: timeout) { $0.delivered >= id }
    }

    /// Waits until the broadcaster has started (its tables exist), or `timeout` passed.
    func waitUntilStarted(timeout: Duration) async -> Bool {
        await wait(timeout: timeout) { $0.started }
    }

    private func wait(timeout: Duration, until condition: (State) -> Bool) async -> Bool {
        await pollUntil(timeout: timeout) { state.withLock { condition($0) } }
    }
}
#endif
