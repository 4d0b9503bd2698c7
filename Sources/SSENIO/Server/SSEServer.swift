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
public import Logging
import NIOCore
import NIOPosix
public import SSENIOCore
public import ServiceLifecycle
import Synchronization

#if TLSSupport
import NIOSSL
import UnixSignals
#endif

/// A small HTTP/1.1 server for event streams, on SwiftNIO: no framework needed.
///
/// ```swift
/// let broadcaster = SSEBroadcaster()
/// var router = SSERouter()
/// router.get("/") { _ in .html(page) }
/// router.get("/events") { request in
///     .stream(broadcaster.subscribe(to: ["news"], lastEventID: request.lastEventID))
/// }
/// let server = SSEServer(configuration: .init(port: 8080), router: router, onServerRunning: { port in
///     print("http://127.0.0.1:\(port)/")
/// })
/// try await server.run()
/// ```
///
/// Event streams get `Content-Type: text/event-stream; charset=utf-8`, `Cache-Control: no-cache`
/// and `X-Accel-Buffering: no` (so nginx does not buffer them), are flushed after every event, and
/// are gzip-compressed with a flush per event when the client's `Accept-Encoding` asks for it. A
/// client that disconnects is noticed at once, even while its stream is quiet: its subscription is
/// cancelled and released (a stream of another sequence has its task cancelled).
///
/// Connections are driven from their event loops. A broadcaster subscription is written without a
/// task of its own: the subscription calls the connection back when it has events, and they go
/// out in one write while the socket keeps up. That keeps an idle stream to a few KiB of memory.
///
/// ``run()`` serves until its task is cancelled or, in a swift-service-lifecycle
/// `ServiceGroup`, until a graceful shutdown (SIGINT or SIGTERM, as the group is configured). Then
/// it stops listening, calls its `onShutdown` (where broadcasters say goodbye with a final event),
/// lets their streams end on their own for up to
/// ``Configuration-swift.struct/shutdownGracePeriod``, ends the rest (each response is ended
/// properly) and returns once every connection is closed:
///
/// ```swift
/// let server = SSEServer(configuration: .init(port: 8080), router: router) {
///     try? broadcaster.shutDown(finalEvent: ServerSentEvent(type: "bye", data: "restarting"))
/// }
/// let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigint, .sigterm], logger: logger)
/// try await group.run()
/// ```
public struct SSEServer: Sendable, Service {
    /// Where to listen and how to answer.
    public struct Configuration: Sendable {
        /// The address to listen on. Defaults to `127.0.0.1`.
        public var host: String

        /// The port; 0 picks a free one (`onServerRunning` reports it). Defaults to 8080.
        public var port: Int

        /// How event streams are answered: heartbeats, `X-Accel-Buffering`, gzip, the last event ID.
        public var stream: SSEStreamConfiguration

        /// Cross-origin access; `nil` (the default) sends no CORS headers.
        public var cors: SSECORS?

        /// How long a write may wait for the client to take the bytes before the connection is
        /// closed: a client that stopped reading, or vanished without closing, is let go. Also
        /// closes a connection nothing was written to for as long (keep-alive between requests,
        /// or a stream without heartbeats). Defaults to 60 seconds: keep it above the heartbeat.
        public var writeTimeout: Duration

        /// How long a new connection may take to send its first complete request (head, and body
        /// if any) before it is closed: a client that sends half a request (slowloris), or
        /// nothing, does not hold a connection. Defaults to 10 seconds.
        public var requestHeadTimeout: Duration

        /// How long a kept-alive connection may take to send its next complete request, counted
        /// from when the previous response reached the socket, before it is closed. Defaults to
        /// 15 seconds.
        public var keepAliveTimeout: Duration

        /// The largest request body accepted, in bytes: a larger one is answered with
        /// `413 Payload Too Large` (at once when its `Content-Length` says so), and its connection
        /// closes; nothing else is affected. Defaults to 1 MiB.
        public var maximumBodySize: Int

