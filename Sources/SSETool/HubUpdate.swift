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

#if CommandLineTool
import Foundation
import SSECodec
import SSENIO

/// What a publish request asks for: an event, its topics, and whether it is private. Three
/// bodies are read:
/// - a form (`application/x-www-form-urlencoded`, as Mercure's publishers send it) that names one
///   of the fields `topic` (repeatable), `data`, `type`, `id`, `private`;
/// - JSON (`application/json`): `{"topic": "a" or ["a", "b"], "data": "…", "type": "…", "id": "…",
///   "private": true}`, `data` required;
/// - anything else: the body is the event's data (so `curl -d 'hello'` publishes `hello`).
///
/// The query's `topic` (comma-separated) comes first; `default` when no topic is named at all.
struct HubUpdate {
    var event: ServerSentEvent
    var topics: [String]
    var isPrivate = false

    init(from request: SSERequest) throws {
        let contentType = (request.headers[.contentType] ?? "").lowercased()
        let queryTopics = HubRoutes.queryTopics(request)
        if contentType.hasPrefix("application/x-www-form-urlencoded"), let fields = Self.formFields(request.body) {
            try self.init(form: fields, queryTopics: queryTopics)
        } else if contentType.hasPrefix("application/json") {
            try self.init(json: request.body, queryTopics: queryTopics)
        } else {
            guard let data = String(validating: request.body, as: UTF8.self) else {
                throw SSEHTTPError(.badRequest, "The body is not UTF-8 text.")
            }
            self.init(event: ServerSentEvent(data: data), topics: queryTopics)
        }
        try HubRoutes.refuseReserved(topics)
        if topics.isEmpty {
            topics = ["default"]
        }
    }

    private init(event: ServerSentEvent, topics: [String], isPrivate: Bool = false) {
        self.event = event
        self.topics = topics
        self.isPrivate = isPrivate
    }

    private init(form fields: [(name: String, value: String)], queryTopics: [String]) throws {
        func field(_ name: String) -> String? {
            fields.last { $0.name == name }?.value
        }
        guard let data = field("data") else {
            throw SSEHTTPError(.badRequest, "The form has no data field.")
        }
        self.init(
            event: ServerSentEvent(type: field("type") ?? ServerSentEvent.defaultType, data: data, id: field("id")),
            topics: queryTopics + fields.filter { $0.name == "topic" }.map(\.value),
            isPrivate: field("private").map { !["", "0", "false", "off"].contains($0.lowercased()) } ?? false
        )
    }

    private init(json body: [UInt8], queryTopics: [String]) throws {
        struct Published: Decodable {
            let type: String?
            let data: String
            let id: String?
            let topic: Topics?
            let `private`: Bool?
        }
        /// One topic or several.
        struct Topics: Decodable {
            let names: [String]

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let name = try? container.decode(String.self) {
                    names = [name]
                } else {
                    names = try container.decode([String].self)
                }
            }
        }
        let published: Published
        do {
            published = try JSONDecoder().decode(Published.self, from: Data(body))
        } catch {
            throw SSEHTTPError(
                .badRequest,
                "Expected {\"topic\":…,\"type\":…,\"data\":…,\"id\":…,\"private\":…} with a string data: \(error)"
            )
        }
        self.init(
            event: ServerSentEvent(
                type: published.type ?? ServerSentEvent.defaultType,
                data: published.data,
                id: published.id
            ),
            topics: queryTopics + (published.topic?.names ?? []),
            isPrivate: published.private ?? false
        )
    }

    /// A form's fields, or `nil` when the body is not a form of the publish fields.
    static func formFields(_ body: [UInt8]) -> [(name: String, value: String)]? {
        guard let body = String(validating: body, as: UTF8.self) else {
            return nil
        }
        var fields: [(name: String, value: String)] = []
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) -> String? in
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard parts.count == 2, let name = decode(parts[0]), let value = decode(parts[1]) else {
                return nil
            }
            fields.append((name, value))
        }
        let known: Set = ["topic", "data", "type", "id", "private"]
        return fields.contains { known.contains($0.name) } ? fields : nil
    }
}
#endif
