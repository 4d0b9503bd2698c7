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
import Foundation
public import Logging
import PostgresNIO
public import SSECodec
public import SSEStreaming
public import ServiceLifecycle
import Synchronization

/// Resumable generations across server instances, on PostgreSQL: an AI answer runs on one
/// instance, and a page that reconnects to any instance (a refresh behind a load balancer,
/// another tab, a deploy) resumes it there from its `Last-Event-ID`.
///
/// ```swift
/// let events = SSEPostgresBroadcaster(client: postgres, logger: logger)
/// let generations = SSEPostgresGenerations(events: events, logger: logger)
///
/// // On any instance: starts the answer, or joins it wherever it runs.
/// try await generations.start(answerID) { writer in
///     for try await token in model.tokens(for: prompt) {
///         try await writer.publish(ServerSentEvent(type: "token", data: token))
///     }
/// }
/// // On any instance, now or later: the events after the client's last event ID, then the end.
/// let subscription = try await generations.subscribe(to: answerID, lastEventID: lastEventID)  // nil: 204
/// try await generations.stop(answerID)  // from any instance: the producer is cancelled where it runs
///
/// try await ServiceGroup(services: [postgres, events, generations, server], logger: logger).run()
/// ```
///
/// It works as `SSEGenerations` (the same IDs `<generation>:<n>`, end event, `nil` for `204`,
/// limits), with what many instances need:
/// - **One producer across instances.** A start claims the ID in a table of its own (a row per
///   generation, next to the events table): of concurrent starts on any instances exactly one
///   runs the producer; the others join it (`false`).
/// - **Events through the database.** The producer's events are published through `events` (one
///   commit each, with an idempotency key, so a retried write is kept once), to a topic of the
///   generation's own, `sse-generation:<id>`. Every instance with a client of the generation
///   keeps a copy of it, numbered alike, read from the table from the generation's start and fed
///   live; a client resumes anywhere with the ID it has.
/// - **Stops from anywhere.** ``stop(_:)`` on any instance ends the generation in the table
///   (one transaction writes the end and its event); the instance that runs the producer cancels
///   it when the end event reaches it.
/// - **An instance that dies.** The owner renews a lease on its generations every third of
///   ``Configuration-swift.struct/lease``; when it lapses (the instance was killed, or lost the
///   database), any instance ends the generation with `SSEGenerations.EndReason/interrupted`,
///   and every attached client gets that end instead of waiting for ever. The producer is not
///   started again: a model call cannot be resumed halfway, and a second one would answer
///   differently; the page may offer to ask again. An instance that shuts down gracefully ends its
///   own generations so at once.
///
/// Give every instance the same configuration. Keep the events table's retention
/// (`SSEPostgresBroadcaster.Configuration.retentionAge`, `retentionCount`) longer than a
/// generation runs and is kept: a copy is made only from a generation's whole history, and a
/// generation whose start was deleted is unknown (`nil`).
///
/// See <doc:GenerationsAcrossInstances>.
public final class SSEPostgresGenerations: Service, Sendable {
    /// The broadcaster the generations' events go through.
    public let events: SSEPostgresBroadcaster

    /// The configuration it was made with.
    public let configuration: Configuration

    /// The copies of the generations this instance serves, and their retention.
    let local: SSEGenerations
    let table: GenerationsTable
    /// This instance's name in the table, as the owner of the generations it runs.
    let owner = UUID().uuidString
    let logger: Logger?

    struct Registry {
        var mirrors: [String: Mirror] = [:]
        /// The generations whose producer runs here (their leases are renewed).
        var owned: Set<String> = []
        /// Producers running here, and starts that are claiming an ID.
        var running = 0
        /// The table exists.
        var isReady = false
        var isShutDown = false
    }

    let registry = Mutex(Registry())

    /// The topic of a generation's events on the broadcaster: `sse-generation:` and its ID.
    static let topicPrefix = "sse-generation:"
    /// A second topic of its end event alone (a producer's event of the end event's type is not
    /// an end): `sse-generation-end:` and its ID.
    static let endTopicPrefix = "sse-generation-end:"
    static let audiencePrefix = StoredEvent.topicPrefix + topicPrefix
    private static let endAudiencePrefix = StoredEvent.topicPrefix + endTopicPrefix

    static func audience(of id: String) -> String { audiencePrefix + id }
    static func endAudience(of id: String) -> String { endAudiencePrefix + id }

    /// Whether an event of the table is a generation's (the local broadcaster does not take
    /// those).
    static func isGenerationEvent(_ event: StoredEvent) -> Bool {
        event.audiences.allSatisfy { $0.hasPrefix(audiencePrefix) || $0.hasPrefix(endAudiencePrefix) }
    }

