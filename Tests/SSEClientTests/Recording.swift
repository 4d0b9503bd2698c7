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
import AsyncHTTPClient
import Foundation
import NIOCore
import SSECodec
import SSEClient
import SSETestSupport

/// What a client session delivered: its updates in order, and the error it ended with.
struct Recording: Sendable {
    var updates: [SSEClient.Update] = []
    var error: SSEClientError?
    var timedOut = false

    var events: [ServerSentEvent] {
        updates.compactMap { if case .event(let event) = $0 { event } else { nil } }
    }

    var states: [SSEClient.State] {
        updates.compactMap { if case .state(let state) = $0 { state } else { nil } }
    }

    var data: [String] { events.map(\.data) }

    /// The reconnections: delay and reason.
    var reconnections: [(delay: Duration, reason: SSEClient.ReconnectReason)] {
        states.compactMap { if case .reconnecting(let delay, let reason) = $0 { (delay, reason) } else { nil } }
    }

    var closeReason: SSEClient.CloseReason? {
        if case .closed(let reason) = states.last { reason } else { nil }
    }

    /// Records a session until it ends, `stop` says so, or `limit` passes.
    static func of(
        _ client: SSEClient,
        within limit: Duration = .seconds(20),
        until stop: @escaping @Sendable (Recording) -> Bool = { _ in false }
    ) async -> Recording {
        await withTaskGroup(of: Recording?.self) { group in
            group.addTask {
                var recording = Recording()
                do {
                    for try await update in client.updates {
                        recording.updates.append(update)
                        if stop(recording) {
                            break
                        }
                    }
                } catch {
                    recording.error = error as? SSEClientError
                }
                return recording
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next()!
            group.cancelAll()
            if let first {
                return first
            }
            var cutOff = await group.next()! ?? Recording()
            cutOff.timedOut = true
            return cutOff
        }
    }
}

/// A request as the misbehaving server logged it.
struct LoggedRequest: Decodable {
    let method: String
    let path: String
    let headers: [String: String]
    let body: String
}

extension MisbehavingServer {
    /// The requests the server saw from `client`, in order.
    func log(_ client: String) async throws -> [LoggedRequest] {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)/log?client=\(client)"),
            timeout: .seconds(30)
        )
        let body = try await response.body.collect(upTo: 1 << 20)
        return try JSONDecoder().decode([LoggedRequest].self, from: Data(body.readableBytesView))
    }
}

extension SSEClient.Configuration {
    /// Quick reconnections for tests: the server's `retry` or 20 ms, no jitter.
    static func fast(_ configure: (inout Self) -> Void = { _ in }) -> Self {
        var configuration = Self()
        configuration.reconnection.initialReconnectionTime = .milliseconds(20)
        configuration.reconnection.maximumDelay = .milliseconds(200)
        configuration.reconnection.minimumDelay = .zero
        configuration.reconnection.jitter = 0
        configure(&configuration)
        return configuration
    }
}
#endif
