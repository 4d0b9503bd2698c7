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
public import AsyncHTTPClient
import HTTPTypes
import NIOCore
import NIOHTTP1

/// The default ``SSEClientTransport``: AsyncHTTPClient.
///
/// ```swift
/// let client = SSEClient(url: "https://example.com/events")   // uses `.shared`
/// let own = SSEClient(url: url, transport: SSEAsyncHTTPClientTransport(client: myHTTPClient))
/// ```
///
/// An `HTTPClient` of your own must not follow redirects or decompress bodies itself
/// (`redirectConfiguration: .disallow`, `decompression: .disabled`): the ``SSEClient`` does both,
/// by its own policies, and could not see a redirect the `HTTPClient` already followed. Keep its
/// `connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit` above the number of streams you
/// open to one host: a stream holds its connection for as long as it is open, and AsyncHTTPClient
/// queues requests past that limit.
public struct SSEAsyncHTTPClientTransport: SSEClientTransport {
    /// The `HTTPClient` requests go through.
    public let client: HTTPClient

    /// A transport on an `HTTPClient` of your own (see the type's notes on its configuration).
    public init(client: HTTPClient) {
        self.client = client
    }

    /// A transport on a process-wide `HTTPClient` configured for event streams
    /// (``streamingConfiguration``): no redirects or decompression of its own, and up to 4,096
    /// HTTP/1.1 connections per host (one per open stream; over HTTP/2 see
    /// ``streamingConfiguration``).
    /// Never shut down, like AsyncHTTPClient's own `HTTPClient.shared`.
    public static let shared = SSEAsyncHTTPClientTransport(client: sharedClient)

    /// The configuration of ``shared``'s `HTTPClient`, to start one of your own from: no
    /// redirects or decompression of its own, and up to 4,096 HTTP/1.1 connections per host.
    /// HTTP/2 is negotiated over TLS (AsyncHTTPClient's default), and then the streams to a host
    /// share one connection, up to the server's `SETTINGS_MAX_CONCURRENT_STREAMS` (100 for the
    /// embedded server): AsyncHTTPClient queues more on that connection rather than opening
    /// another, so a stream beyond it waits. To hold more streams to one host, set `httpVersion`
    /// to `.http1Only` (a connection each) or spread them over several clients. A trust root of
    /// your own, or a client certificate, goes in its `tlsConfiguration`:
    ///
    /// ```swift
    /// var configuration = SSEAsyncHTTPClientTransport.streamingConfiguration
    /// var tls = TLSConfiguration.makeClientConfiguration()
    /// tls.trustRoots = .file("/etc/ssl/internal-ca.pem")
    /// configuration.tlsConfiguration = tls
    /// let httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    /// let client = SSEClient(url: url, transport: SSEAsyncHTTPClientTransport(client: httpClient))
    /// ```
    public static var streamingConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 4096
        return configuration
    }

    private static let sharedClient = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: streamingConfiguration
    )

    public func send(_ request: SSEClientRequest) async throws -> SSEClientResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = NIOHTTP1.HTTPMethod(rawValue: request.method.rawValue)
        outgoing.headers.reserveCapacity(request.headerFields.count)
        for field in request.headerFields {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        // No deadline: the client's idle timeout covers the head and the body alike.
        let response = try await client.execute(outgoing, deadline: .distantFuture)
        var fields = HTTPFields()
        fields.reserveCapacity(response.headers.count)
        for (name, value) in response.headers {
            if let name = HTTPField.Name(name) {
                fields.append(HTTPField(name: name, value: value))
            }
        }
        let head = HTTPResponse(
            status: HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase),
            headerFields: fields
        )
        return SSEClientResponse(head: head, body: SSEClientResponse.Body(response.body))
    }
}
#endif
