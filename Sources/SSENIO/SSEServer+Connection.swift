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
                            return
                        }
                    case .stream(let chunks):
                        try await writeStream(
                            chunks,
                            head: head,
                            request: request,
                            headers: response.headers,
                            to: outbound,
                            closing: underlying
                        )
                        return
                    }
                }
            }
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
            let request = SSERequest(
                method: head.method.rawValue,
                uri: head.uri,
                headers: head.headers.map { ($0.name, $0.value) },
                lastEventIDParameter: configuration.lastEventIDQueryParameter
            )
            let origin = request.header("Origin")
            if request.method == "OPTIONS", let cors = configuration.cors {
                var response = SSEResponse.complete(status: 204, contentType: "text/plain", body: [])
                response.headers = cors.preflightHeaders(origin: origin)
                return (request, response)
            }
            var response = await route(request)
            if let cors = configuration.cors {
                response.headers += cors.headers(origin: origin)
            }
            return (request, response)
        }

        private func route(_ request: SSERequest) async -> SSEResponse {
            if let id = request.lastEventID {
                if id.utf8.count > server.configuration.maximumLastEventIDLength {
                    return .badRequest(
                        "Last-Event-ID is longer than \(server.configuration.maximumLastEventIDLength) bytes"
                    )
                }
                if id.utf8.contains(where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D }) {
                    return .badRequest("Last-Event-ID contains NULL, CR or LF")
                }
            }
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
            _ chunks: ChunkSource,
            head: HTTPRequestHead,
            request: SSERequest,
            headers: [(name: String, value: String)],
            to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
            closing channel: any Channel
        ) async throws {
            let configuration = server.configuration
            let gzip = configuration.gzip.flatMap { Self.acceptsGzip(request.header("Accept-Encoding")) ? $0 : nil }
            var fields = HTTPHeaders([
                ("Content-Type", "text/event-stream; charset=utf-8"),
                ("Cache-Control", "no-cache"),
            ])
            if configuration.disablesProxyBuffering {
                fields.add(name: "X-Accel-Buffering", value: "no")
            }
            if gzip != nil {
                fields.add(name: "Content-Encoding", value: "gzip")
            }
            if configuration.gzip != nil {
                fields.add(name: "Vary", value: "Accept-Encoding")
            }
            for (name, value) in headers {
                fields.add(name: name, value: value)
            }
            try await outbound.write(.head(HTTPResponseHead(version: head.version, status: .ok, headers: fields)))
            guard head.method != .HEAD else {
                try await outbound.write(.end(nil))
                return
            }
            // The client going away closes the channel, which must end the stream at once, even
            // while it is quiet. A subscription can be ended from the close callback; any other
            // source, only by cancelling the task that reads it, so that one runs in a child task
            // raced against the close.
            if let cancel = chunks.cancel {
                channel.closeFuture.whenComplete { _ in cancel() }
                try await Self.pump(chunks, gzip: gzip, heartbeat: configuration.heartbeat, to: outbound)
                return
            }
            let (closed, closedContinuation) = AsyncStream<Never>.makeStream()
            channel.closeFuture.whenComplete { _ in closedContinuation.finish() }
            let heartbeat = configuration.heartbeat
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Self.pump(chunks, gzip: gzip, heartbeat: heartbeat, to: outbound)
                }
                group.addTask {
                    for await _ in closed {}
                }
                try await group.next()
                group.cancelAll()
            }
        }

        /// Writes the stream's chunks, each batch with one write and one flush (gzip-compressed,
        /// with a sync flush per batch, when negotiated), then the end of the response.
        private static func pump(
            _ chunks: ChunkSource,
            gzip: SSEGzipEncoder.Configuration?,
            heartbeat: Duration?,
            to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
        ) async throws {
            var compressor = try gzip.map { configuration throws(SSECompressionError) in
                try SSEGzipEncoder(configuration: configuration)
            }
            let read = chunks.makeReader(heartbeat: heartbeat)
            let allocator = ByteBufferAllocator()
            while true {
                // A new buffer per batch: the previous one is still being written, and an idle
                // connection then holds none.
                var buffer = allocator.buffer(capacity: 128)
                guard try await read(&buffer) else {
                    break
                }
                if compressor != nil {
                    var compressed: [UInt8] = []
                    try compressor!.compressAndFlush(buffer.readableBytesView, into: &compressed)
                    buffer = allocator.buffer(bytes: compressed)
                }
                try await outbound.write(.body(.byteBuffer(buffer)))
            }
            if compressor != nil {
                var trailer: [UInt8] = []
                try compressor!.finish(into: &trailer)
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: trailer))))
            }
            try await outbound.write(.end(nil))
        }

        /// Whether an `Accept-Encoding` value accepts gzip (`gzip` or `*`, with a nonzero weight).
        static func acceptsGzip(_ acceptEncoding: String?) -> Bool {
            guard let acceptEncoding else {
                return false
            }
            for item in acceptEncoding.split(separator: ",") {
                // Codings and weights have no inner whitespace: dropping all of it trims them.
                let parameters = item.split(separator: ";").map { $0.filter { $0 != " " && $0 != "\t" }.lowercased() }
                guard let coding = parameters.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else {
                    continue
                }
                let weight = parameters.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) }
                return (weight ?? 1) > 0
            }
            return false
        }
    }
}

#endif
