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
public import Logging
public import SSECodec
import Synchronization

/// A reconnecting `EventSource` for Swift: events from a URL, across reconnections, with none lost.
///
/// ```swift
/// let client = SSEClient(url: "https://example.com/events")
/// for try await event in client.events {
///     print(event.type, event.data)
/// }
/// ```
///
/// It behaves like a browser's `EventSource`
/// ([WHATWG HTML §9.2](https://html.spec.whatwg.org/multipage/server-sent-events.html#server-sent-events)):
/// it sends `Accept: text/event-stream` and, once it has one, `Last-Event-ID`; it opens on 200 with
/// `text/event-stream`; it stops for good on 204; it reconnects after the server's `retry` time when
/// the body ends or the network fails. On top, what apps and LLM APIs need: exponential backoff with
/// jitter and a cap (``ReconnectionPolicy``), an idle timeout, any method with a body, custom
/// headers and a per-attempt header provider, gzip, redirects by policy (``RedirectPolicy``), typed
/// errors with the status and the start of the body (``SSEClientError``), and no automatic re-send
/// of a POST.
///
/// Each iteration of ``events`` or ``updates`` is a session of its own, with its own connection.
/// It ends when the server answers 204, when a request that must not be re-sent ends, or with an
/// error; cancelling the iterating task, or leaving the loop, closes the connection and any
/// pending reconnection wait at once.
public struct SSEClient: Sendable {
    /// The URL the first request goes to.
    public let url: String

    /// Requests, reconnection, limits.
    public let configuration: Configuration

    /// How requests are sent.
    public let transport: any SSEClientTransport

    /// The sessions running on this client (and its copies), for ``reconnect()``.
    let sessions: SessionRegistry

    #if AsyncHTTPClientSupport
    /// Creates a client. Nothing is sent until ``events`` or ``updates`` is iterated.
    ///
    /// - Parameters:
    ///   - url: An absolute `http` or `https` URL.
    ///   - configuration: Requests, reconnection, limits.
    ///   - transport: How requests are sent; by default AsyncHTTPClient.
    public init(
        url: String,
        configuration: Configuration = .init(),
        transport: any SSEClientTransport = SSEAsyncHTTPClientTransport.shared
    ) {
        self.init(url: url, configuration: configuration, transport: transport, sessions: SessionRegistry())
    }
    #else
    /// Creates a client that sends its requests through `transport` (without the
    /// `AsyncHTTPClientSupport` trait there is no default one). Nothing is sent until ``events``
    /// or ``updates`` is iterated.
    ///
    /// - Parameters:
    ///   - url: An absolute `http` or `https` URL.
    ///   - configuration: Requests, reconnection, limits.
    ///   - transport: How requests are sent.
    public init(url: String, configuration: Configuration = .init(), transport: any SSEClientTransport) {
        self.init(url: url, configuration: configuration, transport: transport, sessions: SessionRegistry())
    }
    #endif

    private init(
        url: String,
        configuration: Configuration,
        transport: any SSEClientTransport,
        sessions: SessionRegistry
    ) {
        self.url = url
        self.configuration = configuration
        self.transport = transport
        self.sessions = sessions
    }

    /// Reconnects every running session of this client (each iteration of ``events`` or
    /// ``updates``, copies of the client included) now: the current connection is closed, or a
    /// pending reconnection wait ends, and the next request goes out at once — with the last event
    /// ID, the last `retry` time and the backoff count as an automatic reconnection would have
    /// them. Each session reports it in ``updates`` as
    /// ``State/reconnecting(after:reason:)`` with a zero delay and ``ReconnectReason/requested``.
    ///
    /// Call it when the network came back, the user pressed retry, or credentials changed (a
    /// ``HeaderProvider`` is asked again). An explicit request reconnects even a request that is not
    /// re-sent on its own (a `POST`). A session that is making its request at that moment makes it
    /// again, with the header provider asked again, and reports nothing more; sessions that have
    /// ended are not affected.
    public func reconnect() {
        sessions.reconnectAll()
    }

    /// A per-attempt source of header fields: called before every request, reconnections and
    /// redirects included, so a token can be refreshed. What it returns replaces configured fields
    /// of the same name. If it throws, the session ends with ``SSEClientError/headerProviderFailed``.
    public typealias HeaderProvider = @Sendable () async throws -> HTTPFields

    /// The requests an ``SSEClient`` sends and how it treats their responses.
    public struct Configuration: Sendable {
        /// The method; `GET` by default. LLM APIs take `POST` with a ``body``.
        public var method: HTTPRequest.Method

        /// Header fields sent with every request. `Accept`, `Cache-Control`, `Accept-Encoding` and
        /// `Last-Event-ID` are set by the client.
        public var headerFields: HTTPFields

        /// The request body, sent with every attempt, or `nil`.
        public var body: [UInt8]?

