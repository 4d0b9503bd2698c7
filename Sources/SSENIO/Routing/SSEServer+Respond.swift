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
import SSEAuthorization
import SSENIOCore
import SSEStreaming

extension SSEServer {
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
        if case .stream(let body) = response.body {
            if let streamRate, !streamRate.admit() {
                body.end?()
                response = refusedStream()
                configuration.logger?.info(
                    "Refused a stream over maximumStreamsPerSecond: answered 503",
                    metadata: Self.metadata(request)
                )
            } else if !(await body.replayStoreAnswered()) {
                body.end?()
                response = refusedStream(message: "The event history cannot be read now; retry later\n")
                configuration.logger?.warning(
                    "The replay store could not look for a resuming client: answered 503",
                    metadata: Self.metadata(request)
                )
            }
        }
        if let cors = configuration.cors {
            response.headers.append(contentsOf: cors.headers(origin: origin))
        }
        return (request, response)
    }

    /// `503` with a jittered `Retry-After`, for a stream over
    /// ``Configuration-swift.struct/maximumStreamsPerSecond`` (or, with a `message`, a resume that
    /// the replay store could not look up).
    private func refusedStream(message: String? = nil) -> SSEResponse {
        if message == nil {
            metrics?.refused(.streamRate)
        }
        var response = SSEResponse.text(
            message ?? "Too many streams are starting; retry later\n",
            status: .serviceUnavailable
        )
        let window = configuration.reconnectionWindow ?? .seconds(1)...(.seconds(1))
        response.headers[.retryAfter] = "\(SSEReconnectionJitter.seconds(in: window))"
        return response
    }

    private func route(_ request: inout SSERequest) async -> SSEResponse {
        switch router.match(request) {
        case .handler(let handler, let parameters, let route):
            request.parameters = parameters
            request.route = route
            request.metrics = metrics
            do {
                return try await handler(request)
            } catch let error as SSEHTTPError {
                configuration.logger?.info(
                    "The route answered \(error.status.code)",
                    metadata: Self.metadata(request, ["error.message": "\(error.message)"])
                )
                return error.response
            } catch let error as SSEAuthorizationError {
                configuration.logger?.info(
                    "Refused: answered \(error.status.code)",
                    metadata: Self.metadata(request, ["sse.reason": "\(error)"])
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

    /// The same from a request's head, for requests refused before they became an
    /// ``SSERequest``; `extra` alone without one.
    static func metadata(_ request: HTTPRequest?, _ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        guard let request else {
            return extra
        }
        let target = request.path ?? "/"
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        return extra.merging(["http.method": "\(request.method.rawValue)", "http.path": "\(path)"]) { $1 }
    }
}
#endif
