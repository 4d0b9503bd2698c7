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

#if VaporSupport
import HTTPTypes
public import SSEAuthorization
public import Vapor

extension SSEPrincipal: Authenticatable {}

/// Vapor's authenticator for an `SSEAccessControl`: a request's credentials (its
/// `Authorization: Bearer` header, ticket or cookie) log in an `SSEPrincipal`
/// (`request.auth.require(SSEPrincipal.self)`); a request without valid ones is refused with its
/// RFC 6750 challenge, and so is a route's `SSEAuthorizationError` (a topic outside the grants:
/// `403`).
///
/// ```swift
/// let events = app.grouped(SSEAuthenticator(access))
/// events.get("events") { request in
///     let principal = try request.auth.require(SSEPrincipal.self)
///     let topic = request.query[String.self, at: "topic"] ?? "news"
///     return SSEStream(try access.subscribe(principal, to: [topic], on: broadcaster, lastEventID: try request.sseLastEventID()))
/// }
/// app.post("tickets") { request in try await access.ticketResponse(request) }
/// ```
public struct SSEAuthenticator: AsyncMiddleware {
    /// What checks the credentials.
    public let accessControl: SSEAccessControl
    /// Whether a request without credentials is refused (`401`); when `false`, it goes on without
    /// a principal, for a later authenticator or the route to decide.
    public let isRequired: Bool

    /// An authenticator.
    ///
    /// - Parameters:
    ///   - accessControl: What checks the credentials.
    ///   - isRequired: Whether a request without credentials is refused; `true` by default.
    public init(_ accessControl: SSEAccessControl, isRequired: Bool = true) {
        self.accessControl = accessControl
        self.isRequired = isRequired
    }

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            let principal = try await accessControl.authorize(
                headers: HTTPFields(request.headers),
                query: request.sseQueryParameters
            )
            request.auth.login(principal)
        } catch let error where error == .missingCredentials && !isRequired {
            // On, without a principal.
        } catch {
            throw error.abort
        }
        do {
            return try await next.respond(to: request)
        } catch let error as SSEAuthorizationError {
            throw error.abort
        }
    }
}

extension SSEAccessControl {
    /// The answer to a page's `POST` for a ticket: `{"ticket":"…","expiresIn":30}` for the
    /// request's `Authorization: Bearer` header (`Cache-Control: no-store`).
    ///
    /// - Throws: `Abort` with the refusal's status and challenge.
    public func ticketResponse(_ request: Request) async throws -> Response {
        let ticket: Ticket
        do {
            ticket = try await issueTicket(headers: HTTPFields(request.headers))
        } catch {
            throw error.abort
        }
        let body = ticket.json
        return Response(
            status: .ok,
            headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
            body: .init(string: body)
        )
    }
}

extension SSEAuthorizationError {
    /// Vapor's error for the refusal: its status and challenge.
    var abort: Abort {
        Abort(
            HTTPResponseStatus(statusCode: status.code),
            headers: HTTPHeaders(headerFields),
            reason: String(body.dropLast())
        )
    }
}

extension Request {
    /// The query's parameters, the first value of each, percent-decoded.
    var sseQueryParameters: [String: String] {
        var parameters: [String: String] = [:]
        for pair in (url.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            let name = decode(parts[0])
            if parameters[name] == nil {
                parameters[name] = parts.count > 1 ? decode(parts[1]) : ""
            }
        }
        return parameters
    }
}
#endif
