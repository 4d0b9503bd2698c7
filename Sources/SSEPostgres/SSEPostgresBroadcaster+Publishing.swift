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
public import PostgresNIO
public import SSECodec
import SSEStreaming

extension SSEPostgresBroadcaster {
    // MARK: Publishing

    /// Publishes an event to the subscribers of a topic, on every instance.
    ///
    /// - Parameters:
    ///   - event: The event, without an ID: the database assigns it.
    ///   - topic: Its topic.
    ///   - coalescingKey: See `SSEBroadcaster.publish(_:to:coalescingKey:)`.
    ///   - idempotencyKey: Makes the publish safe to retry: a publish with a key already used
    ///     (within ``Configuration-swift.struct/retentionAge``) writes nothing and returns the first
    ///     event's ID, so an event is delivered once however often a publish whose outcome was
    ///     unknown (``SSEPostgresError/Code/timedOut``, ``SSEPostgresError/Code/writeFailed``) is
    ///     repeated. A request ID, or the ID of the row the event is about, makes a good key.
    /// - Returns: The event's ID, once the database has committed it.
    /// - Throws: ``SSEPostgresError``: for a bad event, at once; when the database does not
    ///   confirm the write in time, after ``Configuration-swift.struct/publishTimeout``.
    @discardableResult
    public func publish(
        _ event: ServerSentEvent,
        to topic: String,
        coalescingKey: String? = nil,
        idempotencyKey: String? = nil
    ) async throws(SSEPostgresError) -> String {
        try await publish(
            event,
            audiences: StoredEvent.audiences(topics: [topic], subscriberIDs: []),
            coalescingKey,
            idempotencyKey
        )
    }

    /// Publishes an event to the subscribers of several topics, on every instance; one
    /// subscribed to more than one of them receives it once.
    ///
    /// - Parameters:
    ///   - event: The event, without an ID.
    ///   - topics: Its topics, at least one.
    ///   - coalescingKey: See `SSEBroadcaster.publish(_:to:coalescingKey:)`.
    ///   - idempotencyKey: See ``publish(_:to:coalescingKey:idempotencyKey:)-(_,String,_,_)``.
    /// - Returns: The event's ID, once the database has committed it.
    /// - Throws: ``SSEPostgresError``.
    @discardableResult
    public func publish(
        _ event: ServerSentEvent,
        to topics: some Sequence<String>,
        coalescingKey: String? = nil,
        idempotencyKey: String? = nil
    ) async throws(SSEPostgresError) -> String {
        var unique: Set<String> = []
        let topics = topics.filter { unique.insert($0).inserted }
        return try await publish(
            event,
            audiences: StoredEvent.audiences(topics: topics, subscriberIDs: []),
            coalescingKey,
            idempotencyKey
        )
    }

    /// Publishes an event to the subscriptions made with a subscriber ID, on every instance.
    ///
    /// - Parameters:
    ///   - event: The event, without an ID.
    ///   - subscriberID: The subscriber ID (a user's, say).
    ///   - coalescingKey: See `SSEBroadcaster.publish(_:to:coalescingKey:)`.
    ///   - idempotencyKey: See ``publish(_:to:coalescingKey:idempotencyKey:)-(_,String,_,_)``.
    /// - Returns: The event's ID, once the database has committed it.
    /// - Throws: ``SSEPostgresError``.
    @discardableResult
    public func publish(
        _ event: ServerSentEvent,
        toSubscriber subscriberID: String,
        coalescingKey: String? = nil,
        idempotencyKey: String? = nil
    ) async throws(SSEPostgresError) -> String {
        try await publish(
            event,
            audiences: StoredEvent.audiences(topics: [], subscriberIDs: [subscriberID]),
            coalescingKey,
            idempotencyKey
        )
    }

    // MARK: Publishing in the application's transaction

