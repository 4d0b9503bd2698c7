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

public import ExampleSupport
import Foundation
import SSECodec
public import SSEStreaming
import Synchronization

/// The chat example's rooms, whatever the server: who is in which room, the room's events on one
/// broadcaster (so that a page resuming with `Last-Event-ID` gets the messages it missed), and
/// notifications for one user on the same broadcaster. The Hummingbird and the Vapor build only
/// route requests here.
///
/// Events, with JSON data: `join` and `leave` `{"user","members"}`, `message`
/// `{"user","text","time"}`, and `notification` `{"text"}` for one user.
public final class ChatRooms: Sendable {
    /// The page, from this target's Assets folder: the same for both builds.
    public static let page = EmbeddedAssets.indexHtml

    /// The longest message accepted, in characters.
    public static let maximumMessageLength = 1000

    /// The largest request body read, in bytes: a message of 1,000 characters in JSON fits well.
    public static let maximumBodySize = 16 * 1024

    /// The answer to a body over ``maximumBodySize``: a `413` that says why, as the page shows it.
    public static let bodyTooLarge = Refusal(
        status: 413,
        message: "A message is at most \(maximumMessageLength) characters; this request is over 16 KiB."
    )

    let broadcaster: SSEBroadcaster
    /// room → user → open streams.
    private let members = Mutex<[String: [String: Int]]>([:])

    public init() {
        var configuration = SSEBroadcaster.Configuration()
        configuration.idPrefix = ""
        configuration.maximumReplayCount = 500
        broadcaster = SSEBroadcaster(configuration: configuration)
    }

    /// A refused request: its status and a message that says why.
    public struct Refusal: Error {
        public let status: Int
        public let message: String
    }

    /// The room's events for `user` (and the user's notifications), resumed after
    /// `lastEventID`: the user joins when the stream starts and leaves when the server stops
    /// reading it.
    ///
    /// - Throws: `Refusal` (400) for an empty room or user name.
    public func events(
        room: String,
        user: String,
        lastEventID: String?
    ) throws(Refusal) -> Released<SSEBroadcaster.Subscription> {
        guard !room.isEmpty, !user.isEmpty, user.count <= 40 else {
            throw Refusal(status: 400, message: "A room and a user name (up to 40 characters) are required.")
        }
        let subscription = broadcaster.subscribe(to: [Self.topic(room)], subscriberID: user, lastEventID: lastEventID)
        let count = members.withLock { members in
            members[room, default: [:]][user, default: 0] += 1
            return members[room]!.count
        }
        publish(type: "join", ["user": user, "members": count], room: room)
        return Released(subscription) { [self] in leave(room: room, user: user) }
    }

    /// Posts a message from the JSON body `{"user": …, "text": …}`.
    ///
    /// - Returns: The message's event ID.
    /// - Throws: `Refusal`: 400 for a body that is not such JSON or an empty text, 413 for a text
    ///   over `maximumMessageLength` characters.
    public func post(room: String, body: [UInt8]) throws(Refusal) -> String {
        struct Posted: Decodable {
            let user: String
            let text: String
        }
        guard let posted = try? JSONDecoder().decode(Posted.self, from: Data(body)) else {
            throw Refusal(status: 400, message: "Expected JSON {\"user\": …, \"text\": …}.")
        }
        let text = posted.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, !posted.user.isEmpty else {
            throw Refusal(status: 400, message: "An empty message is not sent.")
        }
        guard text.count <= Self.maximumMessageLength else {
            throw Refusal(
                status: 413,
                message: "A message is at most \(Self.maximumMessageLength) characters; this one has \(text.count)."
            )
        }
        return publish(
            type: "message",
            ["user": posted.user, "text": text, "time": Date().formatted(.iso8601)],
            room: room
        )
    }

    /// Sends `user` a notification, in whichever room they are.
    ///
    /// - Returns: The notification's event ID.
    /// - Throws: `Refusal`: 400 for an empty text, 404 when `user` is in no room, never a silent
    ///   success.
    @discardableResult
    public func notify(user: String, text: String) throws(Refusal) -> String {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            throw Refusal(status: 400, message: "An empty notification is not sent.")
        }
        guard members.withLock({ $0.values.contains { $0[user] != nil } }) else {
            throw Refusal(status: 404, message: "No user \(user) is in a room.")
        }
        let event = ServerSentEvent(type: "notification", data: Self.json(["text": text]))
        return (try? broadcaster.publish(event, toSubscriber: user)) ?? ""
    }

    /// Ends every stream after ``ExampleServer/finalEvent`` (the server is stopping), and returns
    /// once each has taken its final event (a second at most), so that a server stopped next
    /// does not close a connection before that event is written.
    public func shutDown() async {
        try? broadcaster.shutDown(finalEvent: ExampleServer.finalEvent)
        for _ in 0..<100 where broadcaster.subscriberCount > 0 {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    @discardableResult
    private func publish(type: String, _ fields: [String: any Sendable], room: String) -> String {
        let event = ServerSentEvent(type: type, data: Self.json(fields))
        return (try? broadcaster.publish(event, to: Self.topic(room))) ?? ""
    }

    private func leave(room: String, user: String) {
        let count = members.withLock { members -> Int in
            members[room, default: [:]][user, default: 1] -= 1
            if members[room]?[user] == 0 {
                members[room]?[user] = nil
            }
            return members[room]?.count ?? 0
        }
        publish(type: "leave", ["user": user, "members": count], room: room)
    }

    private static func topic(_ room: String) -> String {
        "room:" + room
    }

    /// JSON with sorted keys, so that events read the same every time.
    private static func json(_ fields: [String: any Sendable]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
