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

#if VaporSupport
public import SSENIOCore
public import SSEStreaming
public import Vapor

/// A generation's stream as a Vapor response (an ``SSEStream``), or `204 No Content` when there
/// is nothing for the client: an unknown generation, one past its retention, or a client that
/// has its end already (an `EventSource` stops reconnecting on `204`).
///
/// ```swift
/// app.get("answers", ":id") { request in
///     SSEGenerationStream(
///         request.parameters.get("id") ?? "", of: generations, lastEventID: try request.sseLastEventID()
///     )
/// }
/// app.post("answers", ":id", "stop") { request in
///     generations.stop(request.parameters.get("id") ?? "") ? HTTPStatus.noContent : .notFound
/// }
/// ```
public struct SSEGenerationStream: AsyncResponseEncodable {
    /// The stream; `nil` for `204`.
    public let stream: SSEStream?

    /// Attaches to a generation.
    ///
    /// - Parameters:
    ///   - id: The generation's ID.
    ///   - generations: Its generations.
    ///   - lastEventID: The request's `Last-Event-ID` (`request.sseLastEventID()`).
    ///   - configuration: Header fields and gzip.
    public init(
        _ id: String,
        of generations: SSEGenerations,
        lastEventID: String?,
        configuration: SSEStreamConfiguration = SSEStreamConfiguration()
    ) {
        self.init(generations.subscribe(to: id, lastEventID: lastEventID), configuration: configuration)
    }

    /// A generation's stream from a subscription, or `204` for `nil`: for generations across
    /// instances, whose subscription is made asynchronously
    /// (`try await SSEGenerationStream(generations.subscribe(to: id, lastEventID: lastEventID))`
    /// with `SSEPostgresGenerations`).
    ///
    /// - Parameters:
    ///   - subscription: The generation's subscription.
    ///   - configuration: Header fields and gzip.
    public init(
        _ subscription: SSEBroadcaster.Subscription?,
        configuration: SSEStreamConfiguration = SSEStreamConfiguration()
    ) {
        stream = subscription.map { SSEStream($0, configuration: configuration) }
    }

    public func encodeResponse(for request: Request) async throws -> Response {
        guard let stream else {
            return Response(status: .noContent)
        }
        return try await stream.encodeResponse(for: request)
    }
}
#endif
