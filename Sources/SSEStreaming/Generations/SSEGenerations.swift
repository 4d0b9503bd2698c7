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

public import SSECodec
import Synchronization

/// Generations that outlive their connections: an AI answer (or any stream of events a producer
/// makes) runs on its own under an ID, keeps its events, and serves any number of clients that
/// attach from the start or resume from their `Last-Event-ID`, while it runs and for a while after.
///
/// ```swift
/// let generations = SSEGenerations()
///
/// // Starts the answer, or joins it if it runs already (a second tab, a refresh, a retry).
/// try generations.start(answerID) { writer in
///     for try await token in model.tokens(for: prompt) {
///         try writer.publish(ServerSentEvent(type: "token", data: token))
///     }
/// }
/// // Any connection, now or later: the events after its last event ID, then the end.
/// let subscription = generations.subscribe(to: answerID, lastEventID: lastEventID)  // nil: 204
/// generations.stop(answerID)  // the Stop button: the producer is cancelled
/// ```
///
/// - Every event gets an ID `<generation>:<n>`, in order; a client that reconnects with one gets
///   exactly what came after it, and ``generationID(of:)`` finds the generation from it.
/// - A generation ends with an event of type ``endEventType`` (data `{"reason":"completed"}`; see
///   ``EndReason``), after which every stream of it ends. A client that asks again after the end
///   event, or for a generation that is unknown or past its retention, gets `nil`: a server answers
///   `204`, which tells an `EventSource` to stop for good.
/// - A start under an ID that is running or kept joins it: one producer per ID (one model call,
///   one bill), however many times a page asks.
/// - Bounded: concurrent generations, duration, events and bytes per generation, retention, and
///   the generations kept (``Configuration``).
///
/// See <doc:ResumableGenerations>.
public final class SSEGenerations: Sendable {
    /// The type of the event that ends every generation. Its data is `{"reason":"…"}` with one of
    /// ``EndReason``'s values, and `"message"` for ``EndReason/failed``; it has an ID, so a client
    /// that has it and asks again is told there is nothing more (`nil`, a server's `204`).
    ///
    /// Not `error`: an event of that type reaches an `EventSource`'s `onerror` handler, which
    /// pages use for connection errors.
    public static let endEventType = "sse-generation-end"

    /// The limits.
    public let configuration: Configuration

    private struct Registry {
        var generations: [String: Generation] = [:]
        /// Producers still running, stopped or not.
        var running = 0
        /// The generations kept after their end, oldest first; an entry whose generation has
        /// expired meanwhile is skipped. Identities, not references: nothing is kept alive here.
        var ended = Ring<(id: String, generation: ObjectIdentifier)>()
        var isShutDown = false
    }

    private let registry = Mutex(Registry())
    private let makeGeneration: @Sendable (String) -> Generation
    private let sleep: @Sendable (Duration) async throws -> Void

    /// Creates generations timed by `clock` (durations, retention, heartbeats).
    ///
    /// - Parameters:
    ///   - configuration: The limits.
    ///   - clock: The clock.
    public init<C: Clock>(configuration: Configuration = Configuration(), clock: C) where C.Duration == Duration {
        precondition(configuration.maximumEvents > 0 && configuration.maximumBytes > 0, "limits must be positive")
        precondition(configuration.maximumRunningGenerations > 0, "maximumRunningGenerations must be positive")
        self.configuration = configuration
        makeGeneration = { Generation(id: $0, configuration: configuration, clock: clock) }
        sleep = { try await clock.sleep(for: $0) }
    }

    /// Creates generations on the continuous clock.
    ///
    /// - Parameter configuration: The limits.
    public convenience init(configuration: Configuration = Configuration()) {
        self.init(configuration: configuration, clock: ContinuousClock())
    }

    // MARK: Starting