        /// The most bytes of events one connection writes at once, and so about what a client
        /// that stopped reading can leave waiting in the server (one and a half times this,
        /// beyond its broadcaster queue): a batch is at most this much, and writes pause while
        /// more than half of it has not reached the socket. Defaults to 8 KiB: about 13 KiB per
        /// stalled subscriber. Larger batches cost fewer writes for fast readers (64 KiB takes
        /// about a third of the server CPU per delivery in a burst to 10,000 subscribers) and
        /// up to about 75 KiB per stalled one. See the Performance article of the package documentation.
        public var writeBufferSize: Int

        /// The shortest time between two writes of a broadcaster subscription's stream: events
        /// that come sooner after a write wait, and go out together in the next one, while an
        /// event after a quiet spell goes at once. When events come faster than this, a stream
        /// makes fewer, larger writes (fewer system calls and TCP segments for the server, fewer
        /// wake-ups for the client) at the cost of up to this much latency for them; the batch
        /// limit (``writeBufferSize``) still applies, and a backlog is written without waiting.
        /// On a server that is short of CPU for its fan-out it gives CPU back to the rest (the
        /// publishing path, the median delivery); see the Performance article of the package
        /// documentation for what it did, and did not do, to the high percentiles.
        /// Streams of a route's own sequence are not spaced. `nil` (the default): every batch
        /// goes as soon as it is ready.
        public var minimumWriteInterval: Duration?

        /// How long a stopping server lets the streams of its broadcasters end on their own, after
        /// `onShutdown` (which shuts them down with their final events), before it ends the rest.
        /// Used only when there is an `onShutdown`. Defaults to 5 seconds.
        public var shutdownGracePeriod: Duration

        /// The window a reconnection delay is drawn from, at random for each stream, whenever the
        /// server ends a stream its client did not end: each gets a `retry:` field of its own
        /// before its end, so that thousands of clients that lose their streams at one moment (a
        /// restart, a deploy) come back spread over the window instead of all at once. It applies
        /// when the server stops, to streams that reach ``maximumStreamAge``, and to the
        /// `Retry-After` of a stream refused by ``maximumStreamsPerSecond`` (whole seconds, at
        /// least 1). `nil` sends none. Defaults to 1 to 10 seconds.
        public var reconnectionWindow: ClosedRange<Duration>?

        /// The most event streams the server begins per second (a burst of up to this many at
        /// once); a stream over the rate is answered `503 Service Unavailable` with a
        /// `Retry-After` drawn from ``reconnectionWindow``, so that a wave of reconnections is
        /// spread out instead of taken all at once. `nil` (the default): no limit.
        public var maximumStreamsPerSecond: Int?

        /// The most connections open at once (an HTTP/2 connection counts once, whatever its
        /// streams), counted from when they are accepted, before any TLS handshake: one more is
        /// closed as soon as it is accepted, without an answer (a browser's `EventSource` then
        /// tries again after its reconnection delay, where a `503` would make it give up), and
        /// counted as refused for `connection_limit`. Keep it below the process's file-descriptor
        /// limit. `nil` (the default): no limit.
        public var maximumConnections: Int?

        /// How long a stream may stay open: it is ended properly (with a `retry:` drawn from
        /// ``reconnectionWindow``) after an age drawn at random between three quarters of this
        /// and this, so that long-lived streams rotate across instances behind a load balancer
        /// without leaving all at once. A resuming client misses nothing. `nil` (the default):
        /// no limit.
        public var maximumStreamAge: Duration?

        #if TLSSupport
        /// TLS: the certificate and key, and the oldest version accepted; `nil` (the default)
        /// serves cleartext. With TLS, ALPN offers HTTP/2 (see ``http2``) and HTTP/1.1.
        public var tls: TLS?

        /// HTTP/2: whether TLS offers it, cleartext HTTP/2 with prior knowledge, and its limits.
        public var http2: HTTP2
        #endif

        /// Where route errors, refused requests and cut subscribers are logged, with the request's
        /// method and path; `nil` (the default) logs nothing. The server never creates a logger.
        public var logger: Logger?

