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

#if NIOSupport
package import HTTPTypes
public import SSEStreaming
public import Tracing

/// Where an event-stream server's spans go (swift-distributed-tracing): give one to
/// ``SSEStreamConfiguration/tracing`` (every adapter) or the embedded server's configuration, and
/// let it trace the broadcaster, so that each event's publish reaches the spans of its
/// deliveries.
///
/// ```swift
/// InstrumentationSystem.bootstrap(myTracer)          // an OpenTelemetry tracer, say
/// let tracing = SSETracing()                         // InstrumentationSystem.tracer
/// var broadcasting = SSEBroadcaster.Configuration()
/// tracing.trace(&broadcasting)
/// let broadcaster = SSEBroadcaster(configuration: broadcasting)
/// configuration.stream.tracing = tracing
/// ```
///
/// The spans:
///
/// | Name | Kind | Parent | What |
/// |---|---|---|---|
/// | `sse.publish` | producer | the publisher's context (the publish request's span) | one event published to a traced broadcaster |
/// | `sse.stream` | server | the request's context: the task's (a tracing middleware's span), else the trace context in its header fields | a stream's life; `http.route`, `sse.close_reason`, `sse.events_written` |
/// | `sse.deliver` | consumer | the stream's span | one write of the stream: from the hand-over of its events to the hand-off of their bytes; `sse.events`, linked to the `sse.publish` span of each event in it (up to 32) |
/// | `sse.replay` | client | the subscriber's context (the subscribing request's) | a replay store's look-up for a resuming subscriber (SSEPostgres's table); `sse.last_event_id`, `sse.replay.outcome` (`events`, `unavailable`, `store_unavailable`), `sse.replay.events` or `sse.replay.reason` |
///
/// Off by default: without a tracing configuration nothing is read, started or kept, and a
/// broadcaster that is not traced keeps no context.
///
/// Behind SSEPostgres, the publish's context travels with the event to every instance (written
/// down by the tracer's injector, kept in the event's row and its notification): the
/// `sse.deliver` spans on every instance link to the `sse.publish` span of the instance that
/// published, in the trace of the publish request. The embedded server (SSENIO) runs a route's
/// handler in the trace context its request carries, so that a publish request's trace continues
/// there without a tracing middleware.
public struct SSETracing: Sendable {
    /// Where the spans go.
    public let tracer: any Tracer

    /// Tracing into `tracer`.
    ///
    /// - Parameter tracer: `InstrumentationSystem.tracer` unless given (tests give an
    ///   `InMemoryTracer`).
    public init(tracer: any Tracer = InstrumentationSystem.tracer) {
        self.tracer = tracer
    }

    /// Makes a broadcaster keep each publish's trace context, for the spans of its deliveries:
    /// each publish starts and ends an `sse.publish` span in the publisher's context
    /// (`ServiceContext.current`: a publish request's span, with a tracing middleware).
    ///
    /// - Parameter configuration: The broadcaster's configuration, before it is made.
    public func trace(_ configuration: inout SSEBroadcaster.Configuration) {
        let tracer = self.tracer
        configuration.tracing = SSEBroadcaster.TracingHooks(
            publishContext: {
                let span = tracer.startSpan("sse.publish", context: .current ?? .topLevel, ofKind: .producer)
                span.end()
                return span.context
            },
            inject: { context in
                guard let context = context as? ServiceContext else {
                    return nil
                }
                var fields: [String: String] = [:]
                tracer.inject(context, into: &fields, using: FieldsInjector())
                return CarriedContext.write(fields)
            },
            extract: { written in
                var context = ServiceContext.topLevel
                tracer.extract(CarriedContext.read(written), into: &context, using: FieldsExtractor())
                return context
            },
            replay: { lastEventID, lookUp in
                let span = tracer.startSpan("sse.replay", context: .current ?? .topLevel, ofKind: .client)
                span.attributes["sse.last_event_id"] = lastEventID
                let answer = await lookUp()
                switch answer {
                case .events(let events, _):
                    span.attributes["sse.replay.outcome"] = "events"
                    span.attributes["sse.replay.events"] = events.count
                case .unavailable(_, let reason):
                    span.attributes["sse.replay.outcome"] = "unavailable"
                    span.attributes["sse.replay.reason"] = reason.rawValue
                case .storeUnavailable:
                    span.attributes["sse.replay.outcome"] = "store_unavailable"
                    span.setStatus(SpanStatus(code: .error))
                }
                span.end()
                return answer
            }
        )
    }

