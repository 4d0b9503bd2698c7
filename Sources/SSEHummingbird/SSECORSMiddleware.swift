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
import HTTPTypes
public import Hummingbird
public import SSENIOCore

/// Cross-origin access to a Hummingbird router's event streams, with `SSECORS`'s rules: with
/// credentials the requesting origin is named, never `*`; other origins get no CORS headers.
///
/// Deprecated: Hummingbird's own `CORSMiddleware` does this job; <doc:SSEHummingbird#Cross-origin-pages>
/// shows it configured for event streams (`Last-Event-ID` allowed, `Retry-After` exposed).
@available(
    *,
    deprecated,
    message: "Use Hummingbird's CORSMiddleware, configured as SSEHummingbird's documentation shows"
)
public struct SSECORSMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The policy.
    public let cors: SSECORS

    /// Creates the middleware.
    public init(_ cors: SSECORS) {
        self.cors = cors
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let origin = request.headers[.origin]
        if request.method == .options, origin != nil {
            var response = Response(status: .noContent)
            response.headers.append(contentsOf: cors.preflightHeaders(origin: origin))
            return response
        }
        var response = try await next(request, context)
        response.headers.append(contentsOf: cors.headers(origin: origin))
        return response
    }
}
#endif