    /// Publishes an event as part of the caller's open transaction: the event is written on
    /// `connection`, and every instance delivers it if, and only when, that transaction commits.
    /// Rolled back, or cut off before its commit (the process killed, the connection lost), it is
    /// never delivered.
    ///
    /// ```swift
    /// try await postgres.withTransaction(logger: logger) { connection in
    ///     try await connection.query("INSERT INTO orders (id, total) VALUES (\(id), \(total))", logger: logger)
    ///     try await events.publish(ServerSentEvent(data: "order \(id) placed"), to: "orders", in: connection)
    /// }
    /// ```
    ///
    /// The write takes the events table's ordering lock until the transaction ends, so that IDs
    /// are committed, and delivered, in order across instances: every other publish, on every
    /// instance, waits for this transaction. Publish last, just before the commit. The write waits
    /// at most ``Configuration-swift.struct/publishTimeout`` for that lock (another open
    /// transaction holding it), then fails with ``SSEPostgresError/Code/timedOut``, and the
    /// transaction is aborted, as after any failed statement: roll it back.
    ///
    /// - Parameters:
    ///   - event: The event, without an ID: the database assigns it.
    ///   - topic: Its topic.
    ///   - coalescingKey: See `SSEBroadcaster.publish(_:to:coalescingKey:)`.
    ///   - connection: A connection of the same database, in an open transaction (inside
    ///     `PostgresClient.withTransaction`, say).
    /// - Returns: The event's ID, which becomes visible with the commit.
    /// - Throws: ``SSEPostgresError``: for a bad event, at once, with nothing written; when the
    ///   write fails, with the transaction aborted.
    @discardableResult
    public func publish(
        _ event: ServerSentEvent,
        to topic: String,
        coalescingKey: String? = nil,
        in connection: PostgresConnection
    ) async throws(SSEPostgresError) -> String {
        let pending = try Self.pending(
            event,
            audiences: StoredEvent.audiences(topics: [topic], subscriberIDs: []),
            coalescingKey
        )
        return try await publish(pending, in: connection)
    }

    /// Publishes an event to the subscriptions made with a subscriber ID as part of the caller's
    /// open transaction: delivered on every instance if, and only when, the transaction commits.
    /// See ``publish(_:to:coalescingKey:in:)``.
    ///
    /// - Parameters:
    ///   - event: The event, without an ID.
    ///   - subscriberID: The subscriber ID (a user's, say).
    ///   - coalescingKey: See `SSEBroadcaster.publish(_:to:coalescingKey:)`.
    ///   - connection: A connection of the same database, in an open transaction.
    /// - Returns: The event's ID, which becomes visible with the commit.
    /// - Throws: ``SSEPostgresError``.
    @discardableResult
    public func publish(
        _ event: ServerSentEvent,
        toSubscriber subscriberID: String,
        coalescingKey: String? = nil,
        in connection: PostgresConnection
    ) async throws(SSEPostgresError) -> String {
        let pending = try Self.pending(
            event,
            audiences: StoredEvent.audiences(topics: [], subscriberIDs: [subscriberID]),
            coalescingKey
        )
        return try await publish(pending, in: connection)
    }

    func publish(
        _ pending: Writer.Pending,
        in connection: PostgresConnection
    ) async throws(SSEPostgresError)
        -> String
    {
        var pending = pending
        traced(&pending)
        do {
            return try await table.write([pending], on: connection, lockTimeout: configuration.publishTimeout)
                .description
        } catch let error as SSEPostgresError {
            throw error
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "55P03" {
            throw SSEPostgresError(.timedOut, underlying: error)
        } catch {
            throw SSEPostgresError(.writeFailed, underlying: error)
        }
    }

    func publish(
        _ event: ServerSentEvent,
        audiences: [String],
        _ coalescingKey: String?,
        _ idempotencyKey: String?
    ) async throws(SSEPostgresError) -> String {
        var pending = try Self.pending(event, audiences: audiences, coalescingKey)
        if let idempotencyKey {
            guard !idempotencyKey.isEmpty, !idempotencyKey.utf8.contains(0) else {
                throw SSEPostgresError(.invalidEvent)
            }
            pending.idempotencyKey = idempotencyKey
        }
        traced(&pending)
        return try await writer.write(pending).description
    }

    /// With a traced local broadcaster, the publish's trace context (an `sse.publish` span in the
    /// publisher's context), written down to travel with the event: every instance's deliveries
    /// link to it.
    func traced(_ pending: inout Writer.Pending) {
        guard let tracing = configuration.broadcaster.tracing, let context = tracing.publishContext() else {
            return
        }
        pending.trace = tracing.inject(context) ?? ""
    }

    /// The event as the table keeps it, once it is known to be one the table can keep.
    static func pending(
        _ event: ServerSentEvent,
        audiences: [String],
        _ coalescingKey: String?
    ) throws(SSEPostgresError) -> Writer.Pending {
        guard event.id == nil else {
            throw SSEPostgresError(.eventHasID)
        }
        guard !audiences.isEmpty,
            audiences.allSatisfy({ audience in !audience.utf8.contains { $0 == 0x1F || $0 == 0 } }),
            !(coalescingKey?.utf8.contains { $0 == 0x1F || $0 == 0 } ?? false)
        else {
            throw SSEPostgresError(.invalidAudience)
        }
        do {
            _ = try SSEEncoder().encode(event)
        } catch {
            throw SSEPostgresError(.invalidEvent, underlying: error)
        }
        return Writer.Pending(
            audiences: audiences.joined(separator: String(NotificationPayload.separator)),
            type: event.type,
            data: event.data,
            key: coalescingKey ?? ""
        )
    }
}
#endif