    /// Creates the generations of a broadcaster (one set per broadcaster).
    ///
    /// - Parameters:
    ///   - events: The broadcaster, which must run (in the same service group, say) for as long
    ///     as this does.
    ///   - configuration: The limits, the lease and the wait for the database.
    ///   - logger: Where failures to reach the database and interrupted generations are logged;
    ///     `nil` for nowhere.
    public init(events: SSEPostgresBroadcaster, configuration: Configuration = Configuration(), logger: Logger? = nil) {
        precondition(configuration.lease >= .milliseconds(300), "lease must be at least 300 ms")
        self.events = events
        self.configuration = configuration
        self.logger = logger
        local = SSEGenerations(configuration: configuration.limits)
        table = GenerationsTable(events: events.table)
        events.generationTap.withLock { tap in
            precondition(tap == nil, "a broadcaster has one SSEPostgresGenerations")
            tap = SSEPostgresBroadcaster.GenerationTap { [weak self] in self?.offer($0) }
        }
    }

    // MARK: Starting

    /// Starts a generation whose producer publishes through a ``Writer``, or joins the one that
    /// runs (or is kept) under `id` on any instance.
    ///
    /// The producer runs on this instance, in a task of its own; it is cancelled by a
    /// ``stop(_:)`` on any instance, a limit, or a shutdown. When it returns the generation ends
    /// with `completed`, when it throws with `failed`.
    ///
    /// - Parameters:
    ///   - id: The generation's ID: 1 to 200 bytes without CR, LF, NULL or U+001F. Never reuse
    ///     one (see `SSEGenerations.start(_:producer:)`).
    ///   - producer: Makes the events.
    /// - Returns: Whether it started here (`false`: it joined, and `producer` is not called).
    /// - Throws: `SSEGenerationError.tooManyGenerations` (this instance runs
    ///   `maximumRunningGenerations`, and the generation does not exist),
    ///   `SSEGenerationError.invalidID`, `SSEGenerationError.shutDown`,
    ///   `SSEGenerationError.unavailable` (the database did not answer within
    ///   ``Configuration-swift.struct/timeout``). After `unavailable` the generation may exist
    ///   all the same, without a producer: it then ends with `interrupted` (at once, or when its
    ///   lease lapses), and a start under the same ID joins it. Try again under a new ID.
    @discardableResult
    public func start(
        _ id: String,
        producer: @escaping @Sendable (Writer) async throws -> Void
    ) async throws(SSEGenerationError) -> Bool {
        guard SSEGenerations.isValidID(id), !id.utf8.contains(0x1F) else {
            throw .invalidID
        }
        enum Admission {
            case admitted, runsHere, atLimit
        }
        let limit = configuration.limits.maximumRunningGenerations
        let admission = try registry.withLock { registry throws(SSEGenerationError) -> Admission in
            guard !registry.isShutDown else {
                throw .shutDown
            }
            guard !registry.owned.contains(id) else {
                return .runsHere
            }
            guard registry.running < limit else {
                return .atLimit
            }
            registry.running += 1
            registry.owned.insert(id)
            return .admitted
        }
        switch admission {
        case .runsHere:
            return false
        case .atLimit:
            // A start of a generation that exists joins it, at the limit or not.
            guard try await mirror(of: id) != nil else {
                throw .tooManyGenerations
            }
            return false
        case .admitted:
            break
        }
        var claimed = false
        do throws(SSEGenerationError) {
            try await waitUntilReady()
            let claim = await racing(configuration.timeout) { [table, owner, configuration] in
                try await table.claim(id, owner: owner, lease: configuration.lease)
            }
            guard case .success(let resumeAfter) = claim else {
                // The claim may commit all the same.
                claimed = true
                throw .unavailable
            }
            guard let resumeAfter else {
                release(id)
                return false
            }
            claimed = true
            // A client here may have made the copy already (it found the row just written).
            guard let mirror = try await self.mirror(of: id, resumeAfter: resumeAfter, remainingRetention: nil) else {
                throw .unavailable
            }
            let owned = Owned(resumeAfter: resumeAfter)
            Task { await self.run(mirror, owned, producer) }
            return true
        } catch {
            logger?.warning(
                "SSE could not start a generation",
                metadata: ["sse.generation": "\(id)", "sse.error": "\(error)"]
            )
            if claimed {
                // No producer runs: its clients, anywhere, get an end rather than wait.
                await end(id, .interrupted)
            }
            release(id)
            throw error
        }
    }

    /// Starts a generation of the events of a sequence, or joins the one under `id`; see
    /// ``start(_:producer:)``.
    ///
    /// - Parameters:
    ///   - id: The generation's ID.
    ///   - events: The events; the generation ends when the sequence does.
    /// - Returns: Whether it started here.
    /// - Throws: As ``start(_:producer:)``.
    @discardableResult
    public func start<Events: AsyncSequence & Sendable>(
        _ id: String,
        events: Events
    ) async throws(SSEGenerationError) -> Bool where Events.Element == ServerSentEvent {
        try await start(id) { writer in
            for try await event in events {
                try await writer.publish(event)
            }
        }
    }

