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

import Foundation
import SSEStreaming
import SSETestSupport

extension Scenarios {
    /// Answers as generations, served by the adapter as users write it: a tab starts the answer,
    /// drops mid-answer and resumes from its last event ID; a second tab gets it from the start;
    /// one producer for all of them; a stop from another connection ends both streams; within the
    /// retention a resume gets the rest, a client that has the end gets `204`, as does an unknown
    /// answer; and an independent client written from the docs (`generation_client.py`) resumes and
    /// ends as they say.
    public static func generations(_ start: Start) async throws {
        let fixture = Fixture()
        let server = try await start(fixture, nil)
        let url = server.url("/answers/a1")
        func token(_ text: String, _ number: Int) -> String {
            "event: token\ndata: \(text)\nid: a1:\(number)\n\n"
        }
        func status(_ arguments: String...) async throws -> String {
            let child = try Child(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}"] + arguments)
            return try await blocking { child.readToEnd() }
        }

        let first = try Child(["curl", "-sN", url])
        try check(await eventually { fixture.answerProducers.started == 1 })
        fixture.emit("one", to: "a1")
        fixture.emit("two", to: "a1")
        var firstOutput = ""
        try check(try await first.receive(token("two", 2), into: &firstOutput))
        try check(firstOutput == token("one", 1) + token("two", 2), firstOutput)

        // The connection drops mid-answer; the answer goes on without it.
        first.kill()
        fixture.emit("three", to: "a1")
        try check(await eventually { fixture.generations.status(of: "a1")?.eventCount == 3 })
        let resumed = try Child(["curl", "-sN", "-H", "Last-Event-ID: a1:2", url])
        var resumedOutput = ""
        try check(try await resumed.receive(token("three", 3), into: &resumedOutput))
        try check(resumedOutput == token("three", 3), resumedOutput)

        // A second tab: the answer from the start, from the same producer.
        let second = try Child(["curl", "-sN", url])
        var secondOutput = ""
        try check(try await second.receive(token("three", 3), into: &secondOutput))
        fixture.emit("four", to: "a1")
        try check(try await resumed.receive(token("four", 4), into: &resumedOutput))
        try check(try await second.receive(token("four", 4), into: &secondOutput))
        try check(secondOutput == token("one", 1) + token("two", 2) + token("three", 3) + token("four", 4))
        try check(fixture.answerProducers.started == 1)

        // Stopped from another connection: the producer is cancelled, both streams end.
        try check(try await status("-X", "POST", server.url("/answers/a1/stop")) == "204")
        let stopped = "event: sse-generation-end\ndata: {\"reason\":\"stopped\"}\nid: a1:5\n\n"
        resumedOutput += try await blocking { resumed.readToEnd() }
        secondOutput += try await blocking { second.readToEnd() }
        try check(resumedOutput == token("three", 3) + token("four", 4) + stopped, resumedOutput)
        try check(secondOutput.hasSuffix(token("four", 4) + stopped), secondOutput)
        try check(await eventually { fixture.answerProducers.cancelled == 1 })
        try check(try await status("-X", "POST", server.url("/answers/a1/stop")) == "404")

        // Within the retention: the rest and the end; 204 for a client that has the end, and for
        // an answer nobody started.
        let late = try Child(["curl", "-sN", "-H", "Last-Event-ID: a1:3", url])
        try check(try await blocking { late.readToEnd() } == token("four", 4) + stopped)
        try check(try await status("-H", "Last-Event-ID: a1:5", url) == "204")
        try check(try await status("-H", "Last-Event-ID: zz:3", server.url("/answers/zz")) == "204")

        // An answer that completes; asking for it again joins it: the whole answer, no new producer.
        let whole =
            "event: token\ndata: only\nid: b1:1\n\n"
            + "event: sse-generation-end\ndata: {\"reason\":\"completed\"}\nid: b1:2\n\n"
        let third = try Child(["curl", "-sN", server.url("/answers/b1")])
        try check(await eventually { fixture.answerProducers.started == 2 })
        fixture.emit("only", to: "b1")
        fixture.finishAnswer("b1")
        try check(try await blocking { third.readToEnd() } == whole)
        let again = try Child(["curl", "-sN", server.url("/answers/b1")])
        try check(try await blocking { again.readToEnd() } == whole)
        try check(fixture.answerProducers.started == 2)

        // An independent client written from the article: it drops after two events, resumes with
        // its last event ID, reads to the end, and is told 204 when it asks again.
        let peer = try GenerationClient(server.url("/answers/p1"), dropAfter: 2)
        try check(await eventually { fixture.answerProducers.started == 3 })
        for index in 1...5 {
            fixture.emit("t\(index)", to: "p1")
        }
        fixture.finishAnswer("p1")
        let (report, output) = try await peer.report()
        try check(report.data == (1...5).map { "t\($0)" }, output)
        try check(report.ids == (1...5).map { "p1:\($0)" }, output)
        try check(report.end == ["reason": "completed"] && report.lastStatus == 204, output)
        try check(report.reconnects == 1, output)
        await server.stop()
        try fixture.generations.shutDown()
    }
}
