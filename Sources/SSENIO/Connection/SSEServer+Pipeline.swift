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

extension SSEServer {
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
        eventLoop: any EventLoop
    ) throws {
        try pipeline.configureHTTPServerPipeline(
            withPipeliningAssistance: false,
            withErrorHandling: false,
            withOutboundHeaderValidation: false
        )
        try pipeline.addHandlers([
            HTTP1VersionHandler(),
            HTTP1ToHTTPServerCodec(secure: false),
            ConnectionHandler(server: self, eventLoop: eventLoop),
        ])
    }
}
#endif
