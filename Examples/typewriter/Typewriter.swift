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
/// with a final `shutdown` event, and exits 0.
@main
struct Typewriter {
    static func main() async {
        let options = ExampleOptions.parse(
            "typewriter",
            summary: "An AI-style answer streamed token by token to a page, resumable mid-answer.",
            [
                .init(
                    "--upstream",
                    value: "URL",
                    help: "Answers from this OpenAI-compatible chat API (key in OPENAI_API_KEY)."
                ),
                .init("--model", value: "NAME", help: "The upstream model (gpt-4o-mini)."),
                .init("--upstream-timeout", value: "SECONDS", help: "How long the upstream may stay silent (30)."),
            ] + ExampleOptions.tls
        )
        let upstream = upstream(options)
        await ExampleServer.main(options) {
            let farewell = Farewell()
            try await ExampleServer.run(
                "Typewriter demo",
                options: options,
                router: router(upstream: upstream, farewell: farewell),
                onShutdown: {
                    upstream?.shutDown()
                    await farewell.stop()
                }
            )
        }
    }

    /// `--upstream URL` (`--model NAME`, `--upstream-timeout SECONDS`), with the key from
    /// `OPENAI_API_KEY`: never on the command line, where other users of the machine see it.
    static func upstream(_ options: ExampleOptions) -> Upstream? {
        guard let url = options.value("--upstream") else {
            for name in ["--model", "--upstream-timeout"] where options.has(name) {
                ExampleOptions.fail(options.command, "\(name) goes with --upstream URL")
            }
            return nil
        }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            ExampleOptions.fail(options.command, "--upstream takes an http:// or https:// URL, not \(url)")
        }
        guard let key = ProcessInfo.processInfo.environment["OPENAI_API_KEY"], !key.isEmpty else {
            ExampleOptions.fail(
                options.command,
                "--upstream needs the API key in the environment: OPENAI_API_KEY=… typewriter --upstream URL"
            )
        }
        return Upstream(
            url: url,
            model: options.value("--model") ?? "gpt-4o-mini",
            apiKey: key,
            idleTimeout: .seconds(options.integer("--upstream-timeout", default: 30, in: 1...3600))
        )
    }

    /// `/` serves the page; `/answer?prompt=…` streams the answer (`pace=fast` for tests,
    /// `drop=1` to end the first response halfway and let the browser resume);
    /// `POST /answer/stop?answer=ID` stops an answer (with `--upstream`, its upstream request).
    static func router(upstream: Upstream? = nil, farewell: Farewell = Farewell()) -> SSERouter {
        var router = SSERouter()
        let page = Page.html(upstream: upstream != nil)
        router.get("/") { _ in .html(page) }
        router.get("/answer") { request in
            let prompt = request.query["prompt"] ?? ""
            if let upstream {
                return upstream.response(prompt: prompt, lastEventID: request.lastEventID)
            }
            let tokens = AnswerGenerator(prompt: prompt).tokens.count
            return .stream(
                farewell.track(
                    AnswerStream(
                        prompt: prompt,
                        lastEventID: request.lastEventID,
                        pace: request.query["pace"] == "fast" ? .fast : .realistic,
                        dropAfter: request.query["drop"] == "1" ? tokens / 2 : nil,
                        farewell: farewell
                    )
                )
            )
        }
        // A built-in answer is written by its own connection, and stops when the page closes it;
        // an upstream answer runs on its own, so that pages can resume it, until it ends or this.
        router.post("/answer/stop") { request in
            guard let upstream, let answer = request.query["answer"] else {
                return .empty(.noContent)
            }
            return upstream.stop(answer) ? .empty(.noContent) : .empty(.notFound)
        }
        return router
    }
}
