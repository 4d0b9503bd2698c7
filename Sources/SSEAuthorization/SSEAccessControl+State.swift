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

extension SSEAccessControl {
    /// Tickets, revocations and guarded streams, under one lock: no method awaits or calls out.
    struct State: ~Copyable {
        struct Watch {
            let subject: String
            let tokenID: String?
            let expiresAt: ContinuousClock.Instant?
            let ending: Ending
        }

        private var tickets: [String: (principal: SSEPrincipal, until: ContinuousClock.Instant)] = [:]
        /// When each revoked subject was revoked, and the order they were.
        private var revokedSubjects: [String: ContinuousClock.Instant] = [:]
        /// Until when each revoked token ID is remembered.
        private var revokedTokenIDs: [String: ContinuousClock.Instant] = [:]
        /// Revocations oldest first, to forget them in that order: the subject or token ID, which
        /// of the two, the value stored for it (a later revocation of the same one stores another),
        /// and until when it is remembered.
        private var revocationOrder:
            [(key: String, isSubject: Bool, stored: ContinuousClock.Instant, until: ContinuousClock.Instant)] = []
        private var revocationStart = 0
        private(set) var watches: [Int: Watch] = [:]
        private var nextKey = 0
        private var watchesWithExpiry = 0
        private var sweeping = false

        // MARK: Tickets

        mutating func addTicket(
            _ value: String,
            principal: SSEPrincipal,
            until: ContinuousClock.Instant,
            now: ContinuousClock.Instant,
            limit: Int
        ) throws(SSEAuthorizationError) {
            if tickets.count >= limit {
                tickets = tickets.filter { $0.value.until > now }
            }
            guard tickets.count < limit else {
                throw .ticketsExhausted("\(limit) tickets outstanding")
            }
            tickets[value] = (principal, until)
        }

        mutating func redeem(_ value: String, now: ContinuousClock.Instant) -> SSEPrincipal? {
            guard let ticket = tickets.removeValue(forKey: value), ticket.until > now else {
                return nil
            }
            return ticket.principal
        }

        // MARK: Revocations

        func isRevoked(_ principal: SSEPrincipal, now: ContinuousClock.Instant) -> Bool {
            if let tokenID = principal.tokenID, let until = revokedTokenIDs[tokenID], until > now {
                return true
            }
            guard let revokedAt = revokedSubjects[principal.subject] else {
                return false
            }
            return principal.issuedAt.map { $0 <= revokedAt } ?? true
        }

        /// What a revocation names.
        enum Revoked {
            case subject(String)
            case tokenID(String)
        }

        mutating func revoke(
            _ revoked: Revoked,
            now: ContinuousClock.Instant,
            retention: Duration,
            limit: Int
        ) -> [Ending] {
            forget(now: now, limit: limit)
            switch revoked {
            case .subject(let subject):
                revokedSubjects[subject] = now
                revocationOrder.append((subject, true, now, now + retention))
                return endWatches { $0.subject.utf8.elementsEqual(subject.utf8) }
            case .tokenID(let tokenID):
                let until =
                    watches.values.first { $0.tokenID == tokenID }?.expiresAt.map { max($0, now) } ?? now + retention
                revokedTokenIDs[tokenID] = until
                revocationOrder.append((tokenID, false, until, until))
                return endWatches { $0.tokenID.map { $0.utf8.elementsEqual(tokenID.utf8) } ?? false }
            }
        }

        /// Forgets revocations past their time, and the oldest beyond `limit - 1`.
        private mutating func forget(now: ContinuousClock.Instant, limit: Int) {
            while revocationStart < revocationOrder.count,
                revocationOrder[revocationStart].until <= now
                    || revocationOrder.count - revocationStart >= limit
            {
                let entry = revocationOrder[revocationStart]
                if entry.isSubject, revokedSubjects[entry.key] == entry.stored {
                    revokedSubjects[entry.key] = nil
                } else if !entry.isSubject, revokedTokenIDs[entry.key] == entry.stored {
                    revokedTokenIDs[entry.key] = nil
                }
                revocationStart += 1
            }
            if revocationStart > 1024, revocationStart * 2 > revocationOrder.count {
                revocationOrder.removeFirst(revocationStart)
                revocationStart = 0
            }
        }

        // MARK: Guarded streams

        /// Registers a stream; also whether the sweeper must start.
        mutating func watch(_ principal: SSEPrincipal, ending: Ending) -> (key: Int, startsSweeper: Bool) {
            let key = nextKey
            nextKey += 1
            watches[key] = Watch(
                subject: principal.subject,
                tokenID: principal.tokenID,
                expiresAt: principal.expiresAt,
                ending: ending
            )
            guard principal.expiresAt != nil else {
                return (key, false)
            }
            watchesWithExpiry += 1
            defer { sweeping = true }
            return (key, !sweeping)
        }

        mutating func unwatch(_ key: Int) {
            if let watch = watches.removeValue(forKey: key), watch.expiresAt != nil {
                watchesWithExpiry -= 1
            }
        }

        /// The endings of expired streams (which are watched no more); and whether the sweeper
        /// goes on (streams with an expiry remain).
        mutating func takeExpired(now: ContinuousClock.Instant) -> ([Ending], goesOn: Bool) {
            let expired = endWatches { $0.expiresAt.map { $0 <= now } ?? false }
            sweeping = watchesWithExpiry > 0
            return (expired, sweeping)
        }

        private mutating func endWatches(where matches: (Watch) -> Bool) -> [Ending] {
            var endings: [Ending] = []
            for (key, watch) in watches where matches(watch) {
                endings.append(watch.ending)
                unwatch(key)
            }
            return endings
        }
    }
}
