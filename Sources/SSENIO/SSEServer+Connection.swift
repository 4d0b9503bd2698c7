#if NIOSupport
import NIOCore
import NIOHTTP1
import SSECompression

extension SSEServer {
    /// One client connection: requests answered in turn (keep-alive) until an event stream, which
    /// holds the connection until it ends or the client goes.
    struct Connection {
        let server: SSEServer
        let channel: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

        func serve() async {
            let underlying = channel.channel
            try? await channel.executeThenClose { inbound, outbound in
                var parts = inbound.makeAsyncIterator()
                while let head = try await Self.nextHead(&parts) {
                    let (request, response) = await respond(to: head)
                    switch response.body {
                    case .complete(let status, let contentType, let body):
                        try await writeComplete(
                            head: head,
                            status: status,
                            contentType: contentType,
                            body: body,
                            headers: response.headers,
                            to: outbound
                        )
                        guard head.isKeepAlive else {
                            try await Self.drain(underlying)
                            return
                        }
                    case .stream(let body):
                        try await writeStream(
                            body,
                            head: head,
                            request: request,
                            headers: response.headers,
                            to: outbound,
                            closing: underlying
                        )
                        try await Self.drain(underlying)
                        return
                    }
                }
            }
        }

        /// Waits until the response has reached the socket, before the connection closes.
        private static func drain(_ channel: any Channel) async throws {
            try await channel.triggerUserOutboundEvent(CloseOnWriteTimeout.DrainWrites()).get()
        }

        /// The next request's head; its body (routes here take none) is read and dropped.
        private static func nextHead(
            _ parts: inout NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator
        ) async throws -> HTTPRequestHead? {
            var head: HTTPRequestHead?
            while let part = try await parts.next() {
                switch part {
                case .head(let received):
                    head = received
                case .body:
                    break
                case .end:
                    if let head {
                        return head
                    }
                }
            }
            return nil
        }

        // MARK: Answering

        private func respond(to head: HTTPRequestHead) async -> (SSERequest, SSEResponse) {
            let configuration = server.configuration
            var request = SSERequest(
                method: head.method.rawValue,
                uri: head.uri,
                headers: head.headers.map { ($0.name, $0.value) }
            )
            let origin = request.header("Origin")
            if request.method == "OPTIONS", let cors = configuration.cors {
                var response = SSEResponse.complete(status: 204, contentType: "text/plain", body: [])
                response.headers = cors.preflightHeaders(origin: origin)
                return (request, response)
            }
            var response: SSEResponse
            do throws(SSELastEventIDError) {
                request.lastEventID = try configuration.stream.lastEventID(
                    header: request.header("Last-Event-ID"),
                    query: { [query = request.query] in query[$0] }
                )
                response = await route(request)
            } catch {
                response = .badRequest(error.description)
            }
            if let cors = configuration.cors {
                response.headers += cors.headers(origin: origin)
            }
            return (request, response)
        }

        private func route(_ request: SSERequest) async -> SSEResponse {
            switch server.router.match(request) {
            case .handler(let handler):
                do {
                    return try await handler(request)
                } catch {
                    return .text("Internal server error\n", status: 500)
                }
            case .notFound:
                return .notFound
            case .methodNotAllowed(let allowed):
                var response = SSEResponse.text("Method \(request.method) not allowed\n", status: 405)
                response.headers.append(("Allow", allowed.joined(separator: ", ")))
                return response
            }
        }

        // MARK: Writing

        private func writeComplete(
            head: HTTPRequestHead,
            status: Int,
            contentType: String,
            body: [UInt8],
            headers: [(name: String, value: String)],
            to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
        ) async throws {
            var fields = HTTPHeaders(headers)
            fields.replaceOrAdd(name: "Content-Type", value: contentType)
            fields.replaceOrAdd(name: "Content-Length", value: String(body.count))
            if !head.isKeepAlive {
                fields.replaceOrAdd(name: "Connection", value: "close")
            }
            let responseHead = HTTPResponseHead(
                version: head.version,
                status: .init(statusCode: status),
                headers: fields
            )
            try await outbound.write(.head(responseHead))
            if !body.isEmpty && head.method != .HEAD {
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
            }
            try await outbound.write(.end(nil))
        }

        private func writeStream(
            _ body: SSEStreamBody,
            head: HTTPRequestHead,
            request: SSERequest,
            headers: [(name: String, value: String)],
            to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
            closing channel: any Channel
        ) async throws {
            let configuration = server.configuration.stream
            let (standardFields, gzip) = configuration.responseHeaders(
                acceptEncoding: request.header("Accept-Encoding")
            )
            let fields = HTTPHeaders(standardFields + headers)
            try await outbound.write(.head(HTTPResponseHead(version: head.version, status: .ok, headers: fields)))
            guard head.method != .HEAD else {
                try await outbound.write(.end(nil))
                return
            }
            // The client going away closes the channel, which must end the stream at once, even
            // while it is quiet. A subscription can be ended from the close callback; any other
            // source, only by cancelling the task that reads it, so that one runs in a child task
            // raced against the close.
            if let end = body.end {
                channel.closeFuture.whenComplete { _ in end() }
                try await Self.pump(body, gzip: gzip, heartbeat: configuration.heartbeat, to: outbound)
                return
            }
            let (closed, closedContinuation) = AsyncStream<Never>.makeStream()
            channel.closeFuture.whenComplete { _ in closedContinuation.finish() }
            let heartbeat = configuration.heartbeat
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Self.pump(body, gzip: gzip, heartbeat: heartbeat, to: outbound)
                }
                group.addTask {
                    for await _ in closed {}
                }
                try await group.next()
                group.cancelAll()
            }
        }

        /// Writes the stream, then the end of the response.
        private static func pump(
            _ body: SSEStreamBody,
            gzip: SSEGzipEncoder.Configuration?,
            heartbeat: Duration?,
            to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
        ) async throws {
            try await body.write(gzip: gzip, heartbeat: heartbeat) { buffer in
                try await outbound.write(.body(.byteBuffer(buffer)))
            }
            try await outbound.write(.end(nil))
        }
    }
}

#endif
