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

import ExampleSupport
import Foundation
import SSECodec
import SSEJSON
import SSENIO
import SSEStreaming
import Synchronization

/// Notifications to one client or to all, as the tutorials build with a pool of `SseEmitter`s:
///
/// - `GET /sse/connect?clientId=ID` (or `/sse?clientId=ID`, the SpringBoot tutorial's URL): the
///   client's stream: notifications for it and for everyone, as unnamed events (`onmessage`) with
///   JSON data `{"from","message"}`, and a `ping` event `{"time": …}` every `--ping` seconds (15),
///   as the tutorials' pages read it with `JSON.parse(event.data).time`;
/// - `POST /sse/send` with `clientId` and `message`, as JSON `{"clientId": …, "message": …}`, as a
///   form (the SpringBoot tutorial's `@ModelAttribute`) or in the query: to that client only; `404`
///   with `{"error": …}` when it is not connected, never a silent success;
/// - `POST /sse/broadcast` with `message`, the same ways: to every client.
///
/// A request that lacks a field is a `400` with `{"error": …}` saying which.
///
/// ```sh
/// swift run --package-path Examples notifications   # http://127.0.0.1:8080/?clientId=alice
/// curl -d '{"clientId":"alice","message":"hi"}' -H 'Content-Type: application/json' 127.0.0.1:8080/sse/send
/// curl -d clientId=alice -d message=hi 127.0.0.1:8080/sse/send
/// ```
@main
struct Notifications {
    static func main() async {
        let options = ExampleOptions.parse(
            "notifications",
            summary: "Notifications to one client or to all, with a ping heartbeat.",
            [.init("--ping", value: "SECONDS", help: "Seconds between ping events (15).")] + ExampleOptions.tls
        )
        let ping = options.integer("--ping", default: 15, in: 1...3600)
        await ExampleServer.main(options) {
            let broadcaster = SSEBroadcaster()
            let clients = ConnectedClients()
            try await ExampleServer.run(
                "Notifications",
                options: options,
                router: router(broadcaster: broadcaster, clients: clients),
                services: [
                    EveryInterval(.seconds(ping)) {
                        let data = (try? json(["time": Date().formatted(.iso8601)])) ?? "{}"
                        _ = try? broadcaster.publish(ServerSentEvent(type: "ping", data: data), to: Self.everyone)
                    }
                ],
                onShutdown: { try? broadcaster.shutDown(finalEvent: ExampleServer.finalEvent) }
            )
        }
    }

    /// The topic every client subscribes to: broadcasts and pings.
    static let everyone = "everyone"

    struct Notification: Encodable {
        let message: String
        let from: String
    }

    static func router(broadcaster: SSEBroadcaster, clients: ConnectedClients) -> SSERouter {
        var router = SSERouter()
        router.get("/", asset: SSEAsset(EmbeddedAssets.indexHtml, contentType: .html))
        for path in ["/sse/connect", "/sse"] {
            router.get(path) { request in
                guard let clientID = request.query["clientId"], !clientID.isEmpty else {
                    return try refusal(.badRequest, "clientId is required: \(path)?clientId=…")
                }
                let subscription = broadcaster.subscribe(
                    to: [everyone],
                    subscriberID: clientID,
                    lastEventID: request.lastEventID
                )
                return .stream(clients.connected(clientID, subscription))
            }
        }
        router.post("/sse/send") { request in
            let fields: Fields
            do throws(Fields.Invalid) {
                fields = try Fields(request)
            } catch {
                return try refusal(error.status, error.message)
            }
            guard let clientID = fields["clientId"], let message = fields["message"] else {
                return try refusal(.badRequest, "Send clientId and message, as JSON or as a form.")
            }
            guard clients.isConnected(clientID) else {
                return try refusal(.notFound, "No client \(clientID) is connected.")
            }
            let event = ServerSentEvent(data: try json(Notification(message: message, from: "direct")))
            let id = try broadcaster.publish(event, toSubscriber: clientID)
            return try .json(["id": id], status: .accepted)
        }
        router.post("/sse/broadcast") { request in
            let message: String?
            do throws(Fields.Invalid) {
                message = try Fields(request)["message"]
            } catch {
                return try refusal(error.status, error.message)
            }
            guard let message else {
                return try refusal(.badRequest, "Send message, as JSON or as a form.")
            }
            let event = ServerSentEvent(data: try json(Notification(message: message, from: "broadcast")))
            let id = try broadcaster.publish(event, to: everyone)
            return try .json(["id": id], status: .accepted)
        }
        return router
    }

    /// `{"error": message}` with `status`.
    static func refusal(_ status: HTTPResponse.Status, _ message: String) throws -> SSEResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return try .json(["error": message], status: status, encoder: encoder)
    }

    /// JSON with its keys in one order.
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// A request's text fields, from a JSON object body, a form body
/// (`application/x-www-form-urlencoded`) or the query, as SpringBoot's `@ModelAttribute` binds
/// them.
struct Fields {
    private var values: [String: String] = [:]

    /// A body that holds no fields: its status and why.
    struct Invalid: Error {
        let status: HTTPResponse.Status
        let message: String
    }

    init(_ request: SSERequest) throws(Invalid) {
        values = request.query
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard !request.body.isEmpty else {
            return
        }
        if contentType.hasPrefix("application/json") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
                throw Invalid(status: .badRequest, message: "The body is not a JSON object.")
            }
            for (name, value) in object {
                if let text = value as? String {
                    values[name] = text
                } else if !(value is NSNull) {
                    throw Invalid(status: .badRequest, message: "\"\(name)\" must be text.")
                }
            }
        } else if contentType.hasPrefix("application/x-www-form-urlencoded") || contentType.isEmpty {
            var components = URLComponents()
            components.percentEncodedQuery = String(decoding: request.body, as: UTF8.self).replacingOccurrences(
                of: "+",
                with: "%20"
            )
            for item in components.queryItems ?? [] {
                values[item.name] = item.value ?? ""
            }
        } else {
            throw Invalid(
                status: .unsupportedMediaType,
                message:
                    "Send JSON (application/json) or a form (application/x-www-form-urlencoded), not \(contentType)."
            )
        }
    }

    /// A field's value, if it is there and not empty.
    subscript(name: String) -> String? {
        values[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// Which client IDs have a stream open, counted while each stream is being written.
final class ConnectedClients: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func isConnected(_ clientID: String) -> Bool {
        counts.withLock { $0[clientID, default: 0] > 0 }
    }

    /// The subscription's chunks, with the client counted as connected until the server stops
    /// reading them (the client went away, or the server stops).
    func connected(
        _ clientID: String,
        _ subscription: SSEBroadcaster.Subscription
    ) -> Released<SSEBroadcaster.Subscription> {
        counts.withLock { $0[clientID, default: 0] += 1 }
        return Released(subscription) { [self] in
            counts.withLock { counts in
                counts[clientID, default: 1] -= 1
                if counts[clientID] == 0 {
                    counts[clientID] = nil
                }
            }
        }
    }
}
