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

#if HummingbirdSupport
public import Hummingbird
public import HummingbirdAuth
public import SSEAuthorization

/// hummingbird-auth's authenticator for an `SSEAccessControl`: a request's credentials (its
/// `Authorization: Bearer` header, ticket or cookie) become the context's identity, an
/// `SSEPrincipal`; a request without valid ones is refused with its RFC 6750 challenge, and so is a
/// route's `SSEAuthorizationError` (a topic outside the grants: `403`).
///
/// ```swift
/// let router = Router(context: BasicAuthRequestContext<SSEPrincipal>.self)
/// router.add(middleware: SSEAuthenticator(access))
/// router.get("events") { request, context in
///     let principal = try context.requireIdentity()
///     let topic = request.uri.queryParameters["topic"].map(String.init) ?? "news"
///     return SSEStream(try access.subscribe(principal, to: [topic], on: broadcaster, lastEventID: try request.sseLastEventID()))
/// }
/// router.post("tickets") { request, _ in try await access.ticketResponse(request) }
/// ```
public struct SSEAuthenticator<Context: AuthRequestContext<SSEPrincipal>>: AuthenticatorMiddleware {
    public typealias Identity = SSEPrincipal

    /// What checks the credentials.
    public let accessControl: SSEAccessControl
    /// Whether a request without credentials is refused (`401`); when `false`, it goes on without
    /// an identity, for a later authenticator or the route to decide.
    public let isRequired: Bool

    /// An authenticator.
    ///
    /// - Parameters:
    ///   - accessControl: What checks the credentials.
    ///   - context: The request context.
    ///   - isRequired: Whether a request without credentials is refused; `true` by default.
    public init(_ accessControl: SSEAccessControl, context: Context.Type = Context.self, isRequired: Bool = true) {
        self.accessControl = accessControl
        self.isRequired = isRequired
    }

    public func authenticate(request: Request, context: Context) async throws -> SSEPrincipal? {
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters where query[String(name)] == nil {
            query[String(name)] = String(value)
        }
        do {
            return try await accessControl.authorize(headers: request.headers, query: query)
        } catch let error where error == .missingCredentials && !isRequired {
            return nil
        } catch {
            throw error.httpError
        }
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.identity = try await authenticate(request: request, context: context)
        do {
            return try await next(request, context)
        } catch let error as SSEAuthorizationError {
            throw error.httpError
        }
    }
}

extension SSEAccessControl {
    /// The answer to a page's `POST` for a ticket: `{"ticket":"…","expiresIn":30}` for the
    /// request's `Authorization: Bearer` header (`Cache-Control: no-store`).
    ///
    /// - Throws: `HTTPError` with the refusal's status and challenge.
    public func ticketResponse(_ request: Request) async throws -> Response {
        let ticket: Ticket
        do {
            ticket = try await issueTicket(headers: request.headers)
        } catch {
            throw error.httpError
        }
        let body = ticket.json
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }
}

extension SSEAuthorizationError {
    /// Hummingbird's error for the refusal: its status and challenge.
    var httpError: HTTPError {
        HTTPError(status, headers: headerFields, message: body.trimmingNewline)
    }
}

extension String {
    fileprivate var trimmingNewline: String {
        hasSuffix("\n") ? String(dropLast()) : self
    }
}
#endif
