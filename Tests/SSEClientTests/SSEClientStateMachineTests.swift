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

#if AsyncHTTPClientSupport
import Foundation
import HTTPTypes
@testable import SSEClient
import Testing

/// The reconnection logic alone, decision by decision, with the randomness and the clock fixed.
@Suite("SSEClient state machine")
struct SSEClientStateMachineTests {
    static let url = "http://127.0.0.1:8080/events"

    static func machine(
        _ configure: (inout SSEClient.Configuration) -> Void = { _ in },
        random: Double = 0,
        now: Double = 0
    ) -> SSEClientStateMachine {
        var configuration = SSEClient.Configuration()
        configure(&configuration)
        return SSEClientStateMachine(
            target: .init(url: url, method: configuration.method, body: configuration.body),
            configuration: configuration,
            random: { random },
            now: { now }
        )
    }

    static func head(_ status: Int, _ fields: [HTTPField.Name: String] = [:]) -> HTTPResponse {
        var headerFields = HTTPFields()
        for (name, value) in fields {
            headerFields[name] = value
        }
        return HTTPResponse(status: .init(code: status), headerFields: headerFields)
    }

    struct Failure: Error {}

    @Test("The documented table: attempt → delay, jitter adding up to 20 %")
    func delayTable() {
        let policy = SSEClient.ReconnectionPolicy()
        let withoutJitter = (1...7).map { policy.delay(beforeAttempt: $0, reconnectionTime: .seconds(3), random: 0) }
        #expect(withoutJitter == [3, 6, 12, 24, 30, 30, 30].map { .seconds($0) })
        let fullJitter = (1...5).map { policy.delay(beforeAttempt: $0, reconnectionTime: .seconds(3), random: 1) }
        let expected: [Double] = [3.6, 7.2, 14.4, 28.8, 36]
        for (delay, seconds) in zip(fullJitter, expected) {
            #expect(abs(delay.seconds - seconds) < 1e-9)
        }
        #expect(policy.delay(beforeAttempt: 1_000, reconnectionTime: .seconds(3), random: 0) == .seconds(30))
        // `retry: 0` never makes a hot loop.
        #expect(policy.delay(beforeAttempt: 1, reconnectionTime: .zero, random: 0) == .milliseconds(100))
        // A reconnection time above the cap (a long initial reconnection time) is not shortened;
        // the server's `retry` is capped where it is taken (`retryCapped`).
        #expect(policy.delay(beforeAttempt: 1, reconnectionTime: .seconds(90), random: 0) == .seconds(90))
        #expect(policy.delay(beforeAttempt: 3, reconnectionTime: .seconds(90), random: 0) == .seconds(90))
    }

    @Test("Backoff grows with failures in a row and starts again after a healthy connection")
    func backoffResets() {
        var machine = Self.machine()
        var delays: [Duration] = []
        for healthy in [false, false, false, true, false] {
            guard
                case .reconnect(let delay, _, _) = machine.attemptEnded(
                    .interrupted(.error(Failure()), healthy: healthy)
                )
            else {
                Issue.record("expected a reconnection")
                return
            }
            delays.append(delay)
        }
        #expect(delays == [3, 6, 12, 3, 6].map { .seconds($0) })
    }

    @Test("The server's retry value is the base of the delay")
    func retryValue() {
        var machine = Self.machine()
        machine.retry(milliseconds: 250)
        guard
            case .reconnect(let delay, let reason, _) = machine.attemptEnded(.interrupted(.endOfStream, healthy: true))
        else {
            Issue.record("expected a reconnection")
            return
        }
        #expect(delay == .milliseconds(250))
        #expect(reason == .endOfStream)
    }