    /// The context a stream continues: the task's, when a tracing middleware made one, else the
    /// trace context in the request's header fields (`traceparent`, with a W3C instrument).
    package func parent(of headers: HTTPFields) -> ServiceContext {
        if let current = ServiceContext.current {
            return current
        }
        var context = ServiceContext.topLevel
        tracer.extract(headers, into: &context, using: HeaderFieldsExtractor())
        return context
    }

    /// Runs `body` (a route's handler) in the trace context the request's header fields carry,
    /// unless the task has one: a publish there continues the publish request's trace.
    package func run<Value: Sendable>(
        inContextOf headers: HTTPFields,
        _ body: @Sendable () async -> Value
    ) async -> Value {
        if ServiceContext.current != nil {
            return await body()
        }
        return await ServiceContext.$current.withValue(parent(of: headers)) {
            await body()
        }
    }

    /// Starts a stream's span.
    package func stream(parent: ServiceContext, route: String?) -> StreamTrace {
        let span = tracer.startSpan("sse.stream", context: parent, ofKind: .server)
        if let route {
            span.attributes["http.route"] = route
        }
        return StreamTrace(tracer: tracer, span: span)
    }
}

/// A trace context written down to travel with an event between instances: the tracer's fields
/// (W3C `traceparent` and `tracestate`, with a W3C instrument) as `name: value` lines, in order of
/// their names. A field whose name or value could break a line is left out.
enum CarriedContext {
    static func write(_ fields: [String: String]) -> String? {
        let lines = fields.sorted { $0.key < $1.key }.compactMap { name, value -> String? in
            let clean = { (text: String) in !text.utf8.contains { $0 == 0x0A || $0 == 0x0D || $0 == 0 } }
            guard !name.isEmpty, !name.contains(":"), clean(name), clean(value) else {
                return nil
            }
            return name + ": " + value
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    static func read(_ written: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in written.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else {
                continue
            }
            let value = line[line.index(after: colon)...]
            fields[String(line[..<colon])] = String(value.first == " " ? value.dropFirst() : value)
        }
        return fields
    }
}

struct FieldsInjector: Injector {
    func inject(_ value: String, forKey key: String, into fields: inout [String: String]) {
        fields[key] = value
    }
}

struct FieldsExtractor: Extractor {
    func extract(key: String, from fields: [String: String]) -> String? {
        fields[key]
    }
}

/// Reads a trace context from HTTP header fields.
struct HeaderFieldsExtractor: Extractor {
    func extract(key: String, from fields: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { fields[$0] }
    }
}

/// The spans of one stream: its own, and its writes'.
package struct StreamTrace: Sendable {
    let tracer: any Tracer
    let span: any Span

    /// A write's span, started when its first events are handed over.
    func delivery() -> any Span {
        tracer.startSpan("sse.deliver", context: span.context, ofKind: .consumer)
    }

    /// Links `delivery` to the publish spans of `contexts` (trace contexts a traced broadcaster
    /// kept).
    static func link(_ delivery: any Span, to contexts: [any Sendable]) {
        for case let context as ServiceContext in contexts {
            delivery.addLink(SpanLink(context: context, attributes: [:]))
        }
    }

    /// Ends the stream's span, with why it closed and how many chunks it wrote.
    func end(reason: SSEMetrics.CloseReason, chunks: Int) {
        span.attributes["sse.close_reason"] = reason.rawValue
        span.attributes["sse.events_written"] = chunks
        span.end()
    }
}
#endif
