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

#if NIOSupport
import NIOCore
import Synchronization

/// What the server ends when it stops: an HTTP/1 connection, an HTTP/2 stream, or an HTTP/2
/// connection (which says GOAWAY and closes once its streams have ended). Called on its event loop.
protocol SSEServerConnection: AnyObject {
    func shutDown(drainingSubscriptions: Bool)
}

extension SSEServer {
    /// The open connections, so that stopping the server can end them and wait for them.
    final class Connections: Sendable {
        private struct State {
            var handlers: [ObjectIdentifier: NIOLoopBound<any SSEServerConnection>] = [:]
            /// The handlers of HTTP/2 streams among them, which are not connections.
            var streams = Set<ObjectIdentifier>()
            var running = false
            var stopping = false
            var whenEmpty: CheckedContinuation<Void, Never>?
        }

        private let state = Mutex(State())

        /// How many connections are open (HTTP/2 streams are not counted).
        var count: Int {
            state.withLock { $0.handlers.count - $0.streams.count }
        }

        /// A run of the server begins; `false` while another is still running.
        func begin() -> Bool {
            state.withLock { state in
                guard !state.running else {
                    return false
                }
                state.running = true
                state.stopping = false
                return true
            }
        }

        /// Registers a connection, or an HTTP/2 stream; `false` once the server is stopping.
        func add(
            _ id: ObjectIdentifier,
            _ handler: NIOLoopBound<any SSEServerConnection>,
            isHTTP2Stream: Bool = false
        ) -> Bool {
            state.withLock { state in
                guard !state.stopping else {
                    return false
                }
                state.handlers[id] = handler
                if isHTTP2Stream {
                    state.streams.insert(id)
                }
                return true
            }
        }

        /// Forgets a connection; removing one that is already gone does nothing.
        func remove(_ id: ObjectIdentifier) {
            let whenEmpty = state.withLock { state in
                guard state.handlers.removeValue(forKey: id) != nil else {
                    return nil as CheckedContinuation<Void, Never>?
                }
                state.streams.remove(id)
                return state.handlers.isEmpty ? state.whenEmpty.take() : nil
            }
            whenEmpty?.resume()
        }

        /// Has every connection end (see ``ConnectionHandler/shutDown(drainingSubscriptions:)``),
        /// refuses new ones, and returns once all are closed; then the server may run again.
        ///
        /// - Parameter gracePeriod: How long broadcaster subscriptions may take to end on their
        ///   own before they are ended; `nil` ends them at once.
        func shutDown(gracePeriod: Duration?) async {
            if let gracePeriod {
                let forcing = Task {
                    try await Task.sleep(for: gracePeriod)
                    forceAll()
                }
                await closeAll(drainingSubscriptions: true)
                forcing.cancel()
            } else {
                await closeAll(drainingSubscriptions: false)
            }
            state.withLock { $0.running = false }
        }

        /// Ends the subscriptions still open after the grace period.
        private func forceAll() {
            let handlers = state.withLock { Array($0.handlers.values) }
            for handler in handlers {
                handler.eventLoop.execute { handler.value.shutDown(drainingSubscriptions: false) }
            }
        }

        private func closeAll(drainingSubscriptions: Bool) async {
            await withCheckedContinuation { continuation in
                let handlers = state.withLock { state in
                    state.stopping = true
                    if state.handlers.isEmpty {
                        return nil as [NIOLoopBound<any SSEServerConnection>]?
                    }
                    state.whenEmpty = continuation
                    return Array(state.handlers.values)
                }
                guard let handlers else {
                    continuation.resume()
                    return
                }
                for handler in handlers {
                    handler.eventLoop.execute { handler.value.shutDown(drainingSubscriptions: drainingSubscriptions) }
                }
            }
        }
    }
}
#endif