        /// Where the server's figures go (connections, streams, events and bytes written,
        /// subscribers cut, replay misses, refused requests); `nil` (the default) reports none.
        /// The same as `stream.metrics`.
        public var metrics: SSEMetrics? {
            get { stream.metrics }
            set { stream.metrics = newValue }
        }

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - host: The address to listen on.
        ///   - port: The port; 0 for any free one.
        public init(host: String = "127.0.0.1", port: Int = 8080) {
            self.host = host
            self.port = port
            stream = SSEStreamConfiguration()
            cors = nil
            writeTimeout = .seconds(60)
            requestHeadTimeout = .seconds(10)
            keepAliveTimeout = .seconds(15)
            maximumBodySize = 1024 * 1024
            shutdownGracePeriod = .seconds(5)
            writeBufferSize = 8 * 1024
            minimumWriteInterval = nil
            reconnectionWindow = .seconds(1)...(.seconds(10))
            maximumStreamsPerSecond = nil
            maximumConnections = nil
            maximumStreamAge = nil
            logger = nil
            #if TLSSupport
            tls = nil
            http2 = HTTP2()
            #endif
        }
    }

    /// What every connection of the server shares, by reference: each connection handler keeps
    /// the server, so the server is one reference (an idle stream does not carry a copy of the
    /// configuration and the routes).
    private final class Shared: Sendable {
        let configuration: Configuration
        let router: SSERouter
        let connections: Connections
        let onServerRunning: (@Sendable (_ port: Int) async -> Void)?
        let onShutdown: (@Sendable () async -> Void)?
        /// Admits streams at ``Configuration-swift.struct/maximumStreamsPerSecond``, if set.
        let streamRate: StreamRate?
        /// Connections accepted and not yet closed, for ``Configuration-swift.struct/maximumConnections``.
        let accepted = Atomic<Int>(0)
        #if TLSSupport
        /// The TLS context new connections get: made when the server starts, replaced by a reload.
        let tlsContext = Mutex<NIOSSLContext?>(nil)
        #endif

        init(
            configuration: Configuration,
            router: SSERouter,
            onServerRunning: (@Sendable (_ port: Int) async -> Void)?,
            onShutdown: (@Sendable () async -> Void)?
        ) {
            self.configuration = configuration
            self.router = router
            connections = Connections(logger: configuration.logger)
            self.onServerRunning = onServerRunning
            self.onShutdown = onShutdown
            streamRate = configuration.maximumStreamsPerSecond.map { StreamRate(perSecond: $0) }
        }
    }

    private let shared: Shared

    /// Where it listens and how it answers.
    public var configuration: Configuration { shared.configuration }
    var router: SSERouter { shared.router }
    var connections: Connections { shared.connections }
    var streamRate: StreamRate? { shared.streamRate }
    private var onServerRunning: (@Sendable (_ port: Int) async -> Void)? { shared.onServerRunning }
    private var onShutdown: (@Sendable () async -> Void)? { shared.onShutdown }
    /// The configuration's values a connection reads on every batch, read in place.
    var metrics: SSEMetrics? { shared.configuration.stream.metrics }
    var logger: Logger? { shared.configuration.logger }
    var writeBufferSize: Int { shared.configuration.writeBufferSize }
    #if TLSSupport
    /// The TLS context new connections get; `nil` without TLS.
    var tlsContext: NIOSSLContext? {
        get { shared.tlsContext.withLock { $0 } }
        nonmutating set { shared.tlsContext.withLock { $0 = newValue } }
    }
    #endif

    /// Creates a server; ``run()`` starts it.
    ///
    /// ```swift
    /// let server = SSEServer(configuration: .init(port: 0), router: router) {
    ///     try? broadcaster.shutDown(finalEvent: ServerSentEvent(type: "bye", data: "restarting"))
    /// } onServerRunning: { port in
    ///     print("listening on \(port)")
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - configuration: Where to listen and how to answer.
    ///   - router: The routes.
    ///   - onShutdown: Called when the server begins to stop, once it no longer listens: shut
    ///     your broadcasters down here with a final event; their streams then end on their own
    ///     once it is written (for up to the configuration's `shutdownGracePeriod`). `nil`: open
    ///     streams end at once.
    ///   - onServerRunning: Called once the server listens, with its port (the one it picked for
    ///     port 0), before it logs that it listens; as Hummingbird's `Application` has it. Each
    ///     ``run()`` calls it once.
    public init(
        configuration: Configuration = Configuration(),
        router: SSERouter,
        onShutdown: (@Sendable () async -> Void)? = nil,
        onServerRunning: (@Sendable (_ port: Int) async -> Void)? = nil
    ) {
        shared = Shared(
            configuration: configuration,
            router: router,
            onServerRunning: onServerRunning,
            onShutdown: onShutdown
        )
    }

