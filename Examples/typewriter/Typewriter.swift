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
import SSENIO

/// The typewriter demo: serves its page and an answer endpoint on the embedded server.
///
/// ```sh
/// swift run --package-path Examples typewriter            # http://127.0.0.1:8080/
/// swift run --package-path Examples typewriter --port 0   # any free port
/// ```
///
/// Ctrl-C (SIGINT) or SIGTERM stops it gracefully: it stops listening, ends the open answers
/// properly, and exits 0.
@main
struct Typewriter {
    static func main() async throws {
        try await ExampleServer.run("Typewriter demo", router: router())
    }

    /// `/` serves the page; `/answer?prompt=…` streams the answer (`pace=fast` for tests,
    /// `drop=1` to end the first response halfway and let the browser resume).
    static func router() -> SSERouter {
        var router = SSERouter()
        router.get("/") { _ in .html(Page.html) }
        router.get("/answer") { request in
            let prompt = request.query["prompt"] ?? ""
            let tokens = AnswerGenerator(prompt: prompt).tokens.count
            return .stream(
                AnswerStream(
                    prompt: prompt,
                    lastEventID: request.lastEventID,
                    pace: request.query["pace"] == "fast" ? .fast : .realistic,
                    dropAfter: request.query["drop"] == "1" ? tokens / 2 : nil
                )
            )
        }
        return router
    }
}
