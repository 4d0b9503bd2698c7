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

import HTTPTypes
import Synchronization

/// The body of one answer as it is collected.
struct Answer: Sendable {
    private(set) var body: [UInt8] = []
    private(set) var eventCount = 0
    private let maximumEvents: Int
    private let maximumBytes: Int
    private var eventBytes = 0

    init(configuration: SSELongPoll.Configuration) {
        maximumEvents = configuration.maximumEvents
        maximumBytes = configuration.maximumBytes
        body = Self.leadingBytes(configuration)
    }

    /// What every answer and stream starts with: the padding comment, if any, and `retry:`.
    static func leadingBytes(_ configuration: SSELongPoll.Configuration) -> [UInt8] {
        var bytes: [UInt8] = []
        if configuration.paddingBytes > 0 {
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: configuration.paddingBytes))
            bytes.append(contentsOf: [0x0A, 0x0A])
        }
        let milliseconds =
            configuration.retry.components.seconds * 1000
            + configuration.retry.components.attoseconds / 1_000_000_000_000_000
        bytes.append(contentsOf: "retry: \(milliseconds)\n\n".utf8)
        return bytes
    }

    var isFull: Bool {
        eventCount >= maximumEvents || eventBytes >= maximumBytes
    }

    /// Adds one chunk of the subscription, an event or an in-band signal; returns whether it was
    /// one. Heartbeat comments are left out: an answer ends after its first event, and a comment
    /// would end it for nothing.
    mutating func append(_ chunk: [UInt8]) -> Bool {
        guard chunk.first != UInt8(ascii: ":") else {
            return false
        }
        body.append(contentsOf: chunk)
        eventCount += 1
        eventBytes += chunk.count
        return true
    }

    func response(cursor: String?) -> SSELongPoll.Response {
        var body = self.body
        if eventCount == 0, let cursor {
            body.append(contentsOf: "id: \(cursor)\n\n".utf8)
        }
        return SSELongPoll.Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8",
                .cacheControl: "no-store",
                .contentLength: String(body.count),
            ],
            body: body,
            eventCount: eventCount
        )
    }
}

/// The answer shared by the tasks of one wait.
final class Collected: Sendable {
    let answer: Mutex<Answer>

    init(_ answer: Answer) {
        self.answer = Mutex(answer)
    }
}
