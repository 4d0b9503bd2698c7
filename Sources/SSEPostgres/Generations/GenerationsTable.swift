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
import PostgresNIO
import SSEStreaming

/// The table of the generations that run on any instance: who runs each (its owner, until its
/// lease runs out), where its events start in the events table, and how it ended.
struct GenerationsTable: Sendable {
    let events: Table
    var client: PostgresClient { events.client }
    var name: String { events.name + "_generations" }
    private var logger: Logger { events.logger ?? Table.silent }

    /// A row read by ``find(_:retention:)``.
    struct Row: Sendable {
        /// The events table's last ID when the generation started: its events come after it.
        var resumeAfter: Int64
        /// For an ended generation, how long it is still kept.
        var remainingRetention: Duration?
    }

    /// Creates the table, or leaves it as it is (under a lock of its own, as the events table).
    func migrate() async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Table.lockKey(name)))", logger: logger)
            let statements = [
                """
                CREATE TABLE IF NOT EXISTS \(name) (
                    id text PRIMARY KEY,
                    owner text NOT NULL,
                    resume_after bigint NOT NULL,
                    started timestamptz NOT NULL DEFAULT now(),
                    lease_until timestamptz NOT NULL,
                    ended timestamptz,
                    end_reason text
                )
                """,
                "CREATE INDEX IF NOT EXISTS \(name)_running ON \(name) (lease_until) WHERE ended IS NULL",
                "CREATE INDEX IF NOT EXISTS \(name)_ended ON \(name) (ended) WHERE ended IS NOT NULL",
            ]
            for statement in statements {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }

    /// Claims `id` for `owner` with a lease: returns where its events will start, or `nil` when
    /// the ID is taken (it runs elsewhere, or ended and is kept). One statement, so that of
    /// concurrent starts on any instances exactly one claims it.
    func claim(_ id: String, owner: String, lease: Duration) async throws -> Int64? {
        var query = PostgresQuery(
            unsafeSQL: """
                INSERT INTO \(name) (id, owner, resume_after, lease_until)
                SELECT $1, $2, last_id, now() + make_interval(secs => $3) FROM \(events.state)
                ON CONFLICT (id) DO NOTHING RETURNING resume_after
                """
        )
        query.binds.append(id)
        query.binds.append(owner)
        query.binds.append(lease.inSeconds)
        for try await resumeAfter in try await client.query(query, logger: logger).decode(Int64.self) {
            return resumeAfter
        }
        return nil
    }

    /// The generation `id`, if it runs or ended less than `retention` ago.
    func find(_ id: String, retention: Duration) async throws -> Row? {
        var query = PostgresQuery(
            unsafeSQL: """
                SELECT resume_after, extract(epoch FROM ended + make_interval(secs => $2) - now())::float8
                FROM \(name) WHERE id = $1 AND (ended IS NULL OR ended > now() - make_interval(secs => $2))
                """
        )
        query.binds.append(id)
        query.binds.append(retention.inSeconds)
        for try await (resumeAfter, remaining) in try await client.query(query, logger: logger).decode(
            (Int64, Double?).self
        ) {
            return Row(resumeAfter: resumeAfter, remainingRetention: remaining.map { .seconds(max(0, $0)) })
        }
        return nil
    }

    /// Marks the generation `id` ended with `reason`, unless it has ended, on `connection` (in the
    /// transaction that publishes its end event); `onlyIfLeaseExpired`: only if its owner has let
    /// its lease run out. Whether this call ended it.
    func end(
        _ id: String,
        reason: SSEGenerations.EndReason,
        onlyIfLeaseExpired: Bool,
        on connection: PostgresConnection
    ) async throws -> Bool {
        var query = PostgresQuery(
            unsafeSQL: """
                UPDATE \(name) SET ended = now(), end_reason = $2
                WHERE id = $1 AND ended IS NULL AND (NOT $3 OR lease_until < now()) RETURNING id
                """
        )
        query.binds.append(id)
        query.binds.append(reason.description)
        query.binds.append(onlyIfLeaseExpired)
        return try await connection.query(query, logger: logger).collect().count == 1
    }

    /// Extends the leases of the generations `ids` that `owner` runs; a row locked by an end
    /// being written (which may wait for the events table's ordering lock) is skipped, not
    /// waited for.
    func renew(owner: String, ids: [String], lease: Duration) async throws {
        var query = PostgresQuery(
            unsafeSQL: """
                UPDATE \(name) SET lease_until = now() + make_interval(secs => $2)
                WHERE id IN (
                    SELECT id FROM \(name) WHERE owner = $1 AND id = ANY($3::text[]) AND ended IS NULL
                    FOR UPDATE SKIP LOCKED
                )
                """
        )
        query.binds.append(owner)
        query.binds.append(lease.inSeconds)
        query.binds.append(ids)
        _ = try await client.query(query, logger: logger).collect()
    }

    /// Generations whose owner let its lease run out without ending them (at most `limit`).
    func abandoned(limit: Int) async throws -> [String] {
        var query = PostgresQuery(
            unsafeSQL:
                "SELECT id FROM \(name) WHERE ended IS NULL AND lease_until < now() ORDER BY lease_until LIMIT $1"
        )
        query.binds.append(Int64(limit))
        var ids: [String] = []
        for try await id in try await client.query(query, logger: logger).decode(String.self) {
            ids.append(id)
        }
        return ids
    }

    /// Deletes the generations that ended more than `retention` ago.
    func prune(retention: Duration) async throws {
        var query = PostgresQuery(
            unsafeSQL: "DELETE FROM \(name) WHERE ended < now() - make_interval(secs => $1)"
        )
        query.binds.append(retention.inSeconds)
        _ = try await client.query(query, logger: logger).collect()
    }
}

extension Duration {
    /// The duration in seconds, for `make_interval(secs => …)`.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
#endif
