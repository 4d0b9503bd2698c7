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

// JSON in the embedded server's requests and responses: with `NIOSupport`, where `SSENIO` is.
#if NIOSupport
public import HTTPTypes
public import SSENIO

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension SSERequest {
    /// Decodes the body as JSON.
    ///
    /// ```swift
    /// router.post("/rooms/:room/messages") { request in
    ///     let message = try request.decodeJSON(ChatMessage.self)   // a 400 if it is not one
    ///     try broadcaster.publish(ServerSentEvent(type: "message", json: message), to: request.parameters["room"]!)
    ///     return .empty(.accepted)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - type: The type to decode.
    ///   - decoder: The JSON decoder.
    /// - Returns: The decoded value.
    /// - Throws: `SSEHTTPError` with `415 Unsupported Media Type` when the
    ///   `Content-Type` is given and is not JSON, or `400 Bad Request` saying why the body does
    ///   not decode, in words a page can show (`The body lacks "clientId".`), never a Swift type
    ///   name; thrown from a route, the server answers it.
    public func decodeJSON<Value: Decodable>(
        _ type: Value.Type = Value.self,
        decoder: JSONDecoder = JSONDecoder()
    ) throws(SSEHTTPError) -> Value {
        if let contentType = headers[.contentType]?.lowercased(),
            !(contentType.hasPrefix("application/json") || contentType.contains("+json"))
        {
            throw SSEHTTPError(
                .unsupportedMediaType,
                "Expected a JSON body (Content-Type: application/json), got \(contentType)"
            )
        }
        do {
            return try decoder.decode(Value.self, from: Data(body))
        } catch let error as DecodingError {
            throw SSEHTTPError(.badRequest, Self.describe(error))
        } catch {
            throw SSEHTTPError(.badRequest, "The body is not valid JSON.")
        }
    }

    /// Why a body did not decode, naming the field by its path (`items[2].name`).
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.reduce(into: "") { path, key in
                if let index = key.intValue {
                    path += "[\(index)]"
                } else {
                    path += (path.isEmpty ? "" : ".") + key.stringValue
                }
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "The body lacks \"\(path(context.codingPath + [key]))\"."
        case .valueNotFound(_, let context) where !context.codingPath.isEmpty:
            return "\"\(path(context.codingPath))\" must not be null."
        case .typeMismatch(_, let context) where !context.codingPath.isEmpty:
            return "\"\(path(context.codingPath))\" has a value of the wrong kind."
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            return "\"\(path(context.codingPath))\" has a value that is not valid."
        case .typeMismatch, .valueNotFound:
            return "The body is not the JSON value expected."
        default:
            return "The body is not valid JSON."
        }
    }
}

extension SSEResponse {
    /// A JSON response: `value` encoded, with `Content-Type: application/json`.
    ///
    /// - Parameters:
    ///   - value: The value.
    ///   - status: The status.
    ///   - encoder: The JSON encoder.
    /// - Throws: ``SSEJSONError/encodingFailed`` when the encoder fails.
    public static func json(
        _ value: some Encodable,
        status: HTTPResponse.Status = .ok,
        encoder: JSONEncoder = JSONEncoder()
    ) throws(SSEJSONError) -> Self {
        do {
            return .complete(status: status, contentType: "application/json", body: Array(try encoder.encode(value)))
        } catch {
            throw .encodingFailed(type: "response", id: nil, underlying: error)
        }
    }
}
#endif
