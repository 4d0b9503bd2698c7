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

/// The demo's stand-in for a language model: an answer for each prompt, cut into tokens, with the
/// pauses of a model typing.
struct AnswerGenerator: Sendable {
    /// How fast tokens come.
    enum Pace: Sendable {
        /// 15–80 ms a token, longer after punctuation, as a model streams.
        case realistic
        /// 2 ms a token, for tests.
        case fast
    }

    let prompt: String

    /// The answer's tokens: words with their following space, punctuation on its own.
    var tokens: [String] {
        let subject = prompt.isEmpty ? "your question" : "“\(prompt)”"
        let text = """
            You asked about \(subject). Here is how this answer reaches you: the server writes each \
            token as a Server-Sent Event the moment it is ready, flushes it, and your browser's \
            EventSource hands it to this page. Every chunk carries an ID. If the connection drops, \
            the browser reconnects by itself and sends the last ID it saw, and the server picks up \
            right after it: no token lost, none repeated. Proxies pass it through because the \
            response says text/event-stream, no-cache and X-Accel-Buffering: no, and gzip, when \
            your browser asks for it, is flushed after every event so nothing is held back.
            """
        var tokens: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if character == " " {
                tokens.append(current)
                current = ""
            }
        }
        if !current.isEmpty {
            tokens.append(current)
        }
        return tokens
    }

    /// The pause before token `index`.
    static func delay(before token: String, index: Int, pace: Pace) -> Duration {
        switch pace {
        case .fast:
            return .milliseconds(2)
        case .realistic:
            // A fixed pseudo-random jitter per index: lively, and the same on every run.
            var mixed = UInt64(index) &* 0x9E37_79B9_7F4A_7C15
            mixed ^= mixed >> 29
            let jitter = Int(mixed % 66)
            let afterPunctuation = token.last.map { ".,:;!?".contains($0) } ?? false
            return .milliseconds(15 + jitter + (afterPunctuation ? 150 : 0))
        }
    }
}
