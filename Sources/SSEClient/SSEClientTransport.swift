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

#if NIOSupport || AsyncHTTPClientSupport
public import HTTPTypes
public import NIOCore

/// How an ``SSEClient`` sends its requests: one HTTP request in, one response head and a streamed
/// body out.
///
/// ``SSEAsyncHTTPClientTransport`` is the default. Another HTTP stack plugs in by conforming:
///
/// ```swift
/// struct MyTransport: SSEClientTransport {
///     func send(_ request: SSEClientRequest) async throws -> SSEClientResponse {
///         let (head, bytes) = try await myStack.stream(request)
///         return SSEClientResponse(head: head, body: SSEClientResponse.Body(bytes))
///     }
/// }
/// ```
///
/// A transport sends exactly the request it is given: it must not follow redirects, decompress
/// bodies or retry on its own, since the client does each of those by its own policies. Cancelling
/// the task that calls ``send(_:)`` or iterates the body must abandon the request and its connection.
public protocol SSEClientTransport: Sendable {
    /// Sends a request and returns as soon as the response head has arrived.
    ///
    /// - Parameter request: The request, with every header the client wants sent.
    /// - Returns: The response head and its body, still streaming.
    /// - Throws: Any error of the connection; the client treats it as a network error.
    func send(_ request: SSEClientRequest) async throws -> SSEClientResponse
}

/// One request an ``SSEClient`` sends, through its ``SSEClientTransport``.
public struct SSEClientRequest: Sendable {
    /// The absolute URL.
    public var url: String

    /// The method.
    public var method: HTTPRequest.Method

    /// Every header to send, `Accept` and `Last-Event-ID` included.
    public var headerFields: HTTPFields

    /// The body, if any.
    public var body: [UInt8]?

    /// Creates a request.
    public init(url: String, method: HTTPRequest.Method = .get, headerFields: HTTPFields = [:], body: [UInt8]? = nil) {
        self.url = url
        self.method = method
        self.headerFields = headerFields
        self.body = body
    }
}

/// A response as a transport delivers it: the head, and the body as it streams in.
public struct SSEClientResponse: Sendable {
    /// The status and the header fields.
    public var head: HTTPResponse

    /// The body, exactly as received: still compressed if the server compressed it.
    public var body: Body

    /// Creates a response.
    public init(head: HTTPResponse, body: Body) {
        self.head = head
        self.body = body
    }

    /// A response body: an async sequence of byte buffers, of any transport.
    public struct Body: AsyncSequence, Sendable {
        public typealias Element = ByteBuffer

        private let makeIterator: @Sendable () -> AsyncIterator

        /// Wraps a transport's body sequence.
        public init<Base: AsyncSequence & Sendable>(_ base: Base) where Base.Element == ByteBuffer {
            makeIterator = { AsyncIterator(IteratorBox(base.makeAsyncIterator())) }
        }

        public func makeAsyncIterator() -> AsyncIterator {
            makeIterator()
        }

        /// The iterator of ``SSEClientResponse/Body``.
        public struct AsyncIterator: AsyncIteratorProtocol {
            private let box: any ByteBufferIterator

            fileprivate init(_ box: any ByteBufferIterator) {
                self.box = box
            }

            public mutating func next() async throws -> ByteBuffer? {
                try await box.next()
            }
        }
    }
}

@available(*, unavailable)
extension SSEClientResponse.Body.AsyncIterator: Sendable {}

private protocol ByteBufferIterator: AnyObject {
    func next() async throws -> ByteBuffer?
}

/// Holds a transport's iterator, so that the body's iterator is one type for every transport.
private final class IteratorBox<Base: AsyncIteratorProtocol>: ByteBufferIterator where Base.Element == ByteBuffer {
    private var base: Base

    init(_ base: Base) {
        self.base = base
    }

    func next() async throws -> ByteBuffer? {
        try await base.next()
    }
}
#endif
