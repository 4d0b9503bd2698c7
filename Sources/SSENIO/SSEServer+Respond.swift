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
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import SSENIOCore

extension SSEServer {
    /// The request as a route handler sees it, from NIO's head; `nil` for a method that is not a
    /// token (which NIO's parser lets through as a raw method).
    static func request(from head: HTTPRequestHead, body: [UInt8]) -> SSERequest? {
        guard let method = HTTPRequest.Method(head.method.rawValue) else {
            return nil
        }
        var fields = HTTPFields()
        fields.reserveCapacity(head.headers.count)
        for (name, value) in head.headers {
            // NIO's parser admits only tokens as names; a name HTTPTypes refuses is dropped.
            if let name = HTTPField.Name(name) {
                fields.append(HTTPField(name: name, value: value))
            }
        }
        return SSERequest(method: method, uri: head.uri, headers: fields, body: body)
    }

    /// The route's answer to a request (with CORS headers).
    func respond(to request: SSERequest) async -> (SSERequest, SSEResponse) {
        var request = request
        let origin = request.headers[.origin]
        if request.method == .options, let cors = configuration.cors {
            var response = SSEResponse.empty()
            response.headers = cors.preflightHeaders(origin: origin)
            return (request, response)
        }
        var response: SSEResponse
        do throws(SSELastEventIDError) {
            request.lastEventID = try configuration.stream.lastEventID(
                header: request.headers[.lastEventID],
                query: { [query = request.query] in query[$0] }
            )
            response = await route(&request)
        } catch {
            configuration.logger?.info(
                "Refused a malformed Last-Event-ID",
                metadata: Self.metadata(request, ["sse.reason": "\(error)"])
            )
            response = .badRequest(error.description)
        }
        if let cors = configuration.cors {
            response.headers.append(contentsOf: cors.headers(origin: origin))
        }
        return (request, response)
    }

    private func route(_ request: inout SSERequest) async -> SSEResponse {
        switch router.match(request) {
        case .handler(let handler, let parameters):
            request.parameters = parameters
            do {
                return try await handler(request)
            } catch let error as SSEHTTPError {
                configuration.logger?.info(
                    "The route answered \(error.status.code)",
                    metadata: Self.metadata(request, ["error.message": "\(error.message)"])
                )
                return error.response
            } catch {
                configuration.logger?.error(
                    "The route failed: answered 500",
                    metadata: Self.metadata(request, ["error.type": "\(type(of: error))", "error.message": "\(error)"])
                )
                return .text("Internal server error\n", status: .internalServerError)
            }
        case .notFound:
            return .notFound
        case .methodNotAllowed(let allowed):
            var response = SSEResponse.text("Method \(request.method) not allowed\n", status: .methodNotAllowed)
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        }
    }

    /// The request's method and path, for a log entry, with `extra`.
    static func metadata(_ request: SSERequest, _ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        extra.merging(["http.method": "\(request.method.rawValue)", "http.path": "\(request.path)"]) { $1 }
    }

    /// The same from NIO's head, for requests refused before they became an ``SSERequest``.
    static func metadata(_ head: HTTPRequestHead?, _ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        guard let head else {
            return extra
        }
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        return extra.merging(["http.method": "\(head.method.rawValue)", "http.path": "\(path)"]) { $1 }
    }
}

extension HTTPHeaders {
    /// NIO's header fields from swift-http-types' fields, in order.
    init(_ fields: HTTPFields) {
        self.init()
        reserveCapacity(fields.count)
        for field in fields {
            add(name: field.name.rawName, value: field.value)
        }
    }
}
#endif
