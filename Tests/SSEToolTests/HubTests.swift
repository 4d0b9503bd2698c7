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

#if CommandLineTool
import Foundation
import SSETestSupport
import Testing

extension SSEToolTests {
    @Test(
        "hub: a form publish as Mercure's publishers send it (curl's own form encoding): topics from the form, type, data; /healthz; a private update and a form without data refused"
    )
    func hubFormPublish() async throws {
        let (hub, url) = try await Self.startServing(["hub"])
        let health = try Child(["curl", "-s", url + "/healthz"])
        #expect(try await blocking { health.readToEnd() } == "ok\n")
        let listener = try Child(["curl", "-siN", url + "/events?topic=news,books"])
        var head = ""
        #expect(try await listener.receive("\r\n\r\n", into: &head))
        let published = try Child([
            "curl", "-s", "-d", "topic=news", "-d", "topic=books", "--data-urlencode", "data=hello world & more\nline",
            "-d", "type=greeting", url + "/publish",
        ])
        #expect(try await blocking { published.readToEnd() } == "1\n")
        var output = ""
        #expect(try await listener.receive("id: 1\n\n", into: &output))
        #expect(output.contains("event: greeting\ndata: hello world & more\ndata: line\nid: 1\n\n"))
        for form in [["-d", "topic=news", "-d", "data=secret", "-d", "private=on"], ["-d", "topic=news"]] {
            let refused = try Child(
                ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}"] + form + [url + "/publish"]
            )
            #expect(try await blocking { refused.readToEnd() } == "400", "\(form)")
        }
        // The event went once to a client of both topics, and nothing else followed it.
        let next = try Child(["curl", "-s", "-d", "topic=news", "-d", "data=second", url + "/publish"])
        #expect(try await blocking { next.readToEnd() } == "2\n")
        #expect(try await listener.receive("id: 2\n\n", into: &output))
        #expect(output.components(separatedBy: "id: 1\n").count == 2)
        try await blocking {
            listener.kill()
            hub.kill()
        }
    }

    @Test(
        "hub settings: a flag wins over the environment (SSE_HUB_…), the environment over the configuration file, the file over the default; bad values exit 64"
    )
    func hubSettings() async throws {
        let file = NSTemporaryDirectory() + "sse-hub-\(UUID().uuidString).conf"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "# the hub's settings\nreplay = 1\nheartbeat = 1   # seconds\n".write(
            toFile: file,
            atomically: true,
            encoding: .utf8
        )
        /// Publishes three events and resumes after the first: whether the second came back.
        func resumes(_ arguments: [String], environment: [String]) async throws -> (resumed: Bool, output: String) {
            let (hub, url) = try await Self.startServing(["hub"] + arguments, environment: environment)
            defer { hub.kill() }
            for data in ["one", "two", "three"] {
                let publish = try Child(["curl", "-s", "-d", data, url + "/publish?topic=news"])
                _ = try await blocking { publish.readToEnd() }
            }
            let resumed = try Child(["curl", "-sN", "-H", "Last-Event-ID: 1", url + "/events?topic=news"])
            var output = ""
            // The file's heartbeat (1 s) comes after the replay, whichever replay limit applies.
            _ = try await resumed.receive("\n:", into: &output)
            resumed.kill()
            return (output.contains("data: two\nid: 2\n\n"), output)
        }
        // The file alone: one event kept, so the resume cannot be answered.
        let fromFile = try await resumes(["--config", file], environment: [])
        #expect(!fromFile.resumed && fromFile.output.contains("sse-replay-unavailable"), "\(fromFile.output)")
        #expect(fromFile.output.contains("\n:"), "the file's heartbeat: \(fromFile.output)")
        // The environment over the file: three kept.
        let fromEnvironment = try await resumes([], environment: ["SSE_HUB_CONFIG=\(file)", "SSE_HUB_REPLAY=3"])
        #expect(fromEnvironment.resumed, "\(fromEnvironment.output)")
        // A flag over the environment: one kept again.
        let fromFlag = try await resumes(
            ["--replay", "1"],
            environment: ["SSE_HUB_CONFIG=\(file)", "SSE_HUB_REPLAY=3"]
        )
        #expect(!fromFlag.resumed, "\(fromFlag.output)")

        let badEnvironment = try Child(["env", "SSE_HUB_HEARTBEAT=soon", Self.toolPath, "hub", "--port", "0"])
        let badOutput = try await blocking { badEnvironment.readToEnd() }
        #expect(badEnvironment.terminationStatus == 64, "\(badOutput)")
        try "replay = 1\nspeed = fast\n".write(toFile: file, atomically: true, encoding: .utf8)
        let badFile = try await Self.run(["hub", "--port", "0", "--config", file])
        #expect(badFile.status == 64 && badFile.errors.contains(":2: no option speed"), "\(badFile.errors)")
    }
}
#endif
