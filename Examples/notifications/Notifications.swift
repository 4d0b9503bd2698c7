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
/// - `GET /sse/connect?clientId=ID`: the client's stream: `notification` events for it and for
///   everyone, and a `ping` event every `--ping` seconds (15) that pages listen for;
/// - `POST /sse/send` with `{"clientId": …, "message": …}`: to that client only; `404` with
///   `{"error": …}` when it is not connected, never a silent success;
/// - `POST /sse/broadcast` with `{"message": …}`: to every client.
///
/// ```sh
/// swift run --package-path Examples notifications   # http://127.0.0.1:8080/?clientId=alice
/// curl -d '{"clientId":"alice","message":"hi"}' -H 'Content-Type: application/json' 127.0.0.1:8080/sse/send
/// ```
@main
struct Notifications {
    static func main() async throws {
        let ping = ExampleServer.option("--ping").flatMap { Int($0) }
        let broadcaster = SSEBroadcaster()
        let clients = ConnectedClients()
        try await ExampleServer.run(
            "Notifications",
            router: router(broadcaster: broadcaster, clients: clients),
            services: [
                EveryInterval(.seconds(ping ?? 15)) {
                    _ = try? broadcaster.publish(
                        ServerSentEvent(type: "ping", data: Date().formatted(.iso8601)),
                        to: Self.everyone
                    )
                }
            ],
            onShutdown: { try? broadcaster.shutDown() }
        )
    }

    /// The topic every client subscribes to: broadcasts and pings.
    static let everyone = "everyone"

    struct Direct: Decodable {
        let clientId: String
        let message: String
    }

    struct Broadcast: Decodable {
        let message: String
    }

    struct Notification: Encodable {
        let message: String
        let from: String
    }

    static func router(broadcaster: SSEBroadcaster, clients: ConnectedClients) -> SSERouter {
        var router = SSERouter()
        router.get("/", asset: SSEAsset(EmbeddedAssets.indexHtml, contentType: .html))
        router.get("/sse/connect") { request in
            guard let clientID = request.query["clientId"], !clientID.isEmpty else {
                throw SSEHTTPError(.badRequest, "clientId is required: /sse/connect?clientId=…")
            }
            let subscription = broadcaster.subscribe(
                to: [everyone],
                subscriberID: clientID,
                lastEventID: request.lastEventID
            )
            return .stream(clients.connected(clientID, subscription))
        }
        router.post("/sse/send") { request in
            let direct = try request.decodeJSON(Direct.self)
            guard clients.isConnected(direct.clientId) else {
                return try .json(["error": "No client \(direct.clientId) is connected."], status: .notFound)
            }
            let event = ServerSentEvent(
                type: "notification",
                data: try json(Notification(message: direct.message, from: "direct"))
            )
            let id = try broadcaster.publish(event, toSubscriber: direct.clientId)
            return try .json(["id": id], status: .accepted)
        }
        router.post("/sse/broadcast") { request in
            let broadcast = try request.decodeJSON(Broadcast.self)
            let event = ServerSentEvent(
                type: "notification",
                data: try json(Notification(message: broadcast.message, from: "broadcast"))
            )
            let id = try broadcaster.publish(event, to: everyone)
            return try .json(["id": id], status: .accepted)
        }
        return router
    }

    /// JSON with its keys in one order.
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
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
