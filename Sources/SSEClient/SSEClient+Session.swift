#if AsyncHTTPClientSupport
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTPTypes
import NIOCore
import SSECodec
import SSECompression
import Synchronization

extension SSEClient {
    /// One session: the task that connects, streams, and reconnects, driving an
    /// ``SSEClientStateMachine`` and handing what it decodes to the reader through a ``Handoff``.
    struct Session: Sendable {
        let client: SSEClient
        let handoff: Handoff

        func run() async {
            let configuration = client.configuration
            var machine = SSEClientStateMachine(
                target: .init(url: client.url, method: configuration.method, body: configuration.body),
                configuration: configuration
            )
            var action = machine.start()
            while true {
                switch action {
                case .connect(let target):
                    guard await handoff.send([.update(.state(.connecting))], bytes: 0) else {
                        return
                    }
                    let request: SSEClientRequest
                    do {
                        request = try await makeRequest(target, lastEventID: machine.lastEventID)
                    } catch {
                        handoff.finish(.headerProviderFailed(error))
                        return
                    }
                    let outcome = await attempt(request, machine: &machine)
                    guard !Task.isCancelled else {
                        return
                    }
                    action = machine.attemptEnded(outcome)
                case .reconnect(let delay, let reason, let target):
                    guard await handoff.send([.update(.state(.reconnecting(after: delay, reason: reason)))], bytes: 0)
                    else {
                        return
                    }
                    do {
                        try await Task.sleep(for: delay)
                    } catch {
                        return
                    }
                    action = .connect(target)
                case .close(let reason):
                    if await handoff.send([.update(.state(.closed(reason)))], bytes: 0) {
                        handoff.finish(nil)
                    }
                    return
                case .fail(let error):
                    handoff.finish(error)
                    return
                }
            }
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

        /// One attempt, under the idle watchdog when there is an idle timeout.
        private func attempt(
            _ request: SSEClientRequest,
            machine: inout SSEClientStateMachine
        ) async -> SSEClientStateMachine.Outcome {
            let connection = Connection(
                client: client,
                handoff: handoff,
                lastEventID: machine.lastEventID
            )
            let result: Connection.Result
            if let idleTimeout = client.configuration.idleTimeout {
                let activity = Activity()
                result = await withTaskGroup(of: Watched.self) { group in
                    group.addTask {
                        .connection(await connection.run(request, activity: activity))
                    }
                    group.addTask {
                        await activity.watch(timeout: idleTimeout) ? .watchdogStopped : .idle
                    }
                    var result: Connection.Result?
                    // Only a watchdog that fires before the connection ends cuts it off.
                    var idle = false
                    var first = true
                    for await finished in group {
                        group.cancelAll()
                        switch finished {
                        case .connection(let finished): result = finished
                        case .idle: idle = first
                        case .watchdogStopped: break
                        }
                        first = false
                    }
                    guard var result else {
                        preconditionFailure("the connection task always returns")
                    }
                    // Cut off by the watchdog while streaming or waiting for the head: an idle
                    // timeout, whatever the cancelled connection said. A refused response keeps its
                    // status, with what arrived of its excerpt.
                    if idle, case .interrupted = result.outcome {
                        result.outcome = .interrupted(.idleTimeout, healthy: result.deliveredEvents)
                    }
                    return result
                }
            } else {
                result = await connection.run(request, activity: nil)
            }
            machine.lastEventID = result.lastEventID
            if let milliseconds = result.retryMilliseconds {
                machine.retry(milliseconds: milliseconds)
            }
            return result.outcome
        }

        private enum Watched: Sendable {
            case connection(Connection.Result)
            case idle
            case watchdogStopped
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
    /// When a connection last received a byte, for the idle watchdog.
    final class Activity: Sendable {
        private static let clock = ContinuousClock()
        private static let origin = clock.now
        /// Nanoseconds since `origin` of the last byte, or `busy` while the reader has a batch to take.
        private let last = Atomic<Int64>(0)
        private static let busy = Int64.max

        init() {
            touch()
        }

        func touch() {
            last.store(Self.nanoseconds(Self.clock.now - Self.origin), ordering: .relaxed)
        }

        /// Waiting for the reader is not idleness.
        func pause() {
            last.store(Self.busy, ordering: .relaxed)
        }

        /// Sleeps until `timeout` has passed without a byte.
        ///
        /// - Returns: `true` if it was cancelled first.
        func watch(timeout: Duration) async -> Bool {
            var deadline = Self.clock.now + timeout
            while true {
                do {
                    try await Self.clock.sleep(until: deadline)
                } catch {
                    return true
                }
                let last = last.load(ordering: .relaxed)
                let now = Self.clock.now
                if last == Self.busy {
                    deadline = now + timeout
                    continue
                }
                let lastByte = Self.origin + .nanoseconds(last)
                if now - lastByte >= timeout {
                    return false
                }
                deadline = lastByte + timeout
            }
        }

        private static func nanoseconds(_ duration: Duration) -> Int64 {
            let (seconds, attoseconds) = duration.components
            return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        }
    }
}
#endif
