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

public import HTTPTypes

/// Why a request may not do what it asks: each kind is answered with its status and an RFC 6750
/// `WWW-Authenticate` challenge, and a body that says which kind, never why.
///
/// ```swift
/// do {
///     principal = try await access.authorize(headers: request.headers, query: request.query)
/// } catch {
///     // 401, 403 or 400, and its WWW-Authenticate field
///     return (error.status, error.headerFields)
/// }
/// ```
///
/// Compare with `==`: errors of one kind are equal, whatever their ``reason``. See
/// [RFC 6750 §3](https://www.rfc-editor.org/rfc/rfc6750#section-3).
public struct SSEAuthorizationError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case missingCredentials
        case invalidToken
        case insufficientScope
        case invalidRequest
        case ticketsExhausted
    }

    private let code: Code

    /// What was wrong, in words, for logs: never sent to the client. Not compared.
    public let reason: String

    /// The realm of the challenge: the access control's (``SSEAccessControl/Configuration/realm``)
    /// when it threw, else `"sse"`. Not compared.
    public internal(set) var realm = "sse"

    private init(code: Code, reason: String) {
        self.code = code
        self.reason = reason
    }

    /// The request carries no credentials (`401`, a challenge without an error code).
    public static let missingCredentials = Self(code: .missingCredentials, reason: "no credentials")

    /// The credentials are not valid: a bad signature or algorithm, expired, not yet valid, the
    /// wrong issuer or audience, revoked, an unknown or used ticket (`401`,
    /// `error="invalid_token"`).
    public static let invalidToken = Self(code: .invalidToken, reason: "")

    /// The principal has no grant for what it asks (`403`, `error="insufficient_scope"`).
    public static let insufficientScope = Self(code: .insufficientScope, reason: "")

    /// The request carries its credentials in a way that is refused, such as a token in the query
    /// string (`400`, `error="invalid_request"`).
    public static let invalidRequest = Self(code: .invalidRequest, reason: "")

    /// No ticket can be issued now: as many as allowed are outstanding (`503`).
    public static let ticketsExhausted = Self(code: .ticketsExhausted, reason: "")

    /// ``invalidToken`` with its reason.
    public static func invalidToken(_ reason: String) -> Self { Self(code: .invalidToken, reason: reason) }

    /// ``insufficientScope`` with its reason.
    public static func insufficientScope(_ reason: String) -> Self {
        Self(code: .insufficientScope, reason: reason)
    }

    /// ``invalidRequest`` with its reason.
    public static func invalidRequest(_ reason: String) -> Self { Self(code: .invalidRequest, reason: reason) }

    /// ``ticketsExhausted`` with its reason.
    static func ticketsExhausted(_ reason: String) -> Self { Self(code: .ticketsExhausted, reason: reason) }

    /// The status to answer with.
    public var status: HTTPResponse.Status {
        switch code {
        case .missingCredentials, .invalidToken: .unauthorized
        case .insufficientScope: .forbidden
        case .invalidRequest: .badRequest
        case .ticketsExhausted: .serviceUnavailable
        }
    }

    /// The fields to answer with: the `WWW-Authenticate: Bearer` challenge (RFC 6750 §3) naming
    /// ``realm``, and `Cache-Control: no-store`.
    public var headerFields: HTTPFields {
        var fields: HTTPFields = [.cacheControl: "no-store"]
        let realm = #"Bearer realm="\#(realm.filter { $0 != "\"" && $0 != "\\" })""#
        switch code {
        case .missingCredentials: fields[.wwwAuthenticate] = realm
        case .invalidToken: fields[.wwwAuthenticate] = realm + #", error="invalid_token""#
        case .insufficientScope: fields[.wwwAuthenticate] = realm + #", error="insufficient_scope""#
        case .invalidRequest: fields[.wwwAuthenticate] = realm + #", error="invalid_request""#
        case .ticketsExhausted: fields[.retryAfter] = "1"
        }
        return fields
    }

    /// The body to answer with: the kind of refusal, nothing of its reason.
    public var body: String {
        switch code {
        case .missingCredentials: "authentication required\n"
        case .invalidToken: "invalid credentials\n"
        case .insufficientScope: "insufficient scope\n"
        case .invalidRequest: "invalid request\n"
        case .ticketsExhausted: "try again shortly\n"
        }
    }

    /// The same error, in `realm`.
    func inRealm(_ realm: String) -> Self {
        var error = self
        error.realm = realm
        return error
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }

    public var description: String {
        let kind =
            switch code {
            case .missingCredentials: "missingCredentials"
            case .invalidToken: "invalidToken"
            case .insufficientScope: "insufficientScope"
            case .invalidRequest: "invalidRequest"
            case .ticketsExhausted: "ticketsExhausted"
            }
        return reason.isEmpty ? "SSEAuthorizationError.\(kind)" : "SSEAuthorizationError.\(kind): \(reason)"
    }
}
