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
import Logging
import NIOCore
import SSEClient
import SSEStreaming
import SSEServerTestSupport
import SSETestSupport
import Synchronization
import Testing

/// What an `EventSource` promises, and what apps wiring the client in ask for: large events with
/// the default limits, comments, reconnecting on request, oversized events skipped or fatal, and
/// hostile `retry` values; against the misbehaving Python server and this project's servers.
@Suite("SSEClient: the EventSource contract", .timeLimit(.minutes(2)), .requires(.python3))
struct SSEClientContractTests {
    typealias Server = SSEClientMisbehavingServerTests

    @Test("A 14 MB event on a single line arrives with the default configuration")
    func hugeSingleLineEvent() async throws {
        try await Server.withServer { server in
            var configuration = SSEClient.Configuration.fast()
            configuration.decoder = .init()
            let recording = await Recording.of(
                SSEClient(url: server.url("huge", client: Server.client()), configuration: configuration),
                within: .seconds(60)
            )
            #expect(recording.error == nil && !recording.timedOut)
            #expect(recording.events.count == 2)
            #expect(recording.events.first?.data.utf8.count == 14_000_000)
            #expect(recording.events.first?.data.utf8.allSatisfy { $0 == UInt8(ascii: "x") } == true)
            #expect(recording.events.last?.data == "after")
        }
    }

