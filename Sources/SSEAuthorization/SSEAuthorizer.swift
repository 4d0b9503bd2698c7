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

/// Turns a bearer token into a principal, or refuses it: the seam every server's authorization
/// goes through.
///
/// ``SSEJWTVerifier`` (trait `JWTSupport`) verifies JSON Web Tokens; an application with tokens
/// of its own (opaque session IDs looked up in a database, say) writes its own:
///
/// ```swift
/// struct Sessions: SSEAuthorizer {
///     let store: SessionStore
///     func authorize(token: String) async throws(SSEAuthorizationError) -> SSEPrincipal {
///         guard let session = await store.session(token) else { throw .invalidToken("unknown session") }
///         return SSEPrincipal(subject: session.userID, grants: SSETopicGrants(subscribe: [.exact("users/\(session.userID)")]))
///     }
/// }
/// ```
public protocol SSEAuthorizer: Sendable {
    /// The principal `token` stands for.
    ///
    /// - Parameter token: A bearer token, from a request's `Authorization` header or its cookie.
    /// - Returns: Who it is, what it may do, and until when.
    /// - Throws: ``SSEAuthorizationError/invalidToken`` when the token is not valid.
    func authorize(token: String) async throws(SSEAuthorizationError) -> SSEPrincipal
}
