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

#if NIOSupport || AsyncHTTPClientSupport
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTPTypes
import Logging
import NIOCore
import SSECodec
import SSECompression
import Synchronization

extension SSEClient {
    /// One session: the task that connects, streams, and reconnects, driving an
    /// ``SSEClientStateMachine`` and handing what it decodes to the reader through a ``Handoff``.
    ///
    /// A session is one task. When the idle watchdog cuts a connection off, it cancels that task
    /// (the only way to abandon a read in progress); the session then goes on in a new task, from
    /// where it was (``Handoff/start(_:)``).
    struct Session: Sendable {
        let client: SSEClient
        let handoff: Handoff

        /// Runs the session from its start, or, after its task was cancelled to cut a connection
        /// off (the idle watchdog, ``SSEClient/reconnect()``), from the machine as it was and its
        /// next action.
        func run(resuming: (machine: SSEClientStateMachine, action: SSEClientStateMachine.Action)? = nil) async {
            let configuration = client.configuration
            let logger = configuration.logger
            var machine: SSEClientStateMachine
            var action: SSEClientStateMachine.Action
            if let resuming {
                (machine, action) = resuming
            } else {
                machine = SSEClientStateMachine(
                    target: .init(url: client.url, method: configuration.method, body: configuration.body),
                    configuration: configuration
                )
                action = machine.start()
            }
            while true {
                switch action {
                case .connect(let target):
                    guard await handoff.send(.state(.connecting)) else {
                        return
                    }
                    logger?.debug(
                        "SSE connecting",
                        metadata: [
                            "sse.url": "\(Self.withoutQuery(target.url))", "sse.method": "\(target.method)",
                            "sse.last_event_id": "\(machine.lastEventID ?? "")",
                        ]
                    )
                    var request: SSEClientRequest
                    do {
                        request = try await makeRequest(target, lastEventID: machine.lastEventID)
                        // A reconnection asked for while the request was made (fresh credentials,
                        // say) is answered by this attempt, with the header provider asked again.
                        while handoff.beginInterruptible() {
                            request = try await makeRequest(target, lastEventID: machine.lastEventID)
                        }
                    } catch {
                        logger?.error("SSE header provider failed", metadata: ["sse.error": "\(error)"])
                        handoff.finish(.headerProviderFailed(error))
                        return
                    }
                    var (result, cutOff) = await attempt(request, lastEventID: machine.lastEventID)
                    let requested = handoff.leaveInterruptible()
                    if requested, case .interrupted(_, let healthy) = result.outcome {
                        result.outcome = .reconnectRequested(healthy: healthy)
                    }
                    var next = machine.attemptEnded(record(result, in: &machine))
                    if requested, case .reconnect = next {
                        // A retried status: the request skips its wait too.
                        next = machine.reconnectRequested()
                    }
                    if cutOff || requested {
                        // This task is cancelled: go on in a new one.
                        let resumed = (machine, next)
                        handoff.start { await self.run(resuming: resumed) }
                        return
                    }
                    guard !Task.isCancelled else {
                        return
                    }
                    action = next
                case .reconnect(let delay, let reason, let target):
                    guard
                        await handoff.send(.state(.reconnecting(after: delay, reason: reason)))
                    else {
                        return
                    }
                    logger?.info(
                        "SSE reconnecting",
                        metadata: [
                            "sse.delay": "\(delay)", "sse.reason": "\(reason)",
                            "sse.url": "\(Self.withoutQuery(target.url))",
                        ]
                    )
                    if delay > .zero {
                        if handoff.beginInterruptible() {
                            action = machine.reconnectRequested()
                            continue
                        }
                        let slept = (try? await Task.sleep(for: min(delay, .longestWait))) != nil
                        if handoff.leaveInterruptible() {
                            let resumed = (machine, machine.reconnectRequested())
                            handoff.start { await self.run(resuming: resumed) }
                            return
                        }
                        guard slept else {
                            return
                        }
                    }
                    action = .connect(target)
                case .close(let reason):
                    logger?.debug("SSE session closed", metadata: ["sse.reason": "\(reason)"])
                    if await handoff.send(.state(.closed(reason))) {
                        handoff.finish(nil)
                    }
                    return
                case .fail(let error):
                    logger?.error("SSE session failed", metadata: ["sse.error": "\(error)"])
                    handoff.finish(error)
                    return
                }
            }
        }

