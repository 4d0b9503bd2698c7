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

#if HummingbirdSupport && TLSSupport
import HummingbirdHTTP2
import NIOSSL
import SSEServerTestSupport
import SSETestSupport
import Testing

@Suite(
    "SSEHummingbird over HTTP/2 (HummingbirdHTTP2)",
    .serialized,
    .timeLimit(.minutes(2)),
    .requires(.curl, .openssl)
)
struct SSEHummingbirdHTTP2Tests {
    @Test("SSEStream over TLS and HTTP/2: negotiated by ALPN, no connection-specific field, each event as published")
    func streamOverHTTP2() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let fixture = Fixture()
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.privateKey, format: .pem))
        )
        let server = try await HummingbirdServer.start(
            fixture,
            corsOrigin: nil,
            server: .http2Upgrade(tlsConfiguration: tls)
        )
        try await HTTP2Checks.checkStream(
            port: server.port,
            broadcaster: fixture.broadcaster,
            certificates: certificates
        )
        await server.stop()
    }
}
#endif