        /// Called before every attempt for more header fields (a fresh token, say), or `nil`.
        public var headerProvider: HeaderProvider?

        /// The last event ID to start from, as if an earlier session had received it.
        public var lastEventID: String?

        /// A query parameter that also carries the last event ID, for servers behind proxies that
        /// drop the header (the embedded server reads `lastEventId`); `nil`, the default, sends the
        /// header only.
        public var lastEventIDQueryParameter: String?

        /// Whether to ask for gzip (`Accept-Encoding: gzip`) and decompress it. On by default.
        public var acceptsGzip: Bool

        /// A connection that delivers no byte (comments included) for this long is dropped and
        /// handled as a network error: reconnected, or the end of a request that may not be re-sent.
        /// It also bounds the wait for the response head. 60 seconds by default (four of the
        /// embedded server's 15-second heartbeats); `nil` waits for ever.
        public var idleTimeout: Duration?

        /// When and how soon to reconnect.
        public var reconnection: ReconnectionPolicy

        /// Which redirects to follow, and with which headers.
        public var redirects: RedirectPolicy

        /// The decoder's limits and options. An event as large as `maximumEventSize`
        /// (16 MiB by default) is accepted even as a single `data:` line; raise both limits for
        /// larger events. What happens to a larger one is ``oversizedEvents``'s choice. With
        /// `reportsComments` on, comments (heartbeats) arrive in
        /// ``SSEClient/updates`` as ``Update/comment(_:)``.
        public var decoder: SSEDecoder.Configuration

        /// What to do with a line or event over the ``decoder``'s limits: skip it and report it in
        /// ``SSEClient/updates`` (the default), or end the session with the error.
        public var oversizedEvents: OversizedEventPolicy

        /// Where the client logs connection attempts, reconnections with their reasons, dropped
        /// events and failures; `nil` (the default) logs nothing. The client never creates a logger.
        public var logger: Logger?

        /// How much of an error response's body is kept in ``SSEClientError/bodyExcerpt``, in bytes.
        /// 1 KiB by default.
        public var maximumErrorBodyExcerpt: Int

        /// Creates a configuration with the defaults described on each property.
        public init(
            method: HTTPRequest.Method = .get,
            headerFields: HTTPFields = [:],
            body: [UInt8]? = nil,
            headerProvider: HeaderProvider? = nil,
            lastEventID: String? = nil,
            lastEventIDQueryParameter: String? = nil,
            acceptsGzip: Bool = true,
            idleTimeout: Duration? = .seconds(60),
            reconnection: ReconnectionPolicy = .init(),
            redirects: RedirectPolicy = .init(),
            decoder: SSEDecoder.Configuration = .init(),
            oversizedEvents: OversizedEventPolicy = .skip,
            logger: Logger? = nil,
            maximumErrorBodyExcerpt: Int = 1024
        ) {
            precondition(maximumErrorBodyExcerpt >= 0, "maximumErrorBodyExcerpt must not be negative")
            self.method = method
            self.headerFields = headerFields
            self.body = body
            self.headerProvider = headerProvider
            self.lastEventID = lastEventID
            self.lastEventIDQueryParameter = lastEventIDQueryParameter
            self.acceptsGzip = acceptsGzip
            self.idleTimeout = idleTimeout
            self.reconnection = reconnection
            self.redirects = redirects
            self.decoder = decoder
            self.oversizedEvents = oversizedEvents
            self.logger = logger
            self.maximumErrorBodyExcerpt = maximumErrorBodyExcerpt
        }
    }

    /// What an ``SSEClient`` does with a line or an event over its decoder's limits.
    public struct OversizedEventPolicy: Sendable, Hashable {
        private enum Code: Hashable, Sendable {
            case skip
            case fail
        }

        private let code: Code

        /// Drop the line or event and go on with the next one. ``SSEClient/events`` skips it;
        /// ``SSEClient/updates`` reports it as ``Update/dropped(_:)`` where it was, with
        /// ``SSEClientError/lineTooLong`` or ``SSEClientError/eventTooLarge``. An `id` it carried is
        /// not taken, so a reconnection does not resume after an event that never arrived.
        public static let skip = Self(code: .skip)

        /// End the session with ``SSEClientError/lineTooLong`` or ``SSEClientError/eventTooLarge``,
        /// after every event before it.
        public static let fail = Self(code: .fail)

        var skips: Bool { code == .skip }
    }

    /// Which redirects a client follows, and which headers go along.
    ///
    /// 301 and 308 move the stream for good: later reconnections go to the new URL. 302, 303 and 307
    /// are for this request only: reconnections return to the URL before them. 301, 302 and 303
    /// turn a `POST` into a `GET` without a body; 307 and 308 keep the method and the body.
    public struct RedirectPolicy: Sendable, Hashable {
        /// How many redirects in a row are followed before ``SSEClientError/tooManyRedirects``.
        /// 5 by default; 0 follows none.
        public var maximumRedirects: Int