    @Test("A hostile retry value is capped by the maximum delay; durations saturate instead of trapping")
    func retryCapped() {
        var machine = Self.machine()
        machine.retry(milliseconds: 99_999_999_999)
        #expect(machine.reconnectionTime == .seconds(30))
        guard case .reconnect(let delay, _, _) = machine.attemptEnded(.interrupted(.endOfStream, healthy: true))
        else {
            Issue.record("expected a reconnection")
            return
        }
        #expect(delay >= .seconds(30) && delay <= .seconds(36))
        machine = Self.machine { $0.reconnection.maximumDelay = .seconds(Int64.max) }
        machine.retry(milliseconds: .max)
        #expect(machine.reconnectionTime == .milliseconds(Int.max))
        let huge = SSEClient.ReconnectionPolicy(maximumDelay: .seconds(Int64.max))
        #expect(
            huge.delay(beforeAttempt: 64, reconnectionTime: .seconds(Int64.max), random: 1) == .seconds(Int64(1) << 40)
        )
        #expect(Duration.seconds(Int64.max).nanoseconds == .max)
        #expect(Duration.seconds(Int64.min).nanoseconds == .min)
    }

    @Test("A requested reconnection goes at once, even for a POST, and does not count as a failure")
    func requestedReconnection() {
        var machine = Self.machine {
            $0.method = .post
            $0.reconnection.maximumConsecutiveFailures = 0
        }
        for _ in 1...3 {
            guard case .reconnect(let delay, let reason, _) = machine.attemptEnded(.reconnectRequested(healthy: false))
            else {
                Issue.record("expected a reconnection")
                return
            }
            #expect(delay == .zero)
            #expect(reason == .requested)
        }
        guard case .reconnect(.zero, .requested, _) = machine.reconnectRequested() else {
            Issue.record("expected a reconnection at once")
            return
        }
    }

    @Test("A POST is not sent again: its end closes, its failures throw")
    func nonIdempotent() {
        let post: (inout SSEClient.Configuration) -> Void = { $0.method = .post }
        var machine = Self.machine(post)
        guard case .close(let reason) = machine.attemptEnded(.interrupted(.endOfStream, healthy: true)) else {
            Issue.record("expected the end")
            return
        }
        #expect(reason == .endOfStream)
        machine = Self.machine(post)
        guard case .fail(let error) = machine.attemptEnded(.interrupted(.error(Failure()), healthy: false)) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error == .connectionFailed)
        machine = Self.machine(post)
        guard case .fail(let idle) = machine.attemptEnded(.interrupted(.idleTimeout, healthy: false)) else {
            Issue.record("expected a failure")
            return
        }
        #expect(idle == .idleTimeout)
        machine = Self.machine {
            $0.method = .post
            $0.reconnection.resendsNonIdempotentRequests = true
        }
        guard case .reconnect = machine.attemptEnded(.interrupted(.endOfStream, healthy: true)) else {
            Issue.record("expected a reconnection when the caller allows it")
            return
        }
    }

    @Test("Statuses fail with the excerpt unless retried; Retry-After in seconds or as a date, capped")
    func statuses() {
        var machine = Self.machine { $0.reconnection.retriedStatuses = [] }
        guard case .fail(let error) = machine.attemptEnded(.notOpened(Self.head(503), .refused, excerpt: "busy")) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error == .badStatus && error.status == 503 && error.bodyExcerpt == "busy")

        let retried: (inout SSEClient.Configuration) -> Void = {
            $0.reconnection.retriedStatuses = SSEClient.ReconnectionPolicy.transientStatuses
            $0.reconnection.maximumRetryAfter = .seconds(60)
        }
        machine = Self.machine(retried, now: 784_111_777)
        var actions = [
            machine.attemptEnded(.notOpened(Self.head(503, [.retryAfter: "7"]), .refused, excerpt: "")),
            machine.attemptEnded(
                .notOpened(Self.head(429, [.retryAfter: "Sun, 06 Nov 1994 08:49:57 GMT"]), .refused, excerpt: "")
            ),
            machine.attemptEnded(.notOpened(Self.head(503, [.retryAfter: "3600"]), .refused, excerpt: "")),
            machine.attemptEnded(.notOpened(Self.head(500), .refused, excerpt: "")),
        ]
        var delays: [Duration] = []
        for action in actions {
            if case .reconnect(let delay, let reason, _) = action {
                delays.append(delay)
                #expect(reason == .retriedStatus)
            }
        }
        // The last has no Retry-After: the fourth failure in a row, 3 s × 2³.
        #expect(delays == [7, 20, 60, 24].map { .seconds($0) })
        // `Retry-After: 0` still waits the minimum delay.
        guard
            case .reconnect(let zero, _, _) = machine.attemptEnded(
                .notOpened(Self.head(503, [.retryAfter: "0"]), .refused, excerpt: "")
            )
        else {
            Issue.record("expected a reconnection")
            return
        }
        #expect(zero == .milliseconds(100))

        // 200 with another content type is never retried.
        actions = [
            machine.attemptEnded(.notOpened(Self.head(200, [.contentType: "text/plain"]), .refused, excerpt: ""))
        ]
        guard case .fail(let wrongType) = actions[0] else {
            Issue.record("expected a failure")
            return
        }
        #expect(wrongType == .wrongContentType)
    }

    @Test("One failure more than maximumConsecutiveFailures ends the session; a healthy stream resets the count")
    func maximumConsecutiveFailures() {
        var machine = Self.machine { $0.reconnection.maximumConsecutiveFailures = 2 }
        for healthy in [false, false, true, false, false] {
            guard case .reconnect = machine.attemptEnded(.interrupted(.error(Failure()), healthy: healthy)) else {
                Issue.record("expected a reconnection")
                return
            }
        }
        guard case .fail(let error) = machine.attemptEnded(.interrupted(.error(Failure()), healthy: false)) else {
            Issue.record("expected the end")
            return
        }
        #expect(error == .retriesExhausted)
        #expect(error.underlying is SSEClientError)

        // 0: the first failure ends it, but a stream that ended after its events is no failure.
        machine = Self.machine { $0.reconnection.maximumConsecutiveFailures = 0 }
        guard case .reconnect = machine.attemptEnded(.interrupted(.endOfStream, healthy: true)) else {
            Issue.record("expected a reconnection after a healthy stream")
            return
        }
        guard case .fail = machine.attemptEnded(.interrupted(.endOfStream, healthy: false)) else {
            Issue.record("expected the end")
            return
        }
    }

    @Test("301 and 308 move reconnections; 302, 303 and 307 do not; methods by fetch's rules")
    func redirects() {
        func follow(
            _ status: Int,
            to location: String,
            method: HTTPRequest.Method = .get
        ) -> (
            SSEClientStateMachine.Target?, SSEClientStateMachine.Target?
        ) {
            var machine = Self.machine {
                $0.method = method
                $0.body = method == .post ? [1, 2, 3] : nil
                $0.reconnection.resendsNonIdempotentRequests = true
            }
            guard
                case .connect(let redirected) = machine.attemptEnded(
                    .notOpened(Self.head(status, [.location: location]), .redirect, excerpt: "")
                )
            else {
                return (nil, nil)
            }
            guard
                case .reconnect(_, _, let reconnection) = machine.attemptEnded(
                    .interrupted(.endOfStream, healthy: true)
                )
            else {
                return (redirected, nil)
            }
            return (redirected, reconnection)
        }
        let permanent = follow(301, to: "/moved?x=1")
        #expect(permanent.0?.url == "http://127.0.0.1:8080/moved?x=1")
        #expect(permanent.1?.url == "http://127.0.0.1:8080/moved?x=1")
        let temporary = follow(307, to: "http://localhost:9/elsewhere", method: .post)
        #expect(temporary.0?.url == "http://localhost:9/elsewhere")
        #expect(temporary.0?.method == .post && temporary.0?.body == [1, 2, 3])
        #expect(temporary.1?.url == Self.url)
        let seeOther = follow(303, to: "other", method: .post)
        #expect(seeOther.0?.url == "http://127.0.0.1:8080/other")
        #expect(seeOther.0?.method == .get && seeOther.0?.body == nil)
        let movedPost = follow(301, to: "/p", method: .post)
        #expect(movedPost.0?.method == .get && movedPost.1?.method == .get)
        let permanentPost = follow(308, to: "/p", method: .post)
        #expect(permanentPost.0?.method == .post && permanentPost.1?.url == "http://127.0.0.1:8080/p")

        // A POST moved to a GET still ends with its response, and a retried status after a
        // temporary redirect goes back to the URL before it.
        var post = Self.machine { $0.method = .post }
        _ = post.attemptEnded(.notOpened(Self.head(301, [.location: "/get"]), .redirect, excerpt: ""))
        guard case .close(.endOfStream) = post.attemptEnded(.interrupted(.endOfStream, healthy: true)) else {
            Issue.record("expected the end of a POST turned GET")
            return
        }
        var retried = Self.machine { $0.reconnection.retriedStatuses = [503] }
        _ = retried.attemptEnded(.notOpened(Self.head(307, [.location: "/busy"]), .redirect, excerpt: ""))
        guard case .reconnect(_, _, let back) = retried.attemptEnded(.notOpened(Self.head(503), .refused, excerpt: ""))
        else {
            Issue.record("expected a reconnection")
            return
        }
        #expect(back.url == Self.url)
    }

    @Test("Too many redirects in a row, or an unusable Location, fail")
    func badRedirects() {
        var machine = Self.machine { $0.redirects.maximumRedirects = 2 }
        let redirect = SSEClientStateMachine.Outcome.notOpened(
            Self.head(302, [.location: "/again"]),
            .redirect,
            excerpt: ""
        )
        for _ in 1...2 {
            guard case .connect = machine.attemptEnded(redirect) else {
                Issue.record("expected a redirect")
                return
            }
        }
        guard case .fail(let error) = machine.attemptEnded(redirect) else {
            Issue.record("expected the end")
            return
        }
        #expect(error == .tooManyRedirects)
        for location in [nil, "ftp://example.com/file", "http://"] {
            machine = Self.machine()
            let head = Self.head(307, location.map { [.location: $0] } ?? [:])
            guard case .fail(let invalid) = machine.attemptEnded(.notOpened(head, .redirect, excerpt: "")) else {
                Issue.record("expected a failure for \(location ?? "no Location")")
                continue
            }
            #expect(invalid == .invalidRedirect)
        }
    }

    @Test("Which response heads open a stream")
    func decisions() {
        let decide = { (head: HTTPResponse) in SSEClientStateMachine.decide(head, acceptsGzip: true) }
        #expect(decide(Self.head(200, [.contentType: "text/event-stream"])) == .open(gzip: false))
        #expect(decide(Self.head(200, [.contentType: "Text/Event-Stream ; charset=utf-8"])) == .open(gzip: false))
        #expect(
            decide(Self.head(200, [.contentType: "text/event-stream", .contentEncoding: "gzip"])) == .open(gzip: true)
        )
        #expect(
            decide(Self.head(200, [.contentType: "text/event-stream", .contentEncoding: "br"]))
                == .unsupportedContentEncoding
        )
        #expect(decide(Self.head(200, [.contentType: "text/event-streams"])) == .refused)
        #expect(decide(Self.head(200)) == .refused)
        #expect(decide(Self.head(204)) == .noContent)
        #expect(decide(Self.head(308)) == .redirect)
        #expect(decide(Self.head(404, [.contentType: "text/event-stream"])) == .refused)
    }

    @Test("Retry-After dates, and the last event ID as a query parameter")
    func helpers() {
        #expect(SSEClientStateMachine.imfFixdate("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(SSEClientStateMachine.imfFixdate("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(SSEClientStateMachine.imfFixdate("Sunday, 06-Nov-94 08:49:37 GMT") == nil)
        #expect(SSEClientStateMachine.retryAfter("-1", now: 0) == nil)
        #expect(
            SSEClient.Session.url("http://h/e?a=1#top", adding: "lastEventId", value: "7 &é")
                == "http://h/e?a=1&lastEventId=7%20%26%C3%A9#top"
        )
        #expect(SSEClient.Session.url("http://h/e", adding: "id", value: "x") == "http://h/e?id=x")
        // An earlier value (kept by a permanent redirect) is replaced, not repeated.
        #expect(
            SSEClient.Session.url("http://h/e?lastEventId=1&a=2&lastEventIdx=3", adding: "lastEventId", value: "9")
                == "http://h/e?a=2&lastEventIdx=3&lastEventId=9"
        )
    }

    /// The reconnection policy written down once, in `Tests/Shared/reconnection-policy.json`: the
    /// browser suite runs the same cases against the browser script's policy.
    @Test("The shared reconnection table: every case, at both ends of the jitter")
    func sharedTable() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Shared/reconnection-policy.json")
        let table = try JSONDecoder().decode(PolicyTable.self, from: Data(contentsOf: file))
        #expect(table.defaults.applied(to: SSEClient.ReconnectionPolicy()) == SSEClient.ReconnectionPolicy())
        #expect(!table.cases.isEmpty)
        for testCase in table.cases {
            for (bound, random) in [(0, 0.0), (1, 1.0)] {
                var machine = Self.machine(
                    { configuration in
                        configuration.method = HTTPRequest.Method(testCase.method ?? "GET")!
                        let defaults = table.defaults.applied(to: SSEClient.ReconnectionPolicy())
                        configuration.reconnection = testCase.policy?.applied(to: defaults) ?? defaults
                    },
                    random: random,
                    now: testCase.now ?? 0
                )
                for (index, step) in testCase.steps.enumerated() {
                    let place = "\(testCase.name), step \(index + 1), random \(random)"
                    if let retry = step.retry {
                        machine.retry(milliseconds: retry)
                        continue
                    }
                    guard let ended = step.ended, let expected = step.expect else {
                        Issue.record("\(place): a step is a retry or an ended attempt with its expectation")
                        continue
                    }
                    switch (machine.attemptEnded(ended.outcome), expected.stop) {
                    case (.reconnect(let delay, _, _), nil):
                        let milliseconds = delay.seconds * 1000
                        let wanted = expected.delay?[bound] ?? -1
                        #expect(abs(milliseconds - wanted) < 1e-6, "\(place): waited \(milliseconds) ms, not \(wanted)")
                    case (.close, "closed"), (.fail, "failed"):
                        break
                    case (let action, let stop):
                        Issue.record("\(place): \(action), expected \(stop ?? "a reconnection")")
                    }
                }
            }
        }
    }

    /// `Tests/Shared/reconnection-policy.json`, as its `about` field describes it.
    struct PolicyTable: Decodable {
        var defaults: Policy
        var cases: [Case]

        struct Case: Decodable {
            var name: String
            var method: String?
            var now: Double?
            var policy: Policy?
            var steps: [Step]
        }

        struct Step: Decodable {
            var retry: Int?
            var ended: Ended?
            var expect: Expectation?
        }

        struct Ended: Decodable {
            var status: Int?
            var contentType: String?
            var retryAfter: String?
            var healthy: Bool?
            var end: Bool?

            var outcome: SSEClientStateMachine.Outcome {
                guard let status else {
                    let interruption: SSEClientStateMachine.Interruption =
                        end == true ? .endOfStream : .error(SSEClientStateMachineTests.Failure())
                    return .interrupted(interruption, healthy: healthy ?? false)
                }
                var fields: [HTTPField.Name: String] = [:]
                fields[.contentType] = contentType
                fields[.retryAfter] = retryAfter
                let head = SSEClientStateMachineTests.head(status, fields)
                return .notOpened(head, SSEClientStateMachine.decide(head, acceptsGzip: false), excerpt: "")
            }
        }

        struct Expectation: Decodable {
            var delay: [Double]?
            var stop: String?
        }

        /// The policy's members in milliseconds, as the browser script names them; absent ones stay.
        struct Policy: Decodable {
            var initialReconnectionTime: Int?
            var multiplier: Double?
            var maximumDelay: Int?
            var minimumDelay: Int?
            var jitter: Double?
            var maximumConsecutiveFailures: Int?
            var retriedStatuses: [Int]?
            var maximumRetryAfter: Int?
            var resendsNonIdempotentRequests: Bool?

            func applied(to policy: SSEClient.ReconnectionPolicy) -> SSEClient.ReconnectionPolicy {
                var policy = policy
                initialReconnectionTime.map { policy.initialReconnectionTime = .milliseconds($0) }
                multiplier.map { policy.multiplier = $0 }
                maximumDelay.map { policy.maximumDelay = .milliseconds($0) }
                minimumDelay.map { policy.minimumDelay = .milliseconds($0) }
                jitter.map { policy.jitter = $0 }
                maximumConsecutiveFailures.map { policy.maximumConsecutiveFailures = $0 }
                retriedStatuses.map { policy.retriedStatuses = Set($0.map { HTTPResponse.Status(code: $0) }) }
                maximumRetryAfter.map { policy.maximumRetryAfter = .milliseconds($0) }
                resendsNonIdempotentRequests.map { policy.resendsNonIdempotentRequests = $0 }
                return policy
            }
        }
    }
}
#endif