    /// Starts a generation whose producer publishes through a ``Writer``, or joins the one that
    /// runs (or is kept) under `id`.
    ///
    /// The producer runs in a task of its own, whatever happens to the connection that started it.
    /// It is cancelled by ``stop(_:)``, a limit, or ``shutDown(finalEvent:)``; then
    /// ``Writer/publish(_:)`` throws ``SSEGenerationError/ended``. When it returns the generation
    /// ends with ``EndReason/completed``, when it throws with ``EndReason/failed``.
    ///
    /// - Parameters:
    ///   - id: The generation's ID: 1 to 200 bytes without CR, LF or NULL. Clients see it in every
    ///     event ID, and may hold one long after the generation is gone: never reuse an ID (a
    ///     random one, or your database's ID of the answer).
    ///   - producer: Makes the events.
    /// - Returns: Whether it started (`false`: it joined, and `producer` is not called).
    /// - Throws: ``SSEGenerationError/tooManyGenerations``, ``SSEGenerationError/invalidID``,
    ///   ``SSEGenerationError/shutDown``; nothing is started then.
    @discardableResult
    public func start(
        _ id: String,
        producer: @escaping @Sendable (Writer) async throws -> Void
    ) throws(SSEGenerationError) -> Bool {
        guard Self.isValidID(id) else {
            throw .invalidID
        }
        let limit = configuration.maximumRunningGenerations
        let started = registry.withLock { registry -> Result<Generation?, SSEGenerationError> in
            guard !registry.isShutDown else {
                return .failure(.shutDown)
            }
            guard registry.generations[id] == nil else {
                return .success(nil)
            }
            guard registry.running < limit else {
                return .failure(.tooManyGenerations)
            }
            let generation = makeGeneration(id)
            registry.generations[id] = generation
            registry.running += 1
            return .success(generation)
        }
        guard let generation = try started.get() else {
            return false
        }
        generation.launch { await self.run(generation, producer) }
        return true
    }

    /// Starts a generation of the events of a sequence (model tokens as events), or joins the one
    /// under `id`; see ``start(_:producer:)``. Each event gets the generation's next ID (its own
    /// `id` is not used).
    ///
    /// - Parameters:
    ///   - id: The generation's ID.
    ///   - events: The events; the generation ends when the sequence does.
    /// - Returns: Whether it started.
    /// - Throws: As ``start(_:producer:)``.
    @discardableResult
    public func start<Events: AsyncSequence & Sendable>(
        _ id: String,
        events: Events
    ) throws(SSEGenerationError) -> Bool where Events.Element == ServerSentEvent {
        try start(id) { writer in
            for try await event in events {
                try writer.publish(event)
            }
        }
    }

