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
import SSENIO

/// The typewriter demo: serves its page and an answer endpoint on the embedded server.
///
/// ```sh
/// swift run --package-path Examples typewriter            # http://127.0.0.1:8080/
/// swift run --package-path Examples typewriter --port 0   # any free port
/// OPENAI_API_KEY=… swift run --package-path Examples typewriter --upstream https://api.openai.com/v1/chat/completions
/// ```
///
/// With `--upstream`, answers come from that OpenAI-compatible API (see ``Upstream``).
///
/// Ctrl-C (SIGINT) or SIGTERM stops it gracefully: it stops listening, ends the open answers
/// properly, and exits 0.
@main
struct Typewriter {
    static func main() async throws {
        try await ExampleServer.run("Typewriter demo", router: router(upstream: try upstream()))
    }

    /// `--upstream URL` (`--model NAME`, `--upstream-timeout SECONDS`), with the key from
    /// `OPENAI_API_KEY`: never on the command line, where other users of the machine see it.
    static func upstream() throws -> Upstream? {
        let value = ExampleServer.option
        guard let url = value("--upstream") else {
            return nil
        }
        guard let key = ProcessInfo.processInfo.environment["OPENAI_API_KEY"], !key.isEmpty else {
            print("--upstream needs the API key in the environment: OPENAI_API_KEY=… typewriter --upstream URL")
            exit(64)
        }
        return Upstream(
            url: url,
            model: value("--model") ?? "gpt-4o-mini",
            apiKey: key,
            idleTimeout: .seconds(Int(value("--upstream-timeout") ?? "") ?? 30)
        )
    }

    /// `/` serves the page; `/answer?prompt=…` streams the answer (`pace=fast` for tests,
    /// `drop=1` to end the first response halfway and let the browser resume).
    static func router(upstream: Upstream? = nil) -> SSERouter {
        var router = SSERouter()
        router.get("/") { _ in .html(Page.html) }
        router.get("/answer") { request in
            let prompt = request.query["prompt"] ?? ""
            if let upstream {
                return upstream.response(prompt: prompt, lastEventID: request.lastEventID)
            }
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
