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

#if AsyncHTTPClientSupport
// A user's file: `import SSEClient` alone configures and consumes a stream (header fields and
// methods of swift-http-types, `ServerSentEvent` and the decoder's limits of SSECodec, a `Logger`).
// With MemberImportVisibility on, this file compiles only if SSEClient re-exports what it names.
import SSEClient
import Testing

@Suite("import SSEClient is enough")
struct SSEClientImportTests {
    @Test("A configuration and a loop over events, with nothing else imported")
    func configureAndConsume() async throws {
        var configuration = SSEClient.Configuration()
        configuration.method = .post
        configuration.headerFields[.authorization] = "Bearer token"
        configuration.headerFields[HTTPField.Name("X-Request")!] = "1"
        configuration.body = Array(#"{"stream":true}"#.utf8)
        configuration.decoder = SSEDecoder.Configuration(maximumEventSize: 1 << 20, reportsComments: true)
        configuration.logger = Logger(label: "test")
        configuration.lastEventID = "42"
        let client = SSEClient(url: "http://127.0.0.1:1/events", configuration: configuration)
        // Nothing listens on port 1: the POST fails at once and is not re-sent.
        var received: [ServerSentEvent] = []
        do {
            for try await event in client.events {
                received.append(event)
            }
            Issue.record("expected connectionFailed")
        } catch {
            #expect(error == .connectionFailed)
        }
        #expect(received.isEmpty)
        #expect(configuration.decoder.maximumLineLength == (1 << 20) + SSEDecoder.Configuration.fieldNameAllowance)
    }
}
#endif