        /// Whether `Authorization`, `Cookie` and `Proxy-Authorization` (configured or provided)
        /// are also sent to another origin (scheme, host and port) than the configured URL's.
        /// Off by default, as in browsers.
        public var forwardsCredentialsAcrossOrigins: Bool

        /// Creates a redirect policy.
        public init(maximumRedirects: Int = 5, forwardsCredentialsAcrossOrigins: Bool = false) {
            precondition(maximumRedirects >= 0, "maximumRedirects must not be negative")
            self.maximumRedirects = maximumRedirects
            self.forwardsCredentialsAcrossOrigins = forwardsCredentialsAcrossOrigins
        }
    }

    /// What an ``SSEClient`` reports: events, and changes of its connection's state.
    public enum Update: Sendable, Hashable {
        /// An event was dispatched.
        case event(ServerSentEvent)
        /// The connection's state changed.
        case state(State)
        /// A comment line arrived (a heartbeat, usually): its text after the colon, one leading
        /// space removed. Only with `reportsComments` on in
        /// ``Configuration/decoder``.
        case comment(String)
        /// A line or an event over the decoder's limits was dropped, here in the stream; the
        /// session goes on (``OversizedEventPolicy/skip``).
        case dropped(SSEClientError)
        /// A `retry` field set the reconnection time, in milliseconds, here in the stream: what a
        /// recorder or a debugging tool shows (the client applies it on its own).
        case retry(milliseconds: Int)
    }

    /// The state of an ``SSEClient``'s connection, as ``updates`` reports it.
    public enum State: Sendable, Hashable {
        /// A request is on its way (redirects included).
        case connecting
        /// The response opened the stream: status 200 with `text/event-stream`. Its head is here.
        case open(HTTPResponse)
        /// The connection ended; the next request goes out after the delay.
        case reconnecting(after: Duration, reason: ReconnectReason)
        /// The session ended without an error (errors are thrown instead).
        case closed(CloseReason)
    }

    /// Why an ``SSEClient`` reconnects.
    public struct ReconnectReason: Sendable, Hashable, CustomStringConvertible {
        private enum Code: Hashable, Sendable {
            case endOfStream
            case connectionFailed
            case idleTimeout
            case retriedStatus
            case requested
        }

        private let code: Code

        /// The status that was retried, for ``retriedStatus``.
        public let status: HTTPResponse.Status?

        /// The network error, for ``connectionFailed``, as text (errors are not `Hashable`).
        public let errorDescription: String?

        private init(code: Code, status: HTTPResponse.Status? = nil, errorDescription: String? = nil) {
            self.code = code
            self.status = status
            self.errorDescription = errorDescription
        }

        /// The server ended the response normally.
        public static let endOfStream = Self(code: .endOfStream)
        /// The connection could not be made or broke (or gzip data was corrupt).
        public static let connectionFailed = Self(code: .connectionFailed)
        /// No byte arrived for the idle timeout.
        public static let idleTimeout = Self(code: .idleTimeout)
        /// The server answered a status the policy retries (``ReconnectionPolicy/retriedStatuses``).
        public static let retriedStatus = Self(code: .retriedStatus)
        /// ``SSEClient/reconnect()`` was called.
        public static let requested = Self(code: .requested)

        static func connectionFailed(_ error: any Error) -> Self {
            Self(code: .connectionFailed, errorDescription: String(describing: error))
        }

        static func retriedStatus(_ status: HTTPResponse.Status) -> Self {
            Self(code: .retriedStatus, status: status)
        }

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.code == rhs.code
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(code)
        }

        public var description: String {
            switch code {
            case .endOfStream: "the server ended the response"
            case .connectionFailed: "the connection failed: \(errorDescription ?? "")"
            case .idleTimeout: "no byte arrived within the idle timeout"
            case .retriedStatus: "the server answered \(status.map(String.init(describing:)) ?? "a status")"
            case .requested: "a reconnection was requested"
            }
        }
    }

    /// Why an ``SSEClient`` session ended without an error.
    public struct CloseReason: Sendable, Hashable, CustomStringConvertible {
        private enum Code: Hashable, Sendable {
            case noContent
            case endOfStream
        }

        private let code: Code

        /// The server answered 204 No Content: it wants no more reconnections.
        public static let noContent = Self(code: .noContent)

        /// The response ended and the request may not be sent again (a POST: an LLM answer ended).
        public static let endOfStream = Self(code: .endOfStream)

        public var description: String {
            switch code {
            case .noContent: "the server answered 204 No Content"
            case .endOfStream: "the response ended, and the request is not sent again"
            }
        }
    }
}
#endif
