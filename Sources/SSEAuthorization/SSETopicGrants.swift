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

/// Which topics a principal may subscribe to and publish to.
///
/// ```swift
/// let grants = SSETopicGrants(subscribe: ["users/42", "rooms/*"], publish: ["rooms/lobby"])
/// grants.maySubscribe(to: "rooms/lobby")    // true
/// grants.mayPublish(to: "rooms/kitchen")    // false
/// ```
public struct SSETopicGrants: Sendable, Hashable {
    /// The topics the principal may receive.
    public var subscribe: [SSETopicPattern]
    /// The topics the principal may publish to.
    public var publish: [SSETopicPattern]

    /// Grants to subscribe and to publish; none of either by default.
    public init(subscribe: [SSETopicPattern] = [], publish: [SSETopicPattern] = []) {
        self.subscribe = subscribe
        self.publish = publish
    }

    /// Whether a pattern of ``subscribe`` matches `topic`.
    public func maySubscribe(to topic: String) -> Bool {
        subscribe.contains { $0.matches(topic) }
    }

    /// Whether a pattern of ``publish`` matches `topic`.
    public func mayPublish(to topic: String) -> Bool {
        publish.contains { $0.matches(topic) }
    }
}

/// A topic name, or a prefix of topic names.
///
/// From a string, as tokens carry them: `"rooms/lobby"` is that topic alone, `"rooms/*"` every
/// topic that starts with `rooms/`, and `"*"` every topic. Topics are compared byte for byte
/// (their UTF-8), never as canonically equivalent strings.
public struct SSETopicPattern: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    private let text: String
    private let isPrefix: Bool

    /// The pattern a string describes: a trailing `*` makes the rest a prefix.
    public init(_ pattern: String) {
        if pattern.utf8.last == UInt8(ascii: "*") {
            text = String(pattern.dropLast())
            isPrefix = true
        } else {
            text = pattern
            isPrefix = false
        }
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// One topic, whatever characters it has (a trailing `*` included).
    public static func exact(_ topic: String) -> Self {
        Self(text: topic, isPrefix: false)
    }

    /// Every topic that starts with `prefix`.
    public static func prefix(_ prefix: String) -> Self {
        Self(text: prefix, isPrefix: true)
    }

    /// Every topic.
    public static let any = Self.prefix("")

    private init(text: String, isPrefix: Bool) {
        self.text = text
        self.isPrefix = isPrefix
    }

    /// Whether `topic` is the pattern's topic, or starts with its prefix.
    public func matches(_ topic: String) -> Bool {
        isPrefix ? topic.utf8.starts(with: text.utf8) : topic.utf8.elementsEqual(text.utf8)
    }

    /// The pattern as a token writes it (`rooms/*`).
    public var description: String {
        isPrefix ? text + "*" : text
    }
}
