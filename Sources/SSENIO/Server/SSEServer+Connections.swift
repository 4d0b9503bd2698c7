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
import Logging
import NIOCore
import Synchronization

/// What the server ends when it stops: an HTTP/1 connection, an HTTP/2 stream, or an HTTP/2
/// connection (which says GOAWAY and closes once its streams have ended). Called on its event loop.
protocol SSEServerConnection: AnyObject {
    /// The server is about to stop, before its `onShutdown` ends the broadcasters: an HTTP/2
    /// connection says GOAWAY now, so that it comes before the ends of its streams.
    func announceShutdown()
    func shutDown(drainingSubscriptions: Bool)
    /// Closes the channel at once, without waiting for what it was still doing: for a connection
    /// that has not closed ``SSEServer/Connections/closeDeadline`` after it was ended.
    func closeNow()
    /// What it is doing, for the log line of a connection closed by ``closeNow()``.
    var activity: String { get }
}

extension SSEServerConnection {
    func announceShutdown() {}
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
        private let logger: Logger?

        /// How long the connections have, once they were ended, to close on their own: a route
        /// to answer after its task was cancelled, a stream to write its end, an HTTP/2
        /// connection to finish its graceful close. Then they are closed where they stand (a
        /// TLS connection still sends its `close_notify`, for up to swift-nio-ssl's 5 s), so that
        /// a route that ignores cancellation, or a peer that reads nothing, cannot hold a
        /// stopping server for ever.
        static let closeDeadline = Duration.seconds(2)

        init(logger: Logger?) {
            self.logger = logger
        }

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
            // Subscriptions still open after the grace period are ended; connections still open
            // `closeDeadline` after that are closed.
            let ending = Task {
                if let gracePeriod {
                    try await Task.sleep(for: gracePeriod)
                    forEach { $0.shutDown(drainingSubscriptions: false) }
                }
                try await Task.sleep(for: Self.closeDeadline)
                closeRemaining()
            }
            await closeAll(drainingSubscriptions: gracePeriod != nil)
            ending.cancel()
            state.withLock { $0.running = false }
        }

        /// The server is about to stop (see ``SSEServerConnection/announceShutdown()``). Each
        /// connection hears it on its event loop before anything `onShutdown` does reaches it there.
        func announceShutdown() {
            forEach { $0.announceShutdown() }
        }

        /// Calls `body` with each open connection and HTTP/2 stream, on its event loop.
        private func forEach(_ body: @escaping @Sendable (any SSEServerConnection) -> Void) {
            let handlers = state.withLock { Array($0.handlers.values) }
            for handler in handlers {
                handler.eventLoop.execute { body(handler.value) }
            }
        }

        /// Closes what has not closed by the deadline, and logs what each was doing.
        private func closeRemaining() {
            forEach { [logger] connection in
                logger?.warning(
                    "Closed a connection that had not ended \(Self.closeDeadline) after it was asked to",
                    metadata: ["sse.activity": "\(connection.activity)"]
                )
                connection.closeNow()
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
