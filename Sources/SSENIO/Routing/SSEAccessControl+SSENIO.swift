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

#if NIOSupport
public import SSEAuthorization

extension SSEAccessControl {
    /// A route handler that answers only authorized requests: `body` gets the request and its
    /// principal; a request without valid credentials is answered `401` (or `400`), and one that
    /// `body` finds outside its grants `403`, each with its `WWW-Authenticate` challenge.
    ///
    /// ```swift
    /// router.get("/events", handler: access.handler { request, principal in
    ///     let topic = request.query["topic"] ?? "news"
    ///     return .stream(try access.subscribe(principal, to: [topic], on: broadcaster, lastEventID: request.lastEventID))
    /// })
    /// ```
    ///
    /// - Parameter body: Answers an authorized request.
    /// - Returns: The handler.
    public func handler(
        _ body: @escaping @Sendable (SSERequest, SSEPrincipal) async throws -> SSEResponse
    ) -> SSERouter.Handler {
        { request in
            let principal = try await self.authorize(headers: request.headers, query: request.query)
            return try await body(request, principal)
        }
    }

    /// A handler for the `POST` that gives a page a ticket for its native `EventSource`: it takes
    /// the page's `Authorization: Bearer` header, and answers
    /// `{"ticket":"…","expiresIn":30}` (`Cache-Control: no-store`), or the refusal.
    ///
    /// ```swift
    /// router.post("/tickets", handler: access.ticketHandler())
    /// // The page: const {ticket} = await (await fetch("/tickets", {method: "POST", headers: {Authorization: `Bearer ${token}`}})).json();
    /// //           new EventSource(`/events?ticket=${ticket}`)
    /// ```
    public func ticketHandler() -> SSERouter.Handler {
        { request in
            let ticket = try await self.issueTicket(headers: request.headers)
            let body = ticket.json
            var response = SSEResponse.complete(contentType: "application/json", body: Array(body.utf8))
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }
}

extension SSEAuthorizationError {
    /// The answer: its status, challenge and body, never its reason.
    var response: SSEResponse {
        var response = SSEResponse.text(body, status: status)
        response.headers.append(contentsOf: headerFields)
        return response
    }
}
#endif
