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

#if AsyncHTTPClientSupport && TLSSupport
import AsyncHTTPClient
import NIOSSL
import SSEClient
import SSECodec
import SSENIO
import SSEServerTestSupport
import SSEStreaming
import SSETestSupport
import Testing

@Suite("SSEClient over HTTPS and HTTP/2", .serialized, .timeLimit(.minutes(2)), .requires(.openssl))
struct SSEClientTLSTests {
    @Test("three clients on one HTTPClient with a trust root of its own: one HTTP/2 connection carries their streams")
    func streamsOverHTTP2() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await TestServer.start(fixture, tls: certificates)
        var configuration = SSEAsyncHTTPClientTransport.streamingConfiguration
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(certificates.authority)
        configuration.tlsConfiguration = tls
        let httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let transport = SSEAsyncHTTPClientTransport(client: httpClient)
        let url = "https://127.0.0.1:\(server.port)/events"
        let count = 3
        try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<count {
                group.addTask {
                    var received: [String] = []
                    for try await event in SSEClient(url: url, transport: transport).events {
                        received.append(event.data)
                        if received.count == 5 {
                            break
                        }
                    }
                    return received
                }
            }
            #expect(await eventually { broadcaster.subscriberCount == count })
            // HTTP/2: the streams share one connection (HTTP/1.1 would need one each).
            #expect(server.connectionCount == 1)
            for index in 1...5 {
                try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
            }
            for try await received in group {
                #expect(received == (1...5).map { "event \($0)" })
            }
        }
        try await httpClient.shutdown()
        await server.stop()
    }

    @Test("without the trust root, the server's certificate is refused and no stream opens")
    func untrustedCertificate() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let fixture = Fixture()
        let server = try await TestServer.start(fixture, tls: certificates)
        var configuration = SSEClient.Configuration()
        configuration.reconnection.maximumConsecutiveFailures = 0
        let client = SSEClient(url: "https://127.0.0.1:\(server.port)/events", configuration: configuration)
        await #expect(throws: SSEClientError.self) {
            for try await _ in client.events {}
        }
        #expect(fixture.broadcaster.subscriberCount == 0)
        await server.stop()
    }
}
#endif
