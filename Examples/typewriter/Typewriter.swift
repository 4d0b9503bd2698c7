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
import HTTPTypes
import SSENIO
import SSENIOCore
import SSEStreaming

/// The typewriter demo: serves its page and an answer endpoint on the embedded server.
///
/// ```sh
/// swift run --package-path Examples typewriter            # http://127.0.0.1:8080/
/// swift run --package-path Examples typewriter --port 0   # any free port
/// OPENAI_API_KEY=… swift run --package-path Examples typewriter --upstream https://api.openai.com/v1/chat/completions
/// ```
///
/// Every answer is a generation (see ``Answers``): it runs on its own, pages attach to it and
/// resume it, and one model call serves them all. With `--upstream`, answers come from that
/// OpenAI-compatible API (see ``Upstream``).
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
            let generations = Answers.generations()
            try await ExampleServer.run(
                "Typewriter demo",
                options: options,
                router: router(upstream: upstream, generations: generations),
                onShutdown: { try? generations.shutDown(finalEvent: ExampleServer.finalEvent) }
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

    /// Half a second before a dropped page reconnects.
    static let retryField = Array("retry: 500\n\n".utf8)

    /// `/` serves the page; `/answer?prompt=…` starts an answer and streams it (`pace=fast` for
    /// tests, `drop=1` to end the first response halfway and let the browser resume); a request
    /// with a last event ID, or `answer=ID` (a page after a refresh), gets the rest of that answer
    /// and never starts one (`204` once it is gone); `POST /answer/stop?answer=ID` stops one.
    static func router(upstream: Upstream? = nil, generations: SSEGenerations = Answers.generations()) -> SSERouter {
        var router = SSERouter()
        let page = Page.html(upstream: upstream != nil)
        router.get("/") { _ in .html(page) }
        router.get("/answer") { request in
            let resuming = request.lastEventID.flatMap(SSEGenerations.generationID(of:)) ?? request.query["answer"]
            if let resuming {
                let subscription = generations.subscribe(to: resuming, lastEventID: request.lastEventID)
                return subscription.map { .stream(SSEStreamBody.subscription($0).startingWith(retryField)) } ?? .empty()
            }
            let prompt = request.query["prompt"] ?? ""
            let answer = Answers.newID()
            do {
                if let upstream {
                    try generations.start(answer) { try await upstream.answer(prompt, to: $0) }
                } else {
                    let pace: AnswerGenerator.Pace = request.query["pace"] == "fast" ? .fast : .realistic
                    try generations.start(answer) { try await Answers.builtIn(prompt, pace: pace, to: $0) }
                }
            } catch {
                var response = SSEResponse.text(
                    (error as? SSEGenerationError) == .tooManyGenerations
                        ? "Too many answers are being written at once; try again in a moment.\n"
                        : "The server is stopping.\n",
                    status: .serviceUnavailable
                )
                response.headers[.retryAfter] = "5"
                return response
            }
            guard let subscription = generations.subscribe(to: answer) else {
                return .empty()
            }
            // The answer's ID before any of its events: a connection that drops before the first
            // one resumes this answer (from its start), instead of asking for a new one.
            let prefix = Array("retry: 500\nid: \(answer):0\n\n".utf8)
            if request.query["drop"] == "1", upstream == nil {
                // The start and half the chunks, then the response ends: the browser resumes.
                let half = AnswerGenerator(prompt: prompt).tokens.count / 2
                return .stream(SSEStreamBody.chunks(subscription.prefix(1 + half)).startingWith(prefix))
            }
            return .stream(SSEStreamBody.subscription(subscription).startingWith(prefix))
        }
        router.post("/answer/stop") { request in
            guard let answer = request.query["answer"] else {
                return .badRequest("Which answer? POST /answer/stop?answer=ID")
            }
            return generations.stop(answer) ? .empty() : .empty(.notFound)
        }
        return router
    }
}
