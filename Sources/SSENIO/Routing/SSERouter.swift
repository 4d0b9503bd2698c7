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
public import HTTPTypes

/// Routes requests to handlers by method and path pattern.
///
/// ```swift
/// var router = SSERouter()
/// router.get("/", asset: SSEAsset(page, contentType: .html))
/// router.get("/rooms/:room/events") { request in
///     .stream(broadcaster.subscribe(to: [request.parameters["room"]!], lastEventID: request.lastEventID))
/// }
/// router.post("/rooms/:room/messages") { request in ... }
/// router.get("/static/**") { request in ... request.parameters["**"] ... }
/// ```
///
/// A pattern's segments are literals, `:name` (any one segment, captured in
/// ``SSERequest/parameters`` under `name`), `*` (any one segment, not captured), or, as the last
/// segment, `**` (the rest of the path, zero or more segments, captured under `"**"`). When several
/// routes match, the most specific wins: segment by segment, a literal before a parameter, a
/// parameter before `*`, `*` before `**`. An unknown path answers `404 Not Found`; a known path
/// with another method `405 Method Not Allowed`, with an `Allow` header. `GET` routes also answer
/// `HEAD`.
public struct SSERouter: Sendable {
    /// Answers a request.
    public typealias Handler = @Sendable (SSERequest) async throws -> SSEResponse

    /// A route's path pattern, split into segments.
    struct Pattern: Hashable, Sendable, Comparable {
        enum Segment: Hashable, Sendable, Comparable {
            // In the order of precedence: the first case is the most specific.
            case literal(String)
            case parameter(String)
            case any
            case rest

            /// Precedence only: two literals (or two parameters) are as specific as each other.
            static func < (lhs: Self, rhs: Self) -> Bool {
                lhs.rank < rhs.rank
            }

            private var rank: Int {
                switch self {
                case .literal: 0
                case .parameter: 1
                case .any: 2
                case .rest: 3
                }
            }
        }

        let segments: [Segment]

        init(_ path: String) {
            let parts = path.split(separator: "/", omittingEmptySubsequences: true)
            segments = parts.enumerated().map { index, part in
                if part == "**" {
                    precondition(index == parts.count - 1, "'**' must be the last segment of a route: \(path)")
                    return .rest
                }
                if part == "*" {
                    return .any
                }
                if part.hasPrefix(":"), part.count > 1 {
                    return .parameter(String(part.dropFirst()))
                }
                return .literal(SSERequest.percentDecoded(String(part), plusIsSpace: false))
            }
        }

        /// The pattern as written (`/rooms/:room/events`).
        var description: String {
            let parts = segments.map { segment in
                switch segment {
                case .literal(let text): text
                case .parameter(let name): ":" + name
                case .any: "*"
                case .rest: "**"
                }
            }
            return "/" + parts.joined(separator: "/")
        }

        /// The path without captures, when it has none: such routes are found by a lookup.
        var literalPath: String? {
            var path = ""
            for segment in segments {
                guard case .literal(let literal) = segment else {
                    return nil
                }
                path += "/" + literal
            }
            return path.isEmpty ? "/" : path
        }

        /// The captures, if the path's segments match.
        func match(_ path: [Substring]) -> [String: String]? {
            var captures: [String: String] = [:]
            for (index, segment) in segments.enumerated() {
                if case .rest = segment {
                    let rest = path[index...].joined(separator: "/")
                    captures["**"] = SSERequest.percentDecoded(rest, plusIsSpace: false)
                    return captures
                }
                guard index < path.count else {
                    return nil
                }
                let decoded = SSERequest.percentDecoded(String(path[index]), plusIsSpace: false)
                switch segment {
                case .literal(let literal):
                    guard decoded == literal else {
                        return nil
                    }
                case .parameter(let name):
                    captures[name] = decoded
                case .any, .rest:
                    break
                }
            }
            return path.count == segments.count ? captures : nil
        }

        /// Whether `lhs` is more specific than `rhs`: the first segment where their precedence
        /// differs decides; then the longer pattern.
        static func < (lhs: Self, rhs: Self) -> Bool {
            for (left, right) in zip(lhs.segments, rhs.segments) where left < right || right < left {
                return left < right
            }
            return lhs.segments.count > rhs.segments.count
        }
    }

    private struct Route: Sendable {
        let pattern: Pattern
        var methods: [HTTPRequest.Method: Handler]
    }

    /// Routes without captures, by path.
    private var literalRoutes: [String: [HTTPRequest.Method: Handler]] = [:]
    /// Routes with captures, most specific first.
    private var patternRoutes: [Route] = []

    /// Creates a router without routes.
    public init() {}

    /// Adds a route; a later one for the same method and pattern replaces the earlier.
    ///
    /// - Parameters:
    ///   - method: The method, such as `.post`.
    ///   - path: The path pattern, such as `/events` or `/rooms/:room/events`.
    ///   - handler: What answers.
    public mutating func on(_ method: HTTPRequest.Method, _ path: String, handler: @escaping Handler) {
        let pattern = Pattern(path)
        if let literalPath = pattern.literalPath {
            literalRoutes[literalPath, default: [:]][method] = handler
            return
        }
        if let index = patternRoutes.firstIndex(where: { $0.pattern == pattern }) {
            patternRoutes[index].methods[method] = handler
            return
        }
        patternRoutes.append(Route(pattern: pattern, methods: [method: handler]))
        patternRoutes.sort { $0.pattern < $1.pattern }
    }

    /// Adds a `GET` route (which also answers `HEAD`).
    public mutating func get(_ path: String, handler: @escaping Handler) {
        on(.get, path, handler: handler)
    }

    /// Serves an asset from memory at `path` (`GET` and `HEAD`), with its `ETag` and gzip.
    public mutating func get(_ path: String, asset: SSEAsset) {
        on(.get, path) { _ in .asset(asset) }
    }

    /// Adds a `POST` route.
    public mutating func post(_ path: String, handler: @escaping Handler) {
        on(.post, path, handler: handler)
    }

    /// Adds a `PUT` route.
    public mutating func put(_ path: String, handler: @escaping Handler) {
        on(.put, path, handler: handler)
    }

    /// Adds a `DELETE` route.
    public mutating func delete(_ path: String, handler: @escaping Handler) {
        on(.delete, path, handler: handler)
    }

    enum Match {
        case handler(Handler, parameters: [String: String], route: String)
        case notFound
        case methodNotAllowed(allowed: [String])
    }

    func match(_ request: SSERequest) -> Match {
        var allowed: Set<String> = []
        if let methods = literalRoutes[request.path] {
            if let handler = Self.handler(in: methods, for: request.method) {
                return .handler(handler, parameters: [:], route: request.path)
            }
            allowed.formUnion(methods.keys.map(\.rawValue))
        }
        let segments = patternRoutes.isEmpty ? [] : request.rawSegments
        for route in patternRoutes {
            guard let parameters = route.pattern.match(segments) else {
                continue
            }
            if let handler = Self.handler(in: route.methods, for: request.method) {
                return .handler(handler, parameters: parameters, route: route.pattern.description)
            }
            allowed.formUnion(route.methods.keys.map(\.rawValue))
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed.sorted())
    }

    private static func handler(in methods: [HTTPRequest.Method: Handler], for method: HTTPRequest.Method) -> Handler? {
        methods[method] ?? (method == .head ? methods[.get] : nil)
    }
}
#endif
