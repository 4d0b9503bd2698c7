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

#if TLSSupport
import HTTPTypes
import NIOCore
import NIOHTTP2
import NIOHTTPTypes
import NIOHTTPTypesHTTP2
import NIOSSL
import NIOTLS

extension SSEServer {
    /// Adds HTTP/2 to a connection whose protocol is decided: NIO's HTTP/2 handler with the
    /// server's limits, a stream channel per request (swift-http-types' conversion, the
    /// connection-specific fields taken out, and the same ``ConnectionHandler`` as HTTP/1.1,
    /// which answers the stream's one request), NIO's connection manager (idle timeout, graceful
    /// close) and the connection's own handler (see ``HTTP2ConnectionHandler``).
    func addHTTP2Handlers(to channel: any Channel) throws {
        let limits = configuration.http2
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: limits.maximumConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: limits.maximumHeaderListSize),
        ]
        connection.maximumSequentialContinuationFrames = limits.maximumContinuationFrames
        connection.controlFrameRateLimit.maximumCount = limits.maximumControlFrames
        connection.controlFrameRateLimit.windowLength = TimeAmount(limits.rateLimitWindow)
        var stream = NIOHTTP2Handler.StreamConfiguration()
        // A stream stops pulling while this much of it waits for its flow-control window or the
        // socket: the same bound as an HTTP/1.1 connection's.
        stream.outboundBufferSizeHighWatermark = writeBufferWaterMark.high
        stream.outboundBufferSizeLowWatermark = writeBufferWaterMark.low
        stream.streamResetFrameRateLimit.maximumCount = limits.maximumResetStreams
        stream.streamResetFrameRateLimit.windowLength = TimeAmount(limits.rateLimitWindow)
        stream.streamErrorRateLimit.windowLength = TimeAmount(limits.rateLimitWindow)
        // The socket carries many streams: its own bound is that of many connections, so that
        // one stream's batch does not stop the others at once.
        try channel.syncOptions?.setOption(
            .writeBufferWaterMark,
            value: .init(low: 8 * writeBufferWaterMark.low, high: 8 * writeBufferWaterMark.high)
        )
        let pipeline = channel.pipeline.syncOperations
        var lifecycle = NIOHTTP2ServerConnectionManagementHandler.Configuration.defaults
        lifecycle.maxIdleTime = TimeAmount(configuration.keepAliveTimeout)
        lifecycle.maxAge = nil
        lifecycle.maxGraceTime = nil
        lifecycle.keepalive = nil
        let manager = NIOHTTP2ServerConnectionManagementHandler(eventLoop: channel.eventLoop, configuration: lifecycle)
        _ = try pipeline.configureHTTP2Pipeline(
            mode: .server,
            connectionConfiguration: connection,
            streamConfiguration: stream,
            streamDelegate: manager.http2StreamDelegate,
            position: .last
        ) { streamChannel in
            streamChannel.eventLoop.makeCompletedFuture {
                try streamChannel.pipeline.syncOperations.addHandlers([
                    HTTP2FramePayloadToHTTPServerCodec(),
                    ConnectionSpecificFieldsRemover(),
                    ConnectionHandler(server: self, eventLoop: streamChannel.eventLoop, isHTTP2Stream: true),
                ])
            }
        }
        // The manager first, ours in front of it: ours, once added, passes it the channelActive it
        // missed (the connection was active before HTTP/2 was chosen), which starts its idle timer.
        try pipeline.addHandler(manager)
        try pipeline.addHandler(
            HTTP2ConnectionHandler(server: self, eventLoop: channel.eventLoop),
            position: .before(manager)
        )
    }

    /// An HTTP/2 connection as a whole: counted and registered with the server, so that a
    /// stopping server ends it. Its lifecycle is NIO's ``NIOHTTP2ServerConnectionManagementHandler``
    /// (idle timeout; a graceful close as RFC 9113 §6.8 has it: GOAWAY with the largest stream ID
    /// and a PING, then, once the client answered, GOAWAY with the last stream it opened; the
    /// connection closes once its streams have ended), which this starts on shutdown. Each
    /// stream's own handler ends its stream, with its final event.
    ///
    /// It sits between NIO's HTTP/2 handler and the manager, and bounds the one wait the manager
    /// leaves open: a connection closed for being idle waits for the client to acknowledge the
    /// PING of its first GOAWAY, and a client that never does (or answers with another PING's
    /// data) is let go after ``closeTimeout``. A malformed request (one stream reset by NIO's
    /// handler) leaves the connection and its other streams alone; any other error closes it.
    final class HTTP2ConnectionHandler: ChannelDuplexHandler, SSEServerConnection {
        typealias InboundIn = HTTP2Frame
        typealias InboundOut = HTTP2Frame
        typealias OutboundIn = HTTP2Frame
        typealias OutboundOut = HTTP2Frame

        private let server: SSEServer
        private let eventLoop: any EventLoop
        private var context: ChannelHandlerContext?
        private var registered = false
        private var quiescing = false
        private var closing: Scheduled<Void>?

        /// How long a stopping server waits for a client to answer the PING of a graceful close
        /// (and for its streams' last bytes) once the streams are ended, before it closes the
        /// connection anyway.
        static let closeTimeout = Duration.seconds(1)

        init(server: SSEServer, eventLoop: any EventLoop) {
            self.server = server
            self.eventLoop = eventLoop
        }

        func handlerAdded(context: ChannelHandlerContext) {
            self.context = context
            let bound = NIOLoopBound(self as any SSEServerConnection, eventLoop: eventLoop)
            guard server.connections.add(ObjectIdentifier(self), bound) else {
                context.close(promise: nil)
                return
            }
            registered = true
            server.metrics?.connection(opened: true)
            if context.channel.isActive {
                // The manager behind this handler starts its idle timer on channelActive, which
                // came before HTTP/2 was chosen (by ALPN, or by the cleartext preface).
                context.fireChannelActive()
            }
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            self.context = nil
            forget()
        }

        func channelInactive(context: ChannelHandlerContext) {
            forget()
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            // A malformed request (RFC 9113 §8.1.1) is an error of its stream alone: NIO's HTTP/2
            // handler has reset that stream and counts it against its stream-error rate limit; the
            // connection's other streams go on.
            if Self.isMalformedRequest(error) {
                return
            }
            // A connection error: NIO's HTTP/2 handler has already said GOAWAY with its code.
            context.close(promise: nil)
        }

        /// The errors NIO's HTTP/2 handler raises for a malformed request's header fields or
        /// length, each of which resets only its stream.
        static func isMalformedRequest(_ error: any Error) -> Bool {
            switch error {
            case is NIOHTTP2Errors.ForbiddenHeaderField, is NIOHTTP2Errors.MissingPseudoHeader,
                is NIOHTTP2Errors.DuplicatePseudoHeader, is NIOHTTP2Errors.PseudoHeaderAfterRegularHeader,
                is NIOHTTP2Errors.UnknownPseudoHeader, is NIOHTTP2Errors.UnsupportedPseudoHeader,
                is NIOHTTP2Errors.InvalidPseudoHeaders, is NIOHTTP2Errors.InvalidPseudoHeaderValue,
                is NIOHTTP2Errors.MissingHostHeader, is NIOHTTP2Errors.DuplicateHostHeader,
                is NIOHTTP2Errors.EmptyPathHeader, is NIOHTTP2Errors.TrailersWithoutEndStream,
                is NIOHTTP2Errors.InvalidHTTP2HeaderFieldName, is NIOHTTP2Errors.InvalidHTTP2HeaderFieldValue,
                is NIOHTTP2Errors.ContentLengthViolated, is NIOHTTP2Errors.ContentLengthHeadersMismatch,
                is NIOHTTP2Errors.ContentLengthHeaderNegative, is NIOHTTP2Errors.ContentLengthHeaderMalformedValue,
                is NIOHTTP2Errors.StreamError:
                true
            default:
                false
            }
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if !quiescing, case .goAway(let lastStreamID, _, _) = unwrapOutboundIn(data).payload {
                if lastStreamID == .maxID {
                    // The manager closes an idle connection: its first GOAWAY, with a PING. Bound
                    // the wait for the client's answer.
                    closeWithin(Self.closeTimeout)
                } else {
                    // The client answered the PING: the manager closes the connection once the
                    // streams it opened meanwhile have ended.
                    closing?.cancel()
                    closing = nil
                }
            }
            context.write(data, promise: promise)
        }

        private func closeWithin(_ duration: Duration) {
            guard let context else {
                return
            }
            let channel = context.channel
            closing?.cancel()
            closing = eventLoop.scheduleTask(in: TimeAmount(duration)) {
                channel.close(promise: nil)
            }
        }

        private func forget() {
            closing?.cancel()
            closing = nil
            if registered {
                registered = false
                server.metrics?.connection(opened: false)
                server.connections.remove(ObjectIdentifier(self))
            }
        }

        func closeNow() {
            context?.channel.close(promise: nil)
        }

        var activity: String {
            quiescing ? "HTTP/2 connection closing gracefully" : "HTTP/2 connection"
        }

        /// Starts the graceful close (GOAWAY), before the streams end.
        func announceShutdown() {
            guard let context, !quiescing else {
                return
            }
            quiescing = true
            context.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }

        /// Starts the graceful close, if ``announceShutdown()`` has not; when the streams are being
        /// ended for good (`drainingSubscriptions` false), the connection closes within
        /// ``closeTimeout`` even if the client never answers.
        func shutDown(drainingSubscriptions: Bool) {
            guard context != nil else {
                return
            }
            announceShutdown()
            if !drainingSubscriptions {
                closeWithin(Self.closeTimeout)
            }
        }
    }

    /// Takes out of an HTTP/2 response the fields that belong to an HTTP/1.1 connection (RFC 9113
    /// §8.2.2): NIO's HTTP/2 would refuse the response, and browsers drop the connection over
    /// them. A route's own `Connection` header, or the `Connection: close` the connection state
    /// machine adds, never reaches the wire.
    final class ConnectionSpecificFieldsRemover: ChannelOutboundHandler, RemovableChannelHandler {
        typealias OutboundIn = HTTPResponsePart
        typealias OutboundOut = HTTPResponsePart

        private static let forbidden: [HTTPField.Name] = [
            .connection, .transferEncoding, .upgrade, HTTPField.Name("Proxy-Connection")!,
            HTTPField.Name("Keep-Alive")!,
        ]

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            guard case .head(var response) = unwrapOutboundIn(data),
                Self.forbidden.contains(where: { response.headerFields[$0] != nil })
            else {
                context.write(data, promise: promise)
                return
            }
            // Fields the Connection header names are connection-specific too.
            for named in response.headerFields[values: .connection].flatMap({ $0.split(separator: ",") }) {
                if let name = HTTPField.Name(String(named.trimmingCharacters(in: " \t"))) {
                    response.headerFields[name] = nil
                }
            }
            for name in Self.forbidden {
                response.headerFields[name] = nil
            }
            context.write(wrapOutboundOut(.head(response)), promise: promise)
        }
    }

    /// On a cleartext server that also takes HTTP/2 with prior knowledge: reads a connection's
    /// first bytes, and sets it up for HTTP/2 when they are the client preface (`PRI * HTTP/2.0`
    /// …), for HTTP/1.1 as soon as they cannot be. A connection that sends too few bytes to
    /// tell within the request-head timeout is closed.
    final class HTTP2PrefaceSniffer: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer

        private static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

        private let server: SSEServer
        private var received: ByteBuffer?
        private var deadline: Scheduled<Void>?

        init(server: SSEServer) {
            self.server = server
        }

        func handlerAdded(context: ChannelHandlerContext) {
            let channel = context.channel
            deadline = context.eventLoop.scheduleTask(in: TimeAmount(server.configuration.requestHeadTimeout)) {
                channel.close(promise: nil)
            }
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            deadline?.cancel()
            deadline = nil
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            if var received = self.received.take() {
                received.writeBuffer(&bytes)
                bytes = received
            }
            let prefix = bytes.readableBytesView.prefix(Self.preface.count)
            let isPreface: Bool
            if !prefix.elementsEqual(Self.preface.prefix(prefix.count)) {
                isPreface = false
            } else if prefix.count == Self.preface.count {
                isPreface = true
            } else {
                received = bytes
                return
            }
            deadline?.cancel()
            deadline = nil
            do {
                if isPreface {
                    try server.addHTTP2Handlers(to: context.channel)
                } else {
                    try server.addHTTPHandlers(
                        to: context.pipeline.syncOperations,
                        eventLoop: context.eventLoop,
                        secure: false
                    )
                }
            } catch {
                context.close(promise: nil)
                return
            }
            context.fireChannelRead(wrapInboundOut(bytes))
            context.fireChannelReadComplete()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    /// Closes a TLS connection whose handshake has not completed within the request-head
    /// timeout: a client that connects and says nothing does not hold a socket.
    final class FirstBytesDeadline: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny

        private let within: Duration
        private var deadline: Scheduled<Void>?

        init(within: Duration) {
            self.within = within
        }

        func handlerAdded(context: ChannelHandlerContext) {
            let channel = context.channel
            deadline = context.eventLoop.scheduleTask(in: TimeAmount(within)) {
                channel.close(promise: nil)
            }
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            deadline?.cancel()
            deadline = nil
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case TLSUserEvent.handshakeCompleted = event {
                deadline?.cancel()
                deadline = nil
                context.fireUserInboundEventTriggered(event)
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
                return
            }
            context.fireUserInboundEventTriggered(event)
        }
    }
}

#endif
