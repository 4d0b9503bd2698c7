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
/// Routes requests to handlers by method and exact path.
///
/// ```swift
/// var router = SSERouter()
/// router.get("/") { _ in .html(page) }
/// router.get("/events") { request in
///     .stream(broadcaster.subscribe(to: ["news"], lastEventID: request.lastEventID))
/// }
/// ```
///
/// An unknown path answers `404 Not Found`; a known path with another method `405 Method Not
/// Allowed`, with an `Allow` header.
public struct SSERouter: Sendable {
    /// Answers a request.
    public typealias Handler = @Sendable (SSERequest) async throws -> SSEResponse

    private var routes: [String: [String: Handler]] = [:]

    /// Creates a router without routes.
    public init() {}

    /// Adds a route.
    ///
    /// - Parameters:
    ///   - method: The method, such as `POST`.
    ///   - path: The exact path, such as `/events`.
    ///   - handler: What answers.
    public mutating func on(_ method: String, _ path: String, handler: @escaping Handler) {
        routes[path, default: [:]][method.uppercased()] = handler
    }

    /// Adds a `GET` route (which also answers `HEAD`).
    public mutating func get(_ path: String, handler: @escaping Handler) {
        on("GET", path, handler: handler)
    }

    /// Adds a `POST` route.
    public mutating func post(_ path: String, handler: @escaping Handler) {
        on("POST", path, handler: handler)
    }

    enum Match {
        case handler(Handler)
        case notFound
        case methodNotAllowed(allowed: [String])
    }

    func match(_ request: SSERequest) -> Match {
        guard let methods = routes[request.path] else {
            return .notFound
        }
        if let handler = methods[request.method] ?? (request.method == "HEAD" ? methods["GET"] : nil) {
            return .handler(handler)
        }
        return .methodNotAllowed(allowed: methods.keys.sorted())
    }
}
#endif
