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
import NIOHTTP1
import NIOHTTPTypesHTTP1

#if TLSSupport
import NIOHTTP2
import NIOHTTPTypesHTTP2
import NIOSSL
import NIOTLS
#endif

extension SSEServer {
    /// Sets up a new connection: TLS first when configured, then HTTP/2 or HTTP/1.1 as ALPN (or,
    /// in cleartext with ``HTTP2/acceptsCleartext``, the connection's first bytes) decides.
    func configureConnection(_ channel: any Channel) throws {
        let pipeline = channel.pipeline.syncOperations
        #if TLSSupport
        if let tlsContext {
            try pipeline.addHandler(NIOSSLServerHandler(context: tlsContext))
            try pipeline.addHandler(FirstBytesDeadline(within: configuration.requestHeadTimeout))
            guard configuration.http2.isEnabled else {
                try addHTTPHandlers(to: pipeline, eventLoop: channel.eventLoop, secure: true)
                return
            }
            try pipeline.addHandler(
                ApplicationProtocolNegotiationHandler(alpnCompleteHandler: { result, channel in
                    channel.eventLoop.makeCompletedFuture {
                        if case .negotiated("h2") = result {
                            try addHTTP2Handlers(to: channel)
                        } else {
                            try addHTTPHandlers(
                                to: channel.pipeline.syncOperations,
                                eventLoop: channel.eventLoop,
                                secure: true
                            )
                        }
                    }
                })
            )
            return
        }
        if configuration.http2.acceptsCleartext {
            try pipeline.addHandler(HTTP2PrefaceSniffer(server: self))
            return
        }
        #endif
        try addHTTPHandlers(to: pipeline, eventLoop: channel.eventLoop, secure: false)
    }

    /// Adds a connection's HTTP handlers: NIO's HTTP/1 codec, the version keeper, swift-http-types'
    /// conversion, and the connection's handler, which sees `HTTPRequest` and writes
    /// `HTTPResponse`.
    ///
    /// No pipelining assistance: it stops reading while a response is in flight, which would
    /// hide a client's disconnect during a stream. The connection answers requests one at a
    /// time, in order. No error handler and no outbound header validation from NIO: the
    /// connection's state machine answers a request NIO cannot parse (400, or a close when
    /// another is being answered), and every response field passes through `HTTPFields`, whose
    /// values are legalized (CR, LF and NUL become spaces), so a header cannot be injected. Each
    /// handler costs an idle connection a few hundred bytes.
    func addHTTPHandlers(
        to pipeline: ChannelPipeline.SynchronousOperations,
        eventLoop: any EventLoop,
        secure: Bool
    ) throws {
        try pipeline.configureHTTPServerPipeline(
            withPipeliningAssistance: false,
            withErrorHandling: false,
            withOutboundHeaderValidation: false
        )
        try pipeline.addHandlers([
            HTTP1VersionHandler(),
            HTTP1ToHTTPServerCodec(secure: secure),
            ConnectionHandler(server: self, eventLoop: eventLoop),
        ])
    }
}
#endif