    @Test("Comments reach `updates` when the decoder reports them, and only then")
    func comments() async throws {
        try await Server.withServer { server in
            let reported = await Recording.of(
                SSEClient(
                    url: server.url("heartbeats", client: Server.client()),
                    configuration: .fast { $0.decoder.reportsComments = true }
                )
            )
            let observed: [String] = reported.updates.compactMap {
                switch $0 {
                case .comment(let text): "comment " + text
                case .event(let event): "event " + event.data
                default: nil
                }
            }
            #expect(
                observed == [
                    "comment heartbeat 1", "event one", "comment heartbeat 2", "comment heartbeat 3", "event two",
                ]
            )
            let quiet = await Recording.of(
                SSEClient(url: server.url("heartbeats", client: Server.client()), configuration: .fast())
            )
            #expect(quiet.data == ["one", "two"])
            #expect(!quiet.updates.contains { if case .comment = $0 { true } else { false } })
        }
    }

    @Test("An oversized event is skipped by default: `events` goes on, `updates` reports where it was")
    func oversizedSkipped() async throws {
        try await Server.withServer { server in
            let client = SSEClient(
                url: server.url("big", client: Server.client()),
                configuration: .fast { $0.decoder.maximumEventSize = 1000 }
            )
            var events: [String] = []
            for try await event in client.events {
                events.append(event.data)
            }
            #expect(events == ["first", "small"])
            let recording = await Recording.of(
                SSEClient(
                    url: server.url("big", client: Server.client()),
                    configuration: .fast { $0.decoder.maximumEventSize = 1000 }
                )
            )
            let observed: [String] = recording.updates.compactMap {
                switch $0 {
                case .event(let event): event.data
                case .dropped(let error):
                    error == .eventTooLarge && "\(error)".contains("1000 bytes") ? "dropped" : "\(error)"
                default: nil
                }
            }
            #expect(observed == ["first", "dropped", "small"])
            #expect(recording.error == nil)
        }
    }

    @Test("With the `fail` policy an oversized event ends the session, after the events before it")
    func oversizedFails() async throws {
        try await Server.withServer { server in
            let recording = await Recording.of(
                SSEClient(
                    url: server.url("big", client: Server.client()),
                    configuration: .fast {
                        $0.decoder.maximumEventSize = 1000
                        $0.oversizedEvents = .fail
                    }
                )
            )
            #expect(recording.data == ["first"])
            #expect(recording.error == .eventTooLarge)
        }
    }

    @Test("`retry: 99999999999` is capped by the policy's maximum delay")
    func hostileRetry() async throws {
        try await Server.withServer { server in
            let recording = await Recording.of(
                SSEClient(
                    url: server.url("hostile-retry", client: Server.client()),
                    configuration: .fast { $0.reconnection.maximumDelay = .milliseconds(300) }
                )
            )
            #expect(recording.data == ["hostile"])
            let delays = recording.reconnections.map(\.delay)
            #expect(delays.count == 1 && delays.allSatisfy { $0 > .milliseconds(299) && $0 < .milliseconds(301) })
            #expect(recording.closeReason == .noContent)
        }
    }

    @Test("reconnect() during a long reconnection wait connects at once, with the last event ID")
    func reconnectDuringWait() async throws {
        try await Server.withServer { server in
            let client = SSEClient(
                url: server.url("long-retry", client: Server.client()),
                configuration: .fast { $0.reconnection.maximumDelay = .seconds(3600) }
            )
            let recording = await Recording.of(client, within: .seconds(60)) { recording in
                if case .reconnecting(let delay, _) = recording.states.last, delay >= .seconds(600) {
                    client.reconnect()
                }
                return false
            }
            #expect(recording.data == ["one", "resumed after r1"])
            let reasons = recording.reconnections.map(\.reason)
            #expect(reasons.prefix(2) == [.endOfStream, .requested])
            #expect(recording.reconnections.dropFirst().first?.delay == .zero)
            #expect(recording.closeReason == .noContent)
        }
    }

    @Test("reconnect() mid-stream: the connection is replaced, resumed from the last ID, nothing lost or repeated")
    func reconnectMidStream() async throws {
        try await Server.withServer { server in
            let id = Server.client()
            let client = SSEClient(url: server.url("counter", client: id), configuration: .fast())
            let requested = Mutex(false)
            // Until five events have come over the second connection.
            let recording = await Recording.of(client, within: .seconds(60)) { recording in
                if recording.events.count == 5, !requested.withLock({ $0 }) {
                    requested.withLock { $0 = true }
                    client.reconnect()
                }
                guard let reopened = Self.indexOfSecondOpen(recording.updates) else {
                    return false
                }
                return recording.updates[reopened...].filter { if case .event = $0 { true } else { false } }.count >= 5
            }
            #expect(!recording.timedOut)
            // The counter numbers from the Last-Event-ID it was sent + 1: contiguous numbers mean
            // the second connection resumed after the last event received, nothing lost or repeated.
            let numbers = recording.data.compactMap { Int($0) }
            #expect(numbers == Array(1...numbers.count))
            #expect(recording.reconnections.map(\.reason) == [.requested])
            #expect(recording.reconnections.first?.delay == .zero)
            let log = try await server.log(id)
            #expect(log.count == 2)
            let resumedFrom = try #require(log.last?.headers["last-event-id"].flatMap { Int($0) })
            let reopened = try #require(Self.indexOfSecondOpen(recording.updates))
            let firstAfter = recording.updates[reopened...].lazy.compactMap {
                if case .event(let event) = $0 { Int(event.data) } else { nil }
            }.first
            #expect(firstAfter == resumedFrom + 1)
        }
    }

    static func indexOfSecondOpen(_ updates: [SSEClient.Update]) -> Int? {
        let opens = updates.indices.filter { if case .state(.open) = updates[$0] { true } else { false } }
        return opens.count >= 2 ? opens[1] : nil
    }

    /// A swift-log handler that keeps what is logged, to see what the client reports.
    final class LogRecords: Sendable {
        let value = Mutex<[(level: Logger.Level, message: String, metadata: Logger.Metadata)]>([])
    }

    struct CollectingLogHandler: LogHandler {
        let records: LogRecords
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            records.value.withLock { $0.append((event.level, event.message.description, event.metadata ?? [:])) }
        }
    }

    @Test("The configured Logger sees attempts, reconnections with their reasons, and how the session ended")
    func logging() async throws {
        try await Server.withServer { server in
            let records = LogRecords()
            let url = server.url("retry", client: Server.client())
            var configuration = SSEClient.Configuration.fast { $0.reconnection.maximumDelay = .seconds(1) }
            configuration.logger = Logger(label: "test") { _ in CollectingLogHandler(records: records) }
            let recording = await Recording.of(SSEClient(url: url, configuration: configuration))
            #expect(recording.closeReason == .noContent)
            let logged = records.value.withLock { $0 }
            let connecting = logged.filter { $0.message == "SSE connecting" }
            #expect(connecting.count == 3)
            // The URL without its query: a query may carry a token.
            #expect(connecting.allSatisfy { $0.metadata["sse.url"] == "\(url.prefix { $0 != "?" })" })
            let reconnecting = logged.filter { $0.message == "SSE reconnecting" }
            #expect(reconnecting.count == 2)
            #expect(reconnecting.allSatisfy { $0.level == .info && $0.metadata["sse.reason"] != nil })
            #expect(logged.last?.message == "SSE session closed")
        }
    }

    /// A transport of the user's own, as without the AsyncHTTPClient trait: every attempt answers
    /// one event with the next ID and ends; the third answers 204.
    final class CountingTransport: SSEClientTransport {
        let requests = Mutex<[SSEClientRequest]>([])

        func send(_ request: SSEClientRequest) async throws -> SSEClientResponse {
            let attempt = requests.withLock { requests in
                requests.append(request)
                return requests.count
            }
            guard attempt < 3 else {
                let empty = AsyncStream<ByteBuffer> { $0.finish() }
                return SSEClientResponse(head: HTTPResponse(status: .noContent), body: .init(empty))
            }
            var head = HTTPResponse(status: .ok)
            head.headerFields[.contentType] = "text/event-stream"
            let body = AsyncStream<ByteBuffer> { continuation in
                continuation.yield(ByteBuffer(string: "id: \(attempt)\ndata: event \(attempt)\n\n"))
                continuation.finish()
            }
            return SSEClientResponse(head: head, body: .init(body))
        }
    }

    @Test("A transport of one's own: requests and reconnections go through it")
    func ownTransport() async throws {
        let transport = CountingTransport()
        let recording = await Recording.of(
            SSEClient(url: "http://example.invalid/events", configuration: .fast(), transport: transport)
        )
        #expect(recording.data == ["event 1", "event 2"])
        #expect(recording.closeReason == .noContent)
        let sent = transport.requests.withLock { $0 }
        #expect(sent.map { $0.headerFields[HTTPField.Name("Last-Event-ID")!] } == [nil, "1", "2"])
        #expect(sent.allSatisfy { $0.headerFields[.accept] == "text/event-stream" })
    }

    @Test(
        "reconnect() against this project's servers: a new connection, every event once, in order",
        arguments: OwnServer.allCases
    )
    func reconnectOwnServers(_ kind: OwnServer) async throws {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await kind.start(fixture)
        let client = SSEClient(url: server.url("/events"), configuration: .fast())
        let received = Mutex<[String]>([])
        let opened = Mutex(0)
        let reasons = Mutex<[SSEClient.ReconnectReason]>([])
        let reader = Task {
            for try await update in client.updates {
                switch update {
                case .event(let event): received.withLock { $0.append(event.data) }
                case .state(.open): opened.withLock { $0 += 1 }
                case .state(.reconnecting(_, let reason)): reasons.withLock { $0.append(reason) }
                default: break
                }
            }
        }
        #expect(await eventually { opened.withLock { $0 } == 1 && broadcaster.subscriberCount == 1 })
        for index in 1...20 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
        }
        #expect(await eventually { received.withLock { $0.count } == 20 })
        client.reconnect()
        #expect(await eventually { opened.withLock { $0 } == 2 && broadcaster.subscriberCount == 1 })
        for index in 21...40 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
        }
        #expect(await eventually { received.withLock { $0.count } >= 40 })
        reader.cancel()
        _ = await reader.result
        #expect(received.withLock { $0 } == (1...40).map { "event \($0)" })
        #expect(reasons.withLock { $0 } == [.requested])
        await server.stop()
    }
}
#endif