    /// How many connections are open: an HTTP/2 connection counts once, whatever its streams.
    public var connectionCount: Int {
        connections.count
    }

    /// Serves until the calling task is cancelled or a graceful shutdown begins (in a
    /// `ServiceGroup`): the `Service` requirement. Once it has returned, the server may run again.
    /// Once it listens, it calls the `onServerRunning` given to ``init(configuration:router:onShutdown:onServerRunning:)``.
    ///
    /// - Throws: ``SSEServerError/alreadyRunning`` while another call runs this server; an error
    ///   of SwiftNIO's if the address cannot be bound.
    public func run() async throws {
        try await serve { _ in }
    }

    /// Serves as ``run()`` does, and also calls `onListening` with the port once it listens.
    @available(*, deprecated, message: "Pass onServerRunning to SSEServer.init, then call run()")
    public func run(onListening: @Sendable (Int) -> Void) async throws {
        try await serve(onListening)
    }

    private func serve(_ onListening: @Sendable (Int) -> Void) async throws {
        guard connections.begin() else {
            throw SSEServerError.alreadyRunning
        }
        let listener: any Channel
        #if TLSSupport
        let signals: UnixSignalsSequence?
        #endif
        do {
            #if TLSSupport
            try prepareTLS()
            signals = await trappingSIGHUP()
            #endif
            listener = try await bind()
        } catch {
            await connections.shutDown(gracePeriod: nil)
            throw error
        }
        let port = listener.localAddress?.port ?? configuration.port
        onListening(port)
        await onServerRunning?(port)
        configuration.logger?.info(
            "Listening",
            metadata: ["sse.host": "\(configuration.host)", "sse.port": "\(port)"]
        )
        #if TLSSupport
        let reloading = reloading(on: signals)
        defer { reloading?.cancel() }
        #endif
        // Cancelling this task, or a graceful shutdown, closes the listener; then every
        // connection is ended and waited for.
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                try? await listener.closeFuture.get()
            } onCancel: {
                listener.close(promise: nil)
            }
        } onGracefulShutdown: {
            listener.close(promise: nil)
        }
        configuration.logger?.info("Stopping", metadata: ["sse.connections": "\(connections.count)"])
        connections.announceShutdown()
        if let onShutdown {
            await onShutdown()
            await connections.shutDown(gracePeriod: configuration.shutdownGracePeriod)
        } else {
            await connections.shutDown(gracePeriod: nil)
        }
    }

    /// Writes pause while more than half the write buffer waits to reach the socket, and resume
    /// below a quarter.
    var writeBufferWaterMark: ChannelOptions.Types.WriteBufferWaterMark {
        let size = max(configuration.writeBufferSize, 1_024)
        return .init(low: size / 4, high: size / 2)
    }

    /// Counts an accepted connection until it closes, or refuses it (the channel is closed) when
    /// ``Configuration-swift.struct/maximumConnections`` are open.
    private func admit(_ channel: any Channel) throws {
        guard let maximum = configuration.maximumConnections else {
            return
        }
        let shared = self.shared
        guard shared.accepted.add(1, ordering: .relaxed).newValue <= maximum else {
            shared.accepted.subtract(1, ordering: .relaxed)
            metrics?.refused(.connectionLimit)
            logger?.notice(
                "Refused a connection over maximumConnections",
                metadata: ["sse.refusal": "connection_limit", "sse.maximum_connections": "\(maximum)"]
            )
            throw SSEServerError.connectionLimitReached
        }
        channel.closeFuture.whenComplete { _ in
            shared.accepted.subtract(1, ordering: .relaxed)
        }
    }

    private func bind() async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1_024)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: writeBufferWaterMark)
            // Requests are small: start reads at 512 bytes (NIO's default is 2 KiB), which saves
            // about 1.5 KiB per idle connection; a larger request grows it.
            .childChannelOption(
                .recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536)
            )
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try admit(channel)
                    try configureConnection(channel)
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
    }
}
#endif