        /// What a connection learnt that outlives it, and how it ended.
        private func record(
            _ result: Connection.Result,
            in machine: inout SSEClientStateMachine
        ) -> SSEClientStateMachine.Outcome {
            machine.lastEventID = result.lastEventID
            if let milliseconds = result.retryMilliseconds {
                machine.retry(milliseconds: milliseconds)
            }
            return result.outcome
        }

        /// The request for a target: the configured and provided fields, the event-stream fields,
        /// the last event ID, and no credentials for another origin unless the policy allows it.
        private func makeRequest(
            _ target: SSEClientStateMachine.Target,
            lastEventID: String?
        ) async throws -> SSEClientRequest {
            let configuration = client.configuration
            var fields = configuration.headerFields
            if let provider = configuration.headerProvider {
                for field in try await provider() {
                    fields[field.name] = field.value
                }
            }
            fields[.accept] = "text/event-stream"
            fields[.cacheControl] = "no-cache"
            fields[.acceptEncoding] = configuration.acceptsGzip ? "gzip" : nil
            if target.body == nil && configuration.body != nil {
                // A redirect turned the request into a GET without a body: fetch drops the body's
                // header fields with it.
                fields[.contentType] = nil
            }
            var url = target.url
            if let lastEventID, !lastEventID.isEmpty {
                fields[.lastEventID] = lastEventID
                if let name = configuration.lastEventIDQueryParameter {
                    url = Self.url(url, adding: name, value: lastEventID)
                }
            } else {
                fields[.lastEventID] = nil
            }
            if !configuration.redirects.forwardsCredentialsAcrossOrigins, Origin(target.url) != Origin(client.url) {
                fields[.authorization] = nil
                fields[.cookie] = nil
                fields[.proxyAuthorization] = nil
            }
            return SSEClientRequest(url: url, method: target.method, headerFields: fields, body: target.body)
        }

        /// One attempt, under the shared idle watchdog when there is an idle timeout.
        ///
        /// - Returns: How the connection ended, and whether the watchdog cut it off (this task is
        ///   then cancelled).
        private func attempt(
            _ request: SSEClientRequest,
            lastEventID: String?
        ) async -> (Connection.Result, cutOff: Bool) {
            let connection = Connection(client: client, handoff: handoff, lastEventID: lastEventID)
            guard let idleTimeout = client.configuration.idleTimeout else {
                return (await connection.run(request, activity: nil), false)
            }
            let activity = Activity()
            let generation = handoff.generation
            let watch = IdleWatchdog.shared.watch(activity, timeout: idleTimeout) { [handoff] in
                handoff.cancelTask(generation: generation)
            }
            var result = await connection.run(request, activity: activity)
            let cutOff = activity.finish()
            IdleWatchdog.shared.stopWatching(watch)
            // Cut off while streaming or waiting for the head: an idle timeout, whatever the
            // cancelled connection said. A refused response keeps its status, with what arrived of
            // its excerpt.
            if cutOff, case .interrupted(_, let healthy) = result.outcome {
                result.outcome = .interrupted(.idleTimeout, healthy: healthy)
            }
            return (result, cutOff)
        }

        /// `url` without its query and fragment, for logs: a query may carry a token.
        static func withoutQuery(_ url: String) -> Substring {
            url[..<(url.firstIndex { $0 == "?" || $0 == "#" } ?? url.endIndex)]
        }

        /// `url` with `name=value` in its query, percent-encoded, replacing any `name=` already
        /// there (a permanent redirect may have kept an earlier one).
        static func url(_ url: String, adding name: String, value: String) -> String {
            let fragmentStart = url.firstIndex(of: "#") ?? url.endIndex
            let beforeFragment = url[..<fragmentStart]
            let queryStart = beforeFragment.firstIndex(of: "?")
            let path = queryStart.map { beforeFragment[..<$0] } ?? beforeFragment
            let encodedName = percentEncoded(name)
            var pairs =
                queryStart.map { beforeFragment[beforeFragment.index(after: $0)...] }?
                .split(separator: "&", omittingEmptySubsequences: true)
                .filter { $0 != encodedName && !$0.hasPrefix(encodedName + "=") } ?? []
            pairs.append(Substring(encodedName + "=" + percentEncoded(value)))
            return path + "?" + pairs.joined(separator: "&") + url[fragmentStart...]
        }

