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

import ExampleSupport
import Foundation
import SSECodec
import SSENIO

/// The simplest stream of the source material: the server's time every second, to a plain page
/// with `EventSource` that shows the connection's state and reconnects.
///
/// ```sh
/// swift run --package-path Examples ticker        # http://127.0.0.1:8080/
/// ```
///
/// Each connection has a stream of its own; a reconnecting page sends `Last-Event-ID` and the
/// numbering goes on from it.
@main
struct Ticker {
    static func main() async throws {
        var router = SSERouter()
        router.get("/", asset: SSEAsset(EmbeddedAssets.indexHtml, contentType: .html))
        router.get("/time") { request in
            .events(Ticks(after: Int(request.lastEventID ?? "") ?? 0))
        }
        try await ExampleServer.run("Ticker", router: router)
    }
}

/// The time now and every second after, numbered from `after + 1`.
struct Ticks: AsyncSequence, Sendable {
    let after: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var number: Int

        mutating func next() async throws -> ServerSentEvent? {
            if number > 0 {
                try await Task.sleep(for: .seconds(1))
            }
            number += 1
            return ServerSentEvent(data: Date().formatted(.iso8601), id: String(number))
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(number: after)
    }
}
