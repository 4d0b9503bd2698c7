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
public import SSENIOCore
public import Vapor

/// Cross-origin access to a Vapor application's event streams, with `SSECORS`'s rules: with
/// credentials the requesting origin is named, never `*`; other origins get no CORS headers.
///
/// Deprecated: Vapor's own `CORSMiddleware` does this job; <doc:SSEVapor#Cross-origin-pages> shows it
/// configured for event streams (`Last-Event-ID` allowed, `Retry-After` exposed).
@available(*, deprecated, message: "Use Vapor's CORSMiddleware, configured as SSEVapor's documentation shows")
public struct SSECORSMiddleware: AsyncMiddleware {
    /// The policy.
    public let cors: SSECORS

    /// Creates the middleware.
    public init(_ cors: SSECORS) {
        self.cors = cors
    }

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let origin = request.headers.first(name: .origin)
        if request.method == .OPTIONS, origin != nil {
            let response = Response(status: .noContent)
            response.headers.add(contentsOf: HTTPHeaders(cors.preflightHeaders(origin: origin)))
            return response
        }
        let response = try await next.respond(to: request)
        response.headers.add(contentsOf: HTTPHeaders(cors.headers(origin: origin)))
        return response
    }
}
#endif