        private static func percentEncoded(_ text: String) -> String {
            let hex = Array("0123456789ABCDEF".utf8)
            var bytes: [UInt8] = []
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                    UInt8(ascii: "~"):
                    bytes.append(byte)
                default:
                    bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Scheme, host and port: what a redirect must keep for credentials to go along.
    struct Origin: Equatable {
        let scheme: String?
        let host: String?
        let port: Int?

        init(_ url: String) {
            let parsed = URL(string: url)
            scheme = parsed?.scheme?.lowercased()
            host = parsed?.host?.lowercased()
            port = parsed?.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : nil)
        }
    }
}

extension SSEClient {
    /// When a connection last received a byte, for the idle watchdog; and whether the watchdog or
    /// the end of the connection came first.
    final class Activity: Sendable {
        private static let clock = ContinuousClock()
        private static let origin = clock.now
        /// Nanoseconds since `origin` of the last byte, or one of the markers below.
        private let state = Atomic<Int64>(0)
        /// The reader has a batch to take: waiting for it is not idleness.
        private static let busy = Int64.max
        private static let finished: Int64 = -1
        private static let cutOff: Int64 = -2

        init() {
            state.store(Self.now(), ordering: .relaxed)
        }

        static func now() -> Int64 {
            (clock.now - origin).nanoseconds
        }

        func touch() {
            set(Self.now())
        }

        func pause() {
            set(Self.busy)
        }

        /// Stores `value` unless the connection was cut off or finished: those are final.
        private func set(_ value: Int64) {
            var current = state.load(ordering: .relaxed)
            while current >= 0 {
                let (exchanged, original) = state.compareExchange(
                    expected: current,
                    desired: value,
                    ordering: .relaxed
                )
                if exchanged {
                    return
                }
                current = original
            }
        }

        /// The connection ended. Returns `true` if the watchdog had cut it off first.
        func finish() -> Bool {
            state.exchange(Self.finished, ordering: .acquiringAndReleasing) == Self.cutOff
        }

        /// Called by the watchdog: marks the connection cut off if no byte came for `timeout`
        /// nanoseconds and it has neither finished nor a batch waiting. Returns whether it did.
        func cutOffIfIdle(now: Int64, timeout: Int64) -> Bool {
            let last = state.load(ordering: .relaxed)
            guard last >= 0, last != Self.busy, now - last >= timeout else {
                return false
            }
            return state.compareExchange(expected: last, desired: Self.cutOff, ordering: .acquiringAndReleasing)
                .exchanged
        }
    }

    /// One task, for every session of the process, that checks the connections under an idle
    /// timeout a few times per timeout (every quarter of the shortest, at most every 250 ms), and
    /// cuts off those that have been quiet too long. It runs only while there is something to watch.
    final class IdleWatchdog: Sendable {
        static let shared = IdleWatchdog()

        private struct Watched {
            let activity: Activity
            let timeout: Int64
            let cutOff: @Sendable () -> Void
        }

        private struct State {
            var watched: [Int: Watched] = [:]
            var nextID = 0
            var running = false
        }

        private let state = Mutex(State())

        /// Watches a connection; `cutOff` runs once it was quiet for `timeout`.
        func watch(_ activity: Activity, timeout: Duration, cutOff: @escaping @Sendable () -> Void) -> Int {
            let (id, start) = state.withLock { state in
                let id = state.nextID
                state.nextID += 1
                state.watched[id] = Watched(activity: activity, timeout: max(1, timeout.nanoseconds), cutOff: cutOff)
                let start = !state.running
                state.running = true
                return (id, start)
            }
            if start {
                Task { await self.run() }
            }
            return id
        }

        func stopWatching(_ id: Int) {
            _ = state.withLock { $0.watched.removeValue(forKey: id) }
        }

        private func run() async {
            while true {
                let tick: Int64? = state.withLock { state in
                    guard let shortest = state.watched.values.lazy.map(\.timeout).min() else {
                        state.running = false
                        return nil
                    }
                    return min(shortest / 4, 250_000_000)
                }
                guard let tick else {
                    return
                }
                try? await Task.sleep(for: .nanoseconds(max(tick, 1_000_000)))
                let now = Activity.now()
                let idle = state.withLock { state in
                    state.watched.values.filter { $0.activity.cutOffIfIdle(now: now, timeout: $0.timeout) }
                }
                for watched in idle {
                    watched.cutOff()
                }
            }
        }
    }
}
#endif
