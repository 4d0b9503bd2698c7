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

#if CommandLineTool
import Foundation
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL

/// Reads an HTTP/2 response head with SwiftNIO's header validation off: the fields of a head
/// that a strict client (AsyncHTTPClient, a browser) refuses, so that the doctor can name them.
enum LaxHTTP2Head {
    /// The head's fields, in order; throws when there is no HTTP/2 answer within 10 s.
    static func fetch(
        url: String,
        method: String,
        fields: [(name: String, value: String)],
        tls: TLSConfiguration
    ) async throws -> [(name: String, value: String)] {
        guard let components = URLComponents(string: url), let host = components.host else {
            throw ChannelError.badInterfaceAddressFamily
        }
        let port = components.port ?? 443
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery {
            path += "?" + query
        }
        var request = HPACKHeaders([
            (":method", method), (":scheme", "https"), (":authority", "\(host):\(port)"), (":path", path),
            ("accept", "text/event-stream"),
        ])
        for field in fields {
            request.add(name: field.name.lowercased(), value: field.value)
        }
        var tls = tls
        tls.applicationProtocols = ["h2"]
        let context = try NIOSSLContext(configuration: tls)
        let isAddress = host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" }
        let connection = {
            var configuration = NIOHTTP2Handler.ConnectionConfiguration()
            configuration.headerBlockValidation = .disabled
            configuration.contentLengthValidation = .disabled
            return configuration
        }()
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: HPACKHeaders.self)
        let timeout = promise.futureResult.eventLoop.scheduleTask(in: .seconds(10)) {
            promise.fail(ChannelError.connectTimeout(.seconds(10)))
        }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(10))
                .channelInitializer { [request] channel in
                    channel.eventLoop.makeCompletedFuture {
                        let operations = channel.pipeline.syncOperations
                        try operations.addHandler(
                            NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : host)
                        )
                        let multiplexer = try operations.configureHTTP2Pipeline(
                            mode: .client,
                            connectionConfiguration: connection,
                            streamConfiguration: .init()
                        ) { stream in
                            stream.eventLoop.makeSucceededVoidFuture()
                        }
                        multiplexer.createStreamChannel(promise: nil) { stream in
                            stream.eventLoop.makeCompletedFuture {
                                try stream.pipeline.syncOperations.addHandler(
                                    HeadReader(request: request, head: promise)
                                )
                            }
                        }
                    }
                }
                .connect(host: host, port: port)
                .get()
        } catch {
            timeout.cancel()
            promise.fail(error)
            throw error
        }
        defer {
            timeout.cancel()
            channel.close(promise: nil)
        }
        let head = try await promise.futureResult.get()
        return head.map { ($0.name, $0.value) }
    }

    /// Sends the request's head on its stream, and hands over the first head that comes back.
    private final class HeadReader: ChannelInboundHandler {
        typealias InboundIn = HTTP2Frame.FramePayload
        typealias OutboundOut = HTTP2Frame.FramePayload

        let request: HPACKHeaders
        let head: EventLoopPromise<HPACKHeaders>

        init(request: HPACKHeaders, head: EventLoopPromise<HPACKHeaders>) {
            self.request = request
            self.head = head
        }

        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: request, endStream: true))), promise: nil)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .headers(let headers) = unwrapInboundIn(data) {
                head.succeed(headers.headers)
                context.close(promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            head.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            head.fail(ChannelError.eof)
            context.fireChannelInactive()
        }
    }
}
#endif
