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

/// Tokens for the hub, made apart from its verifier: `jwt_tokens.py` (Python's hmac, from RFC
/// 7515/7518) with an HS256 secret the hub is given in `SSE_HUB_JWT_SECRET`.
struct HubTokens {
    let directory: String
    let secret: String

    init() throws {
        directory = NSTemporaryDirectory() + "sse-hub-tokens-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        secret = "hub-secret-" + UUID().uuidString
        try secret.write(toFile: directory + "/hub.secret", atomically: true, encoding: .utf8)
    }

    /// Signed tokens for `claims`, in order (`tamper`: a broken signature).
    func sign(_ claims: [[String: Any]], tamper: Bool = false) async throws -> [String] {
        let requests: [[String: Any]] = claims.map {
            ["alg": "HS256", "claims": $0, "secret_file": "hub.secret", "tamper": tamper]
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SSEAuthorizationTests/jwt_tokens.py").path
        let input = try JSONSerialization.data(withJSONObject: requests)
        let output = try await blocking { [directory] in
            let process = TestProcess()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script, "sign", directory]
            let standardInput = Pipe()
            let standardOutput = Pipe()
            process.standardInput = standardInput
            process.standardOutput = standardOutput
            try process.run()
            standardInput.fileHandleForWriting.write(input)
            try standardInput.fileHandleForWriting.close()
            let data = standardOutput.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return data
        }
        return try #require(try JSONSerialization.jsonObject(with: output) as? [String])
    }

    /// Claims with grants, living `lifetime` seconds.
    static func claims(
        _ subject: String,
        subscribe: [String] = [],
        publish: [String] = [],
        lifetime: Int = 600
    )
        -> [String: Any]
    {
        let now = Int(Date().timeIntervalSince1970)
        return [
            "sub": subject, "iat": now, "exp": now + lifetime, "sse": ["subscribe": subscribe, "publish": publish],
        ]
    }
}

extension SSEToolTests {
    /// `hub_peer.py`: the second implementation of the hub's API.
    static let hubPeer = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("hub_peer.py").path

    /// `curl -s -o /dev/null -w %{http_code}` with `arguments`: the status.
    static func status(_ arguments: [String]) async throws -> String {
        let child = try Child(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}"] + arguments)
        return try await blocking { child.readToEnd() }
    }

