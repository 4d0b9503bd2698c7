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

/// Who a request comes from, what it may do, and until when: what an ``SSEAuthorizer`` makes of
/// a request's credentials.
public struct SSEPrincipal: Sendable, Hashable {
    /// Who it is (a JSON Web Token's `sub`): what targeted delivery binds to.
    public var subject: String
    /// The topics it may subscribe and publish to.
    public var grants: SSETopicGrants
    /// When its credentials stop being valid (a token's `exp`), on the continuous clock; `nil`
    /// if never. A stream opened with them ends then.
    public var expiresAt: ContinuousClock.Instant?
    /// When its credentials were issued (a token's `iat`), on the continuous clock: a revocation
    /// of the subject refuses credentials issued before it.
    public var issuedAt: ContinuousClock.Instant?
    /// The credentials' own ID (a token's `jti`), which a revocation can name.
    public var tokenID: String?

    /// A principal.
    ///
    /// - Parameters:
    ///   - subject: Who it is.
    ///   - grants: The topics it may subscribe and publish to.
    ///   - expiresAt: When its credentials stop being valid; `nil` if never.
    ///   - issuedAt: When its credentials were issued, if known.
    ///   - tokenID: The credentials' ID, if any.
    public init(
        subject: String,
        grants: SSETopicGrants,
        expiresAt: ContinuousClock.Instant? = nil,
        issuedAt: ContinuousClock.Instant? = nil,
        tokenID: String? = nil
    ) {
        self.subject = subject
        self.grants = grants
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
        self.tokenID = tokenID
    }

    /// Checks that the principal may subscribe to every one of `topics`.
    ///
    /// - Throws: ``SSEAuthorizationError/insufficientScope`` (answered `403`) otherwise.
    public func requireSubscribe(to topics: some Sequence<String>) throws(SSEAuthorizationError) {
        for topic in topics where !grants.maySubscribe(to: topic) {
            throw .insufficientScope("no subscribe grant for the requested topic")
        }
    }

    /// Checks that the principal may publish to `topic`.
    ///
    /// - Throws: ``SSEAuthorizationError/insufficientScope`` (answered `403`) otherwise.
    public func requirePublish(to topic: String) throws(SSEAuthorizationError) {
        guard grants.mayPublish(to: topic) else {
            throw .insufficientScope("no publish grant for the topic")
        }
    }
}