    /// Runs a producer on this instance, raced against the maximum duration, and ends the
    /// generation in the table when it returns, unless an end came first.
    private func run(
        _ mirror: Mirror,
        _ owned: Owned,
        _ producer: @escaping @Sendable (Writer) async throws -> Void
    ) async {
        let id = mirror.generation.id
        let writer = Writer(generations: self, mirror: mirror, owned: owned)
        if let task = mirror.generation.startProducer({ try await producer(writer) }) {
            let maximumDuration = configuration.limits.maximumDuration
            let timer = Task {
                if (try? await Task.sleep(for: maximumDuration)) != nil {
                    owned.plan(.timedOut)
                    mirror.generation.cancelProducer()
                    await self.end(id, .timedOut)
                }
            }
            let result = await task.result
            timer.cancel()
            await finish(mirror, owned) {
                switch result {
                case .success: (.completed, nil)
                case .failure(let error): (.failed, self.configuration.limits.failureMessage(error))
                }
            }
        } else {
            // Shut down (or ended) before the producer could start.
            await finish(mirror, owned) { (.interrupted, nil) }
        }
        release(id)
    }

    /// Writes the generation's end, unless one came first: a limit's, or `interrupted` after a
    /// shutdown, or else `outcome`'s. A write the database does not take is tried again (its
    /// lease renewed meanwhile), and given up once this instance shuts down: then the lease
    /// lapses, and another instance ends it.
    private func finish(
        _ mirror: Mirror,
        _ owned: Owned,
        outcome: () -> (SSEGenerations.EndReason, String?)
    ) async {
        let id = mirror.generation.id
        var delay = Duration.milliseconds(100)
        while !mirror.hasEndEvent {
            let isShutDown = registry.withLock { $0.isShutDown }
            let (reason, message) = isShutDown ? (.interrupted, nil) : owned.plannedEnd.map { ($0, nil) } ?? outcome()
            guard await end(id, reason, message: message) == nil, !isShutDown else {
                return
            }
            try? await Task.sleep(for: delay * Double.random(in: 0.8...1.2))
            delay = min(delay * 2, .seconds(5))
        }
    }

    /// Forgets a producer that runs no more (or never started) here.
    private func release(_ id: String) {
        registry.withLock { registry in
            registry.running -= 1
            registry.owned.remove(id)
        }
    }

    // MARK: Stopping

    /// Stops a running generation, on whichever instance runs it: it ends with `stopped` for
    /// every client on every instance, and its producer is cancelled when the end reaches its
    /// instance (a notification away).
    ///
    /// - Parameter id: The generation's ID.
    /// - Returns: Whether it was running (`false`: unknown, or ended already).
    /// - Throws: `SSEGenerationError.unavailable` when the database did not answer in time: the
    ///   stop may have been written all the same (a repeat then answers `false`).
    @discardableResult
    public func stop(_ id: String) async throws(SSEGenerationError) -> Bool {
        try await waitUntilReady()
        guard let stopped = await end(id, .stopped) else {
            throw .unavailable
        }
        return stopped
    }

    /// Ends the generation `id` in the table, and publishes its end event in the same
    /// transaction, unless it has ended. Whether this call ended it; `nil` when the database did
    /// not answer in time.
    @discardableResult
    func end(
        _ id: String,
        _ reason: SSEGenerations.EndReason,
        message: String? = nil,
        onlyIfLeaseExpired: Bool = false
    ) async -> Bool? {
        let endEvent = Generation.endEvent(reason, message: message)
        let ended = await racing(configuration.timeout) { [table, events, logger] in
            try await table.client.withTransaction(logger: logger ?? Table.silent) { connection in
                guard try await table.end(id, reason: reason, onlyIfLeaseExpired: onlyIfLeaseExpired, on: connection)
                else {
                    return false
                }
                let pending = try SSEPostgresBroadcaster.pending(
                    endEvent,
                    audiences: [Self.audience(of: id), Self.endAudience(of: id)],
                    nil
                )
                _ = try await events.publish(pending, in: connection)
                return true
            }
        }
        switch ended {
        case .success(let ended):
            return ended
        case .failure(let error):
            logger?.warning(
                "SSE could not end a generation",
                metadata: [
                    "sse.generation": "\(id)", "sse.reason": "\(reason)", "sse.error": "\(String(reflecting: error))",
                ]
            )
            return nil
        }
    }

    /// How many producers run on this instance (stopped ones count until they return).
    public var runningCount: Int {
        registry.withLock { $0.owned.count }
    }

    /// Ends this instance's part, for a server that stops: its clients get `finalEvent` and
    /// their streams end; its producers are cancelled, and their generations end with
    /// `interrupted` for the clients on other instances (``run()`` writes that, with the
    /// database still there). Nothing starts here any more.
    ///
    /// - Parameter finalEvent: An event for every client here before the end.
    /// - Throws: `SSEEncodingError` if `finalEvent` cannot be encoded; nothing is done then.
    public func shutDown(finalEvent: ServerSentEvent? = nil) throws(SSEEncodingError) {
        if let finalEvent {
            _ = try SSEEncoder().encode(finalEvent)
        }
        // Before the producers are cancelled: their generations end as interrupted.
        registry.withLock { $0.isShutDown = true }
        try local.shutDown(finalEvent: finalEvent)
    }
}
#endif