    /// A publish by the independent peer: "STATUS BODY".
    static func peerPublish(
        _ url: String,
        token: String?,
        _ kind: String,
        _ topics: String,
        _ data: String,
        isPrivate: Bool = false
    ) async throws -> String {
        let child = try Child(
            ["python3", hubPeer, "publish", url + "/publish", token ?? "-", kind, topics, data]
                + (isPrivate ? ["private"] : [])
        )
        return try await blocking { child.readToEnd() }.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(
        "hub with a JWT secret: publishers need publish grants (401/403), subscribers a token; private updates reach only subscribers whose grants allow the topic (header, one-time ticket, cookie); sse publish and an independent peer (form and JSON) publish"
    )
    func hubAuthorization() async throws {
        let tokens = try HubTokens()
        defer { try? FileManager.default.removeItem(atPath: tokens.directory) }
        let signed = try await tokens.sign([
            HubTokens.claims("backend", publish: ["news", "users/*"]),
            HubTokens.claims("alice", subscribe: ["users/alice"]),
            HubTokens.claims("bob"),
            HubTokens.claims("late", subscribe: ["users/*"], lifetime: -120),
        ])
        let (publisher, alice, bob, expired) = (signed[0], signed[1], signed[2], signed[3])
        let forged = try await tokens.sign([HubTokens.claims("mallory", subscribe: ["users/*"])], tamper: true)[0]
        let (hub, url) = try await Self.startServing(["hub"], environment: ["SSE_HUB_JWT_SECRET=\(tokens.secret)"])
        defer { hub.kill() }

        // Publishing: no token, a token without the grant, a forged one; then the grant.
        #expect(try await Self.status(["-d", "topic=news", "-d", "data=x", url + "/publish"]) == "401")
        let bobPublishes = ["-H", "Authorization: Bearer \(bob)", "-d", "topic=news", "-d", "data=x", url + "/publish"]
        #expect(try await Self.status(bobPublishes) == "403")
        #expect(try await Self.peerPublish(url, token: forged, "form", "news", "x").hasPrefix("401"))
        #expect(try await Self.peerPublish(url, token: publisher, "form", "sports", "x").hasPrefix("403"))
        // A cookie does not publish (another site's page could make a browser send it).
        #expect(
            try await Self.status([
                "-b", "sse_token=\(publisher)", "-d", "topic=news", "-d", "data=x", url + "/publish",
            ]) == "401"
        )

        // Subscribing: no token, an expired one, a forged one are refused.
        #expect(try await Self.status(["--max-time", "5", url + "/events?topic=news"]) == "401")
        #expect(
            try await Self.status([
                "--max-time", "5", "-H", "Authorization: Bearer \(expired)", url + "/events?topic=news",
            ]) == "401"
        )
        #expect(
            try await Self.status([
                "--max-time", "5", "-H", "Authorization: Bearer \(forged)", url + "/events?topic=news",
            ]) == "401"
        )
        // A topic of the hub's own cannot be named.
        #expect(
            try await Self.status(["-H", "Authorization: Bearer \(alice)", url + "/events?topic=~private/users/alice"])
                == "400"
        )

        // Alice by header (curl), Bob by the independent peer, both on news and users/alice.
        let topics = "/events?topic=news,users/alice"
        let aliceStream = try Child(["curl", "-siN", "-H", "Authorization: Bearer \(alice)", url + topics])
        let bobStream = try Child(["python3", Self.hubPeer, "subscribe", url + topics, bob, "100"])
        var aliceOutput = ""
        #expect(try await aliceStream.receive("\r\n\r\n", into: &aliceOutput), "the stream's head")
        // Publish once both are in: the peer's stream has no first line to wait for, so publish
        // a first event until it arrives.
        var bobOutput = ""
        repeat {
            _ = try await Self.publishTool(url, publisher, ["--topic", "news", "--data", "public one"])
        } while !(try await bobStream.receive("public one", into: &bobOutput, timeout: 1))
        #expect(
            try await Self.peerPublish(url, token: publisher, "json", "users/alice", "for alice only", isPrivate: true)
                .hasPrefix("200")
        )
        let lastPublic = try await Self.peerPublish(url, token: publisher, "form", "users/alice,news", "public two")
        #expect(lastPublic.hasPrefix("200"), "\(lastPublic)")
        let lastID = String(lastPublic.dropFirst(4))

        #expect(try await aliceStream.receive("id: \(lastID)\n\n", into: &aliceOutput))
        #expect(aliceOutput.contains("data: for alice only\n"), "\(aliceOutput)")
        #expect(aliceOutput.contains("data: public two\nid: \(lastID)\n\n"))
        // The peer prints each event as it comes: the private one would have come before.
        #expect(try await bobStream.receive("\"data\": \"public two\", \"id\": \"\(lastID)\"", into: &bobOutput))
        #expect(!bobOutput.contains("for alice only"), "\(bobOutput)")
        aliceStream.kill()
        bobStream.kill()

        // A one-time ticket for a native EventSource URL: it streams alice's private updates once.
        let ticketRequest = try Child([
            "curl", "-s", "-X", "POST", "-H", "Authorization: Bearer \(alice)", url + "/ticket",
        ])
        let ticketJSON = try await blocking { ticketRequest.readToEnd() }
        let ticket = try #require(
            (try JSONSerialization.jsonObject(with: Data(ticketJSON.utf8)) as? [String: Any])?["ticket"] as? String,
            "\(ticketJSON)"
        )
        let ticketStream = try Child([
            "curl", "-sN", "-H", "Last-Event-ID: \(lastID)", url + "/events?topic=users/alice&ticket=\(ticket)",
        ])
        // It resumes after the last ID: what is published before it subscribes is replayed.
        var ticketOutput = ""
        let privateID = try await Self.publishTool(
            url,
            publisher,
            ["--topic", "users/alice", "--data", "by ticket", "--private"]
        )
        #expect(try await ticketStream.receive("id: \(privateID)\n\n", into: &ticketOutput), "\(ticketOutput)")
        #expect(ticketOutput.contains("data: by ticket\n"))
        ticketStream.kill()
        #expect(
            try await Self.status(["--max-time", "5", url + "/events?topic=users/alice&ticket=\(ticket)"]) == "401"
        )

        // A cookie, set by POST /cookie from the bearer token: HttpOnly, Secure, SameSite=Strict.
        let cookieRequest = try Child([
            "curl", "-si", "-X", "POST", "-H", "Authorization: Bearer \(alice)", url + "/cookie",
        ])
        let cookieHead = try await blocking { cookieRequest.readToEnd() }
        let setCookie = try #require(
            cookieHead.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") },
            "\(cookieHead)"
        )
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("Secure") && setCookie.contains("SameSite=Strict"))
        let cookie = setCookie.dropFirst("set-cookie: ".count).split(separator: ";")[0]
        let cookieStream = try Child([
            "curl", "-sN", "-b", String(cookie), "-H", "Last-Event-ID: \(privateID)", url + "/events?topic=users/alice",
        ])
        let cookieID = try await Self.publishTool(
            url,
            publisher,
            ["--topic", "users/alice", "--data", "by cookie", "--private"]
        )
        var cookieOutput = ""
        #expect(try await cookieStream.receive("id: \(cookieID)\n\n", into: &cookieOutput), "\(cookieOutput)")
        #expect(cookieOutput.contains("data: by cookie\n"))
        cookieStream.kill()
    }

    @Test(
        "hub --anonymous: a subscriber without credentials gets public updates only; sse publish exits 70 on a refusal"
    )
    func hubAnonymous() async throws {
        let tokens = try HubTokens()
        defer { try? FileManager.default.removeItem(atPath: tokens.directory) }
        let publisher = try await tokens.sign([HubTokens.claims("backend", publish: ["*"])])[0]
        let (hub, url) = try await Self.startServing(
            ["hub", "--anonymous", "--cors-origin", "https://app.example.com"],
            environment: ["SSE_HUB_JWT_SECRET=\(tokens.secret)"]
        )
        defer { hub.kill() }
        // A page of the named origin may publish with its token and subscribe with its cookie.
        let preflight = try Child([
            "curl", "-si", "-X", "OPTIONS", "-H", "Origin: https://app.example.com", "-H",
            "Access-Control-Request-Method: POST", "-H", "Access-Control-Request-Headers: authorization",
            url + "/publish",
        ])
        let preflightHead = try await blocking { preflight.readToEnd() }.lowercased()
        #expect(preflightHead.contains("access-control-allow-origin: https://app.example.com\r\n"), "\(preflightHead)")
        #expect(preflightHead.contains("access-control-allow-credentials: true\r\n"))
        #expect(preflightHead.contains("authorization"))
        let otherOrigin = try Child([
            "curl", "-si", "-X", "OPTIONS", "-H", "Origin: https://evil.example", "-H",
            "Access-Control-Request-Method: POST", url + "/publish",
        ])
        #expect(!(try await blocking { otherOrigin.readToEnd() }.lowercased().contains("access-control-allow-origin")))
        let stream = try Child(["curl", "-siN", url + "/events?topic=news"])
        var output = ""
        #expect(try await stream.receive("\r\n\r\n", into: &output))
        _ = try await Self.publishTool(url, publisher, ["--topic", "news", "--data", "secret", "--private"])
        let publicID = try await Self.publishTool(url, publisher, ["--topic", "news", "--data", "for everyone"])
        #expect(try await stream.receive("id: \(publicID)\n\n", into: &output))
        #expect(!output.contains("secret") && output.contains("data: for everyone\n"), "\(output)")
        stream.kill()

        let refused = try await Self.run(["publish", url + "/publish", "--topic", "news", "--data", "x"])
        #expect(refused.status == 70 && refused.errors.contains("401"), "\(refused.errors)")
        // Without a key, a private update is refused; anonymous needs a key.
        let (open, openURL) = try await Self.startServing(["hub"])
        defer { open.kill() }
        let privateOnOpen = try await Self.run([
            "publish", openURL + "/publish", "--topic", "news", "--data", "x", "--private",
        ])
        #expect(privateOnOpen.status == 70 && privateOnOpen.errors.contains("400"), "\(privateOnOpen.errors)")
        let anonymousAlone = try await Self.run(["hub", "--port", "0", "--anonymous"])
        #expect(anonymousAlone.status == 64, "\(anonymousAlone.errors)")
    }

    /// `sse publish` with `token` and `arguments`: the ID it prints.
    static func publishTool(_ url: String, _ token: String, _ arguments: [String]) async throws -> String {
        let run = try await Self.run(["publish", url + "/publish", "--token", token] + arguments)
        #expect(run.status == 0, "\(run.errors)")
        return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
#endif

#if CommandLineTool
extension SSEToolTests {
    @Test(
        "headless Chromium, a page of the hub's origin: its token becomes an HttpOnly cookie, and a native EventSource over HTTP/2 (TLS) receives the public updates and its own private ones, not another user's",
        .requires(.chromium, .openssl)
    )
    func hubInChromium() async throws {
        let certificates = try TestCertificates()
        let tokens = try HubTokens()
        defer {
            certificates.remove()
            try? FileManager.default.removeItem(atPath: tokens.directory)
        }
        let signed = try await tokens.sign([
            HubTokens.claims("alice", subscribe: ["users/alice"]),
            HubTokens.claims("backend", publish: ["*"]),
        ])
        let (hub, url) = try await Self.startServing(
            ["hub", "--tls-certificate", certificates.certificate, "--tls-key", certificates.privateKey],
            environment: ["SSE_HUB_JWT_SECRET=\(tokens.secret)"]
        )
        defer { hub.kill() }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "hub_browser.py"
        )
        let browser = try Child(["python3", script.path, url, signed[0], signed[1]])
        let output = try await blocking { browser.readToEnd() }
        let result = try #require(
            try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
            "\(output)"
        )
        #expect(result["received"] as? [String] == ["for alice", "for everyone", "last"], "\(result)")
        #expect(result["protocol"] as? String == "h2", "\(result)")
        #expect(result["connections"] as? Int == 1, "the stream shares the page's HTTP/2 connection: \(result)")
        #expect(result["cookieVisible"] as? Bool == false, "HttpOnly: no script reads it")
    }
}
#endif
