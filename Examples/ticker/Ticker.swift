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
import SSEJSON
import SSENIO

/// The simplest stream of the source material: the server's time every second, to a plain page
/// with `EventSource` that shows the connection's state and reconnects.
///
/// ```sh
/// swift run --package-path Examples ticker        # http://127.0.0.1:8080/
/// ```
///
/// Each connection has a stream of its own; a reconnecting page sends `Last-Event-ID` and the
/// numbering goes on from it. Each event's data is JSON, `{"text":"Server time: …","time":"…"}`,
/// at `/time` and at `/events`, the URL of the tutorials' Vue client (which reads `text`).
@main
struct Ticker {
    static func main() async {
        let options = ExampleOptions.parse(
            "ticker",
            summary: "The server's time every second, to a plain EventSource page.",
            ExampleOptions.tls
        )
        await ExampleServer.main(options) {
            let farewell = Farewell()
            var router = SSERouter()
            router.get("/", asset: SSEAsset(EmbeddedAssets.indexHtml, contentType: .html))
            for path in ["/time", "/events"] {
                router.get(path) { request in
                    .events(farewell.track(Ticks(after: Int(request.lastEventID ?? "") ?? 0, farewell: farewell)))
                }
            }
            try await ExampleServer.run("Ticker", options: options, router: router) {
                await farewell.stop()
            }
        }
    }
}

/// The time now and every second after, numbered from `after + 1`; when the server stops,
/// ``ExampleServer/finalEvent`` and the end.
struct Ticks: AsyncSequence, Sendable {
    let after: Int
    let farewell: Farewell

    /// Keys in one order (`text`, then `time`), every time.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    struct Tick: Encodable {
        let text: String
        let time: String
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var number: Int
        let farewell: Farewell
        var ended = false

        mutating func next() async throws -> ServerSentEvent? {
            guard !ended else {
                return nil
            }
            if number > 0 ? !(await farewell.pause(for: .seconds(1))) : farewell.isStopping {
                ended = true
                return ExampleServer.finalEvent
            }
            number += 1
            let time = Date().formatted(.iso8601)
            return try ServerSentEvent(
                json: Tick(text: "Server time: " + time, time: time),
                id: String(number),
                encoder: Ticks.encoder
            )
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(number: after, farewell: farewell)
    }
}
