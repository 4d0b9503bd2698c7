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

#if PostgresSupport
import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy in front of the PostgreSQL server that can lose a reply the way a network does:
/// armed with a marker, it forwards the first request holding it, lets the server run it (and
/// commit), drops the reply up to and including its `ReadyForQuery`, and cuts both sides. The
/// client sees its connection fail; the write is in the database.
final class CuttingProxy: Sendable {
    let port: Int
    private let channel: any Channel
    private let state = State()

    init(upstreamPort: Int) async throws {
        let state = self.state
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { inbound in
                inbound.setOption(.autoRead, value: false).flatMap {
                    ClientBootstrap(group: inbound.eventLoop)
                        .connect(host: "127.0.0.1", port: upstreamPort)
                }
                .flatMap { outbound in
                    let toServer = Glue(peer: outbound, state: state, direction: Glue.Direction.toServer)
                    let toClient = Glue(peer: inbound, state: state, direction: Glue.Direction.toClient)
                    toServer.partner = toClient
                    toClient.partner = toServer
                    return inbound.pipeline.addHandler(toServer).flatMap {
                        outbound.pipeline.addHandler(toClient)
                    }
                    .flatMap { inbound.setOption(.autoRead, value: true) }
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        port = channel.localAddress?.port ?? 0
    }

    /// The next request whose bytes hold `marker` goes through; its reply never comes back.
    func cut(afterRequestContaining marker: String) {
        state.value.withLock { $0.marker = Array(marker.utf8) }
    }

    /// How many replies were dropped.
    var cuts: Int { state.value.withLock { $0.cuts } }

    func close() async throws {
        try await channel.close()
    }

    /// The marker armed, and the replies dropped.
    private final class State: Sendable {
        let value = Mutex<(marker: [UInt8]?, cuts: Int)>((nil, 0))
    }

    /// Forwards what one side reads to the other.
    private final class Glue: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer

        enum Direction {
            case toServer
            case toClient
        }

        let peer: any Channel
        let state: State
        let direction: Direction
        /// The other direction's handler (on the same event loop).
        var partner: Glue?
        /// The request holding the marker went through: the reply is dropped.
        var dropping = false
        var dropped: [UInt8] = []

        init(peer: any Channel, state: State, direction: Direction) {
            self.peer = peer
            self.state = state
            self.direction = direction
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            let bytes = Array(buffer.readableBytesView)
            switch direction {
            case .toServer:
                let matched = state.value.withLock { state -> Bool in
                    guard let marker = state.marker, bytes.contains(marker) else {
                        return false
                    }
                    state.marker = nil
                    return true
                }
                if matched {
                    partner?.dropping = true
                }
            case .toClient:
                if dropping {
                    dropped += bytes
                    // ReadyForQuery: 'Z', length 5, status; the server has finished the request.
                    if dropped.contains([UInt8(ascii: "Z"), 0, 0, 0, 5]) {
                        state.value.withLock { $0.cuts += 1 }
                        context.close(promise: nil)
                        peer.close(promise: nil)
                    }
                    return
                }
            }
            peer.writeAndFlush(buffer, promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            peer.close(promise: nil)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
#endif
