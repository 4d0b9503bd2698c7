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
import SSELongPolling
import SSENIO
import SSEStreaming

/// The ticker on the browser script of `SSELongPolling`: the page picks the native
/// `EventSource`, streaming `fetch`, XHR or long polling (a switch forces each) and shows the
/// one in use; one URL serves the stream and the long poll from one broadcaster.
///
/// ```sh
/// swift run --package-path Examples fallback      # http://127.0.0.1:8080/?transport=longpoll
/// ```
@main
struct Fallback {
    static func main() async {
        let options = ExampleOptions.parse(
            "fallback",
            summary: "The ticker on the browser script: EventSource, streaming fetch, XHR or long polling.",
            ExampleOptions.tls
        )
        await ExampleServer.main(options) {
            var configuration = SSEBroadcaster.Configuration()
            configuration.idPrefix = ""
            let broadcaster = SSEBroadcaster(configuration: configuration)
            let longPoll = SSELongPoll(broadcaster: broadcaster)
            var router = SSERouter()
            router.get("/", asset: SSEAsset(EmbeddedAssets.indexHtml, contentType: .html))
            router.getBrowserScript()
            router.get("/events") { request in
                await longPoll.response(to: request, topics: ["ticks"])
            }
            try await ExampleServer.run(
                "Fallback",
                options: options,
                router: router,
                services: [
                    EveryInterval(.seconds(1)) {
                        _ = try? broadcaster.publish(ServerSentEvent(data: Date().formatted(.iso8601)), to: "ticks")
                    }
                ],
                onShutdown: { try? broadcaster.shutDown(finalEvent: ExampleServer.finalEvent) }
            )
        }
    }
}
