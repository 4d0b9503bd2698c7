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

/// Keeps what swift-http-types leaves out of HTTP/1: the protocol version. It sits between NIO's
/// HTTP/1 codec and `HTTP1ToHTTPServerCodec`.
///
/// An HTTP/1.0 request that does not ask for keep-alive goes up with `Connection: close`, which
/// is what its version means, so that the connection state machine reads keep-alive from the
/// fields alone; each response goes out in the version of the request it answers (responses are
/// written in the order of their requests).
final class HTTP1VersionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The version of the oldest request not answered yet.
    private var oldest: HTTPVersion?
    /// The versions of the requests pipelined behind it, oldest first (empty, and unallocated,
    /// unless a client pipelines).
    private var later: [HTTPVersion] = []

    /// More requests than this are never waiting for an answer: the connection closes past its
    /// limit on pipelined requests, and a stream answers none after its own. The versions of
    /// requests beyond it (sent during a stream) are not kept.
    /// The last response head written says its body is chunked: NIO's encoder frames it so
    /// (HTTP/1.1, no `Content-Length`), and so must a body written below it.
    private(set) var lastBodyIsChunked = false

    private static let maximumLater = 2 * ConnectionStateMachine.Configuration.defaultMaximumWaitingRequests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        if oldest == nil {
            oldest = head.version
        } else if later.count < Self.maximumLater {
            later.append(head.version)
        }
        if head.version.major == 1, head.version.minor == 0, !head.isKeepAlive {
            head.headers.replaceOrAdd(name: "Connection", value: "close")
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        if let version = oldest {
            head.version = version
            oldest = later.isEmpty ? nil : later.removeFirst()
        }
        lastBodyIsChunked =
            head.version.major == 1 && head.version.minor >= 1 && !head.headers.contains(name: "content-length")
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }
}
#endif
