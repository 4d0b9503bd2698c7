#if NIOSupport
import NIOCore
public import SSECodec
public import SSEStreaming

/// What a route answers: an event stream, or a plain response.
///
/// ```swift
/// router.get("/events") { request in
///     .stream(broadcaster.subscribe(to: ["news"], lastEventID: request.lastEventID))
/// }
/// router.get("/") { _ in .html(page) }
/// ```
public struct SSEResponse: Sendable {
    enum Body: Sendable {
        /// Encoded chunks, one per event (a broadcaster subscription, an encoded sequence).
        case stream(ChunkSource)
        case complete(status: Int, contentType: String, body: [UInt8])
    }

    let body: Body
    /// Extra header fields.
    public var headers: [(name: String, value: String)]

    init(_ body: Body, headers: [(name: String, value: String)] = []) {
        self.body = body
        self.headers = headers
    }

    /// An event stream from encoded chunks, one per event, such as an
    /// `SSEBroadcaster.Subscription`, written and flushed chunk by chunk.
    ///
    /// The server adds no heartbeats: a subscription has its own. For your own events, see
    /// ``events(_:)``.
    public static func stream<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks) -> Self
    where Chunks.Element == [UInt8] {
        Self(.stream(ChunkSource(chunks)))
    }

    /// An event stream from a broadcaster subscription. Events that are already waiting when the
    /// connection is ready go out together, with one write and one flush; none waits for another.
    public static func stream(_ subscription: SSEBroadcaster.Subscription) -> Self {
        Self(.stream(ChunkSource(subscription)))
    }

    /// An event stream from events, encoded one chunk per event, with a heartbeat comment whenever
    /// they go quiet for the server's ``SSEServer/Configuration/heartbeat``.
    public static func events<Events: AsyncSequence & Sendable>(_ events: Events) -> Self
    where Events.Element == ServerSentEvent {
        Self(.stream(ChunkSource(events: events)))
    }

    /// A complete response.
    ///
    /// - Parameters:
    ///   - status: The status code.
    ///   - contentType: The `Content-Type`.
    ///   - body: The body.
    public static func complete(status: Int = 200, contentType: String, body: [UInt8]) -> Self {
        Self(.complete(status: status, contentType: contentType, body: body))
    }

    /// An HTML page.
    public static func html(_ page: String) -> Self {
        complete(contentType: "text/html; charset=utf-8", body: Array(page.utf8))
    }

    /// A plain-text response, such as an error message.
    public static func text(_ text: String, status: Int = 200) -> Self {
        complete(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    /// `404 Not Found`.
    public static var notFound: Self { text("Not found\n", status: 404) }

    /// `400 Bad Request`, with a message saying what is wrong.
    public static func badRequest(_ message: String) -> Self { text(message + "\n", status: 400) }
}

/// A type-erased source of encoded chunks, read in batches: what is already available goes out
/// with one write and one flush.
struct ChunkSource: Sendable {
    /// Appends the next chunks to the buffer, waiting for the first; `false` at the end.
    typealias Read = (inout ByteBuffer) async throws -> Bool

    private let make: @Sendable (_ heartbeat: Duration?) -> Read

    /// Ends the source from outside, so that a waiting read returns `false`; `nil` when only
    /// cancelling the reading task can.
    let cancel: (@Sendable () -> Void)?

    init<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks) where Chunks.Element == [UInt8] {
        make = { _ in Self.reader(chunks) }
        cancel = nil
    }

    init(_ subscription: SSEBroadcaster.Subscription) {
        make = { _ in
            var iterator = subscription.makeAsyncIterator()
            return { buffer in try await iterator.nextBatch { buffer.writeBytes($0) } }
        }
        cancel = { subscription.cancel() }
    }

    init<Events: AsyncSequence & Sendable>(events: Events) where Events.Element == ServerSentEvent {
        make = { heartbeat in Self.reader(events.encodedServerSentEvents(heartbeat: heartbeat)) }
        cancel = nil
    }

    private static func reader<Chunks: AsyncSequence>(_ chunks: Chunks) -> Read where Chunks.Element == [UInt8] {
        var iterator = chunks.makeAsyncIterator()
        return { buffer in
            guard let chunk = try await iterator.next() else {
                return false
            }
            buffer.writeBytes(chunk)
            return true
        }
    }

    func makeReader(heartbeat: Duration?) -> Read {
        make(heartbeat)
    }
}
#endif