    /// Whether `id` can name a generation: 1 to 200 bytes without CR, LF or NULL.
    package static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 200 && !id.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 })
    }

    /// What a generation's keeper task does: runs the producer in a task of its own, raced against
    /// the maximum duration; ends the generation; keeps it for its retention, then forgets it.
    private func run(_ generation: Generation, _ producer: @escaping @Sendable (Writer) async throws -> Void) async {
        let writer = Writer(generation: generation)
        if let task = generation.startProducer({ try await producer(writer) }) {
            let maximumDuration = configuration.maximumDuration
            let sleep = self.sleep
            let timer = Task {
                if (try? await sleep(maximumDuration)) != nil {
                    generation.end(.timedOut, cancel: true)
                }
            }
            // The end goes out as soon as the generation is over (a stop, a limit, the timer end it
            // at once); a producer that ignores its cancellation still counts as running until it
            // returns.
            switch await task.result {
            case .success:
                generation.end(.completed, cancel: false)
            case .failure(let error) where !generation.hasEnded:
                // Asked only for a failure that ends the generation, outside its lock.
                generation.end(.failed, message: configuration.failureMessage(error), cancel: false)
            case .failure:
                break
            }
            timer.cancel()
        }
        registry.withLock { $0.running -= 1 }
        await keep(generation, for: configuration.retention)
    }

    /// Keeps an ended generation for `retention` (among the ``Configuration/maximumRetainedGenerations``
    /// kept, the oldest evicted first), then forgets it. Returns at once if it is not registered
    /// (any more).
    package func keep(_ generation: Generation, for retention: Duration) async {
        let evicted = registry.withLock { registry -> [Generation]? in
            guard registry.generations[generation.id] === generation else {
                return nil
            }
            registry.ended.append((generation.id, ObjectIdentifier(generation)))
            var evicted: [Generation] = []
            while registry.ended.count > configuration.maximumRetainedGenerations,
                let oldest = registry.ended.popFirst()
            {
                if let kept = registry.generations[oldest.id], ObjectIdentifier(kept) == oldest.generation {
                    registry.generations[oldest.id] = nil
                    evicted.append(kept)
                }
            }
            return evicted
        }
        guard let evicted else {
            return
        }
        for generation in evicted {
            generation.shutDown(finalEvent: nil)
        }
        guard (try? await sleep(retention)) != nil else {
            return
        }
        let expired = registry.withLock { registry in
            guard registry.generations[generation.id] === generation else {
                return false
            }
            registry.generations[generation.id] = nil
            return true
        }
        if expired {
            generation.shutDown(finalEvent: nil)
        }
    }

    /// The generation registered under `id`, or a new one registered without a producer (an
    /// instance's copy of a generation that runs elsewhere, fed by its owner through a database);
    /// `nil` after ``shutDown(finalEvent:)``. It does not count as running.
    package func register(_ id: String) -> (generation: Generation, isNew: Bool)? {
        registry.withLock { registry in
            guard !registry.isShutDown else {
                return nil
            }
            if let generation = registry.generations[id] {
                return (generation, false)
            }
            let generation = makeGeneration(id)
            registry.generations[id] = generation
            return (generation, true)
        }
    }

    /// Forgets `generation` at once (an instance's copy that could not be made), unless another
    /// has taken its place; its streams end without an end event.
    package func forget(_ generation: Generation) {
        let forgotten = registry.withLock { registry in
            guard registry.generations[generation.id] === generation else {
                return false
            }
            registry.generations[generation.id] = nil
            return true
        }
        if forgotten {
            generation.shutDown(finalEvent: nil)
        }
    }

    // MARK: Attaching

    /// A stream of the generation `id` after `lastEventID`: the events it has published since (all
    /// of them for a `nil` ID or one of another generation), then its live events, then its end.
    ///
    /// Serve it as any broadcaster subscription (`SSEResponse.stream(_:)`, `SSEStream`): it has
    /// heartbeats, and a client that falls too far behind is disconnected and resumes from its
    /// last event ID without loss.
    ///
    /// - Parameters:
    ///   - id: The generation's ID.
    ///   - lastEventID: The client's `Last-Event-ID`, if any.
    /// - Returns: The stream; `nil` when the generation is unknown, past its retention, or the
    ///   client has its end event already: a server answers `204` (an `EventSource` stops).
    public func subscribe(to id: String, lastEventID: String? = nil) -> SSEBroadcaster.Subscription? {
        registry.withLock { $0.generations[id] }?.subscribe(lastEventID: lastEventID)
    }

    /// The generation ID in an event ID of a generation (`<generation>:<n>`): a client that only
    /// sends its `Last-Event-ID` can be given the rest of its generation.
    ///
    /// - Parameter eventID: An event ID, such as the `Last-Event-ID` header.
    /// - Returns: The generation's ID, or `nil` when `eventID` is not an ID of a generation.
    public static func generationID(of eventID: String) -> String? {
        guard let colon = eventID.utf8.lastIndex(of: UInt8(ascii: ":")),
            colon != eventID.utf8.startIndex,
            !eventID.utf8[eventID.utf8.index(after: colon)...].isEmpty,
            eventID.utf8[eventID.utf8.index(after: colon)...].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else {
            return nil
        }
        return String(eventID[..<colon])
    }

    // MARK: Stopping

    /// Stops a running generation: its producer is cancelled (a model request with it, so the
    /// rest is neither generated nor paid for), and its streams end with the end event,
    /// ``EndReason/stopped``.
    ///
    /// - Parameter id: The generation's ID.
    /// - Returns: Whether it was running (`false`: unknown, or ended already).
    @discardableResult
    public func stop(_ id: String) -> Bool {
        registry.withLock { $0.generations[id] }?.end(.stopped, cancel: true) ?? false
    }

    /// Where the generation `id` is; `nil` when it is unknown or past its retention.
    public func status(of id: String) -> Status? {
        registry.withLock { $0.generations[id] }?.status
    }

    /// How many producers are running (stopped ones count until they return).
    public var runningCount: Int {
        registry.withLock { $0.running }
    }

    /// Ends everything, for a server that stops: every stream gets `finalEvent` (not logged) and
    /// ends, every producer is cancelled, and nothing starts any more.
    ///
    /// - Parameter finalEvent: An event for every client before the end, such as a notice that
    ///   the server is restarting.
    /// - Throws: `SSEEncodingError` if `finalEvent` cannot be encoded; nothing is done then.
    public func shutDown(finalEvent: ServerSentEvent? = nil) throws(SSEEncodingError) {
        if let finalEvent {
            _ = try SSEEncoder().encode(finalEvent)
        }
        let generations = registry.withLock { registry in
            registry.isShutDown = true
            return Array(registry.generations.values)
        }
        for generation in generations {
            generation.shutDown(finalEvent: finalEvent)
        }
    }
}

extension SSEGenerations {
    /// What a producer publishes through: each event goes to every client of the generation, and
    /// is kept for those that come later.
    public struct Writer: Sendable {
        let generation: Generation

        /// The generation's ID.
        public var generationID: String { generation.id }

        /// Publishes an event under the generation's next ID (its own `id` is not used).
        ///
        /// - Parameter event: The event.
        /// - Returns: Its ID, `<generation>:<n>`.
        /// - Throws: ``SSEGenerationError/ended`` once the generation is over (stopped, past a
        ///   limit, shut down): the producer should return. ``SSEGenerationError/unencodable``
        ///   for an event that cannot be encoded; the generation goes on.
        @discardableResult
        public func publish(_ event: ServerSentEvent) throws(SSEGenerationError) -> String {
            try generation.publish(event)
        }
    }
}
