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
import NIOCore
import NIOHTTP1
import SSENIOCore

extension SSEServer {
    /// The request as a route handler sees it, and the route's answer (with CORS headers).
    func respond(to head: HTTPRequestHead, body: [UInt8]) async -> (SSERequest, SSEResponse) {
        var request = SSERequest(
            method: head.method.rawValue,
            uri: head.uri,
            headers: head.headers.map { ($0.name, $0.value) },
            body: body
        )
        let origin = request.header("Origin")
        if request.method == "OPTIONS", let cors = configuration.cors {
            var response = SSEResponse.complete(status: 204, contentType: "text/plain", body: [])
            response.headers = cors.preflightHeaders(origin: origin)
            return (request, response)
        }
        var response: SSEResponse
        do throws(SSELastEventIDError) {
            request.lastEventID = try configuration.stream.lastEventID(
                header: request.header("Last-Event-ID"),
                query: { [query = request.query] in query[$0] }
            )
            response = await route(request)
        } catch {
            response = .badRequest(error.description)
        }
        if let cors = configuration.cors {
            response.headers += cors.headers(origin: origin)
        }
        return (request, response)
    }

    private func route(_ request: SSERequest) async -> SSEResponse {
        switch router.match(request) {
        case .handler(let handler):
            do {
                return try await handler(request)
            } catch {
                return .text("Internal server error\n", status: 500)
            }
        case .notFound:
            return .notFound
        case .methodNotAllowed(let allowed):
            var response = SSEResponse.text("Method \(request.method) not allowed\n", status: 405)
            response.headers.append(("Allow", allowed.joined(separator: ", ")))
            return response
        }
    }
}
#endif
