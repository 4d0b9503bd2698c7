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
import NIOCore
import PostgresNIO
import SSECodec
import SSEStreaming
import Synchronization

/// The table's SQL, and the reads every part of the broadcaster makes.
struct Table: Sendable {
    let client: PostgresClient
    let name: String
    let logger: Logger?

    var state: String { name + "_state" }

    /// The idempotency keys of recent publishes, with the ID each one's event got.
    var idempotencyKeys: String { name + "_keys" }

    /// Creates the tables, or leaves them as they are: several instances may start at once, so
    /// each takes a lock for the time it checks.
    func migrate() async throws {
        try await client.withTransaction(logger: logger ?? Self.silent) { connection in
            let logger = self.logger ?? Self.silent
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey(name)))", logger: logger)
            let statements = [
                """
                CREATE TABLE IF NOT EXISTS \(name) (
                    id bigint PRIMARY KEY,
                    audiences text[] NOT NULL,
                    type text NOT NULL,
                    data bytea NOT NULL,
                    coalescing_key text,
                    created timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX IF NOT EXISTS \(name)_created ON \(name) (created)",
                // The publish's trace context (a table of an earlier version gets the column now).
                "ALTER TABLE \(name) ADD COLUMN IF NOT EXISTS trace text",
                """
                CREATE TABLE IF NOT EXISTS \(state) (
                    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                    last_id bigint NOT NULL,
                    pruned_through bigint NOT NULL,
                    schema_version integer NOT NULL
                )
                """,
                "INSERT INTO \(state) (last_id, pruned_through, schema_version) VALUES (0, 0, 1) ON CONFLICT DO NOTHING",
                // The history's identity: made with the table (a table of an earlier version gets
                // one now), and made anew when the events table is truncated.
                "ALTER TABLE \(state) ADD COLUMN IF NOT EXISTS epoch text NOT NULL DEFAULT \(Self.newEpoch)",
                """
                CREATE OR REPLACE FUNCTION \(name)_new_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE \(state) SET epoch = \(Self.newEpoch), pruned_through = last_id;
                    RETURN NULL;
                END
                $$
                """,
                """
                DO $$ BEGIN
                    IF NOT EXISTS (
                        SELECT 1 FROM pg_trigger WHERE tgname = '\(name)_truncated' AND tgrelid = '\(name)'::regclass
                    ) THEN
                        CREATE TRIGGER \(name)_truncated AFTER TRUNCATE ON \(name)
                            FOR EACH STATEMENT EXECUTE FUNCTION \(name)_new_epoch();
                    END IF;
                END $$
                """,
                """
                CREATE TABLE IF NOT EXISTS \(idempotencyKeys) (
                    key text PRIMARY KEY,
                    id bigint NOT NULL,
                    created timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX IF NOT EXISTS \(idempotencyKeys)_created ON \(idempotencyKeys) (created)",
            ]
            for statement in statements {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }

    /// A new epoch: eight random hexadecimal digits.
    static let newEpoch = "substr(md5(random()::text || clock_timestamp()::text), 1, 8)"

    /// A lock key of the table's own, for `pg_advisory_xact_lock`.
    static func lockKey(_ name: String) -> Int64 {
        // FNV-1a: stable across processes and runs, unlike `hashValue`.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in ("swift-sse:" + name).utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    /// The newest ID written, the newest deleted by retention (or truncated), and the epoch.
    func positions() async throws -> (last: Int64, prunedThrough: Int64, epoch: String) {
        let rows = try await client.query(
            PostgresQuery(unsafeSQL: "SELECT last_id, pruned_through, epoch FROM \(state)"),
            logger: logger ?? Self.silent
        )
        for try await (last, pruned, epoch) in rows.decode((Int64, Int64, String).self) {
            return (last, pruned, epoch)
        }
        throw SSEPostgresError(.writeFailed)
    }

    /// Writes events in one statement: their IDs are taken from the state row (locked until the
    /// commit, so that IDs are committed, and notified, in order, across instances), the rows
    /// inserted and one notification sent. Returns the last ID.
    func write(_ events: [Writer.Pending]) async throws -> StoredID {
        try await Self.lastID(client.query(writeQuery(events), logger: logger ?? Self.silent))
    }

    /// Writes `events` in the caller's open transaction on `connection`: the notification goes,
    /// and the rows become visible, with its commit. The wait for the state row's lock is bounded
    /// by `lockTimeout` (the transaction's own `lock_timeout` is put back after).
    func write(
        _ events: [Writer.Pending],
        on connection: PostgresConnection,
        lockTimeout: Duration
    ) async throws -> StoredID {
        let logger = logger ?? Self.silent
        let milliseconds = max(
            1,
            lockTimeout.components.seconds * 1000 + lockTimeout.components.attoseconds / 1_000_000_000_000_000
        )
        var bound = PostgresQuery(
            unsafeSQL: "SELECT current_setting('lock_timeout'), set_config('lock_timeout', $1, true)"
        )
        bound.binds.append("\(milliseconds)ms")
        var previous = "0"
        for try await (setting, _) in try await connection.query(bound, logger: logger).decode((String, String).self) {
            previous = setting
        }
        let last = try await Self.lastID(connection.query(writeQuery(events), logger: logger))
        var restore = PostgresQuery(unsafeSQL: "SELECT set_config('lock_timeout', $1, true)")
        restore.binds.append(previous)
        _ = try await connection.query(restore, logger: logger).collect()
        return last
    }

    /// Writes `event` unless a write with `key` was made before; returns the event's ID, or the
    /// first one's. One statement writes the event and records the key: if the key is taken (by a
    /// write before, or by one from any instance that committed while this one waited for the
    /// state row's lock), the key's unique index refuses it, the statement writes nothing, and the
    /// ID is read from the key's row.
    func write(_ event: Writer.Pending, idempotencyKey key: String) async throws -> StoredID {
        let logger = logger ?? Self.silent
        var lookup = PostgresQuery(
            unsafeSQL: "SELECT k.id, s.epoch FROM \(idempotencyKeys) k, \(state) s WHERE k.key = $1"
        )
        lookup.binds.append(key)
        // A key forgotten (retention) between the refusal and the look-up is written anew.
        for _ in 0..<2 {
            do {
                return try await Self.lastID(
                    client.query(writeQuery([event], idempotencyKey: key), logger: logger)
                )
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                for try await (first, epoch) in try await client.query(lookup, logger: logger).decode(
                    (Int64, String).self
                ) {
                    return StoredID(epoch: epoch, number: first)
                }
            }
        }
        throw SSEPostgresError(.writeFailed)
    }

    /// Forgets the idempotency keys older than `age`.
    func pruneIdempotencyKeys(age: Duration) async throws {
        var query = PostgresQuery(
            unsafeSQL: "DELETE FROM \(idempotencyKeys) WHERE created < now() - make_interval(secs => $1)"
        )
        query.binds.append(age.inSeconds)
        _ = try await client.query(query, logger: logger ?? Self.silent).collect()
    }

    private static func lastID(_ rows: PostgresRowSequence) async throws -> StoredID {
        for try await (last, epoch, _) in rows.decode((Int64, String, String).self) {
            return StoredID(epoch: epoch, number: last)
        }
        throw SSEPostgresError(.writeFailed)
    }

    /// The statement that writes `events` (IDs from the state row, the rows, one notification
    /// carrying them) and, with `idempotencyKey`, records the key with the last ID.
    private func writeQuery(_ events: [Writer.Pending], idempotencyKey: String? = nil) -> PostgresQuery {
        let remember =
            idempotencyKey == nil
            ? ""
            : ",\nk AS (INSERT INTO \(idempotencyKeys) (key, id) SELECT $10, c.last_id FROM c)"
        var query = PostgresQuery(
            unsafeSQL: """
                WITH c AS (UPDATE \(state) SET last_id = last_id + $1 RETURNING last_id, epoch),
                r AS (
                    INSERT INTO \(name) (id, audiences, type, data, coalescing_key, trace)
                    SELECT c.last_id - $1 + t.n, string_to_array(t.audiences, E'\\x1F'), t.type, t.data, NULLIF(t.key, ''),
                        NULLIF(t.trace, '')
                    FROM c, unnest($2::text[], $3::text[], $4::bytea[], $5::text[], $9::text[])
                        WITH ORDINALITY AS t(audiences, type, data, key, trace, n)
                )\(remember)
                SELECT c.last_id, c.epoch, pg_notify(
                    $6,
                    c.epoch || ' ' || c.last_id::text || ' ' || $7
                        || floor(extract(epoch FROM now()) * 1000000)::bigint::text || E'\n' || $8
                ) FROM c
                """
        )
        query.binds.append(Int64(events.count))
        query.binds.append(events.map(\.audiences))
        query.binds.append(events.map(\.type))
        query.binds.append(events.map { ByteBuffer(string: $0.data) })
        query.binds.append(events.map(\.key))
        query.binds.append(name)
        let payload = NotificationPayload.encode(events.map { ($0.audiences, $0.type, $0.key, $0.data, $0.trace) })
        query.binds.append(payload.head)
        query.binds.append(payload.inline)
        query.binds.append(events.map(\.trace))
        if let idempotencyKey {
            query.binds.append(idempotencyKey)
        }
        return query
    }

    /// The events with IDs in `ids` (all audiences), oldest first, at most `limit`.
    func events(after first: Int64, through last: Int64?, limit: Int) async throws -> [StoredEvent] {
        var query = PostgresQuery(
            unsafeSQL: """
                SELECT s.epoch, e.id, e.audiences, e.type, e.data, e.coalescing_key,
                    floor(extract(epoch FROM e.created) * 1000000)::bigint, e.trace FROM \(state) s, \(name) e
                WHERE e.id > $1 AND ($2::bigint IS NULL OR e.id <= $2) ORDER BY e.id LIMIT $3
                """
        )
        query.binds.append(first)
        query.binds.append(last)
        query.binds.append(Int64(limit))
        return try await decode(client.query(query, logger: logger ?? Self.silent))
    }

    /// What a resuming subscriber of `audiences` missed after `cursor`, read in one snapshot with
    /// the table's positions: at most `limit` + 1 events (one more tells that there are too many).
    func replay(
        after cursor: Int64,
        audiences: [String],
        limit: Int
    ) async throws -> (last: Int64, prunedThrough: Int64, epoch: String, events: [StoredEvent]) {
        var query = PostgresQuery(
            unsafeSQL: """
                SELECT s.last_id, s.pruned_through, s.epoch, e.id, e.audiences, e.type, e.data, e.coalescing_key
                FROM \(state) s LEFT JOIN LATERAL (
                    SELECT * FROM \(name) WHERE id > $1 AND id <= s.last_id AND audiences && $2::text[]
                    ORDER BY id LIMIT $3
                ) e ON true
                """
        )
        query.binds.append(cursor)
        query.binds.append(audiences)
        query.binds.append(Int64(limit + 1))
        let rows = try await client.query(query, logger: logger ?? Self.silent)
        var last: Int64 = 0
        var pruned: Int64 = 0
        var epoch = ""
        var events: [StoredEvent] = []
        for try await (stateLast, statePruned, stateEpoch, id, audiences, type, data, key) in rows.decode(
            (Int64, Int64, String, Int64?, [String]?, String?, ByteBuffer?, String?).self
        ) {
            last = stateLast
            pruned = statePruned
            epoch = stateEpoch
            if let id, let audiences, let type, let data {
                events.append(
                    StoredEvent(
                        epoch: stateEpoch,
                        id: id,
                        audiences: audiences,
                        type: type,
                        data: String(buffer: data),
                        coalescingKey: key
                    )
                )
            }
        }
        return (last, pruned, epoch, events)
    }

    /// Deletes what is older than `age` or beyond the newest `count`; records the newest ID
    /// deleted, before which resuming is unavailable. Returns how many rows went.
    func prune(age: Duration, count: Int) async throws -> Int {
        var query = PostgresQuery(
            unsafeSQL: """
                WITH d AS (
                    DELETE FROM \(name)
                    WHERE created < now() - make_interval(secs => $1)
                        OR id <= (SELECT last_id FROM \(state)) - $2
                    RETURNING id
                ),
                u AS (
                    UPDATE \(state) SET pruned_through = GREATEST(pruned_through, (SELECT max(id) FROM d))
                    WHERE EXISTS (SELECT 1 FROM d)
                )
                SELECT count(*) FROM d
                """
        )
        query.binds.append(age.inSeconds)
        query.binds.append(Int64(count))
        let rows = try await client.query(query, logger: logger ?? Self.silent)
        for try await deleted in rows.decode(Int64.self) {
            return Int(deleted)
        }
        return 0
    }

    private func decode(_ rows: PostgresRowSequence) async throws -> [StoredEvent] {
        var events: [StoredEvent] = []
        for try await (epoch, id, audiences, type, data, key, writtenAt, trace) in rows.decode(
            (String, Int64, [String], String, ByteBuffer, String?, Int64, String?).self
        ) {
            events.append(
                StoredEvent(
                    epoch: epoch,
                    id: id,
                    audiences: audiences,
                    type: type,
                    data: String(buffer: data),
                    coalescingKey: key,
                    writtenAt: writtenAt,
                    trace: trace
                )
            )
        }
        return events
    }

    static let silent = Logger(label: "swift-sse.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
}
#endif
