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

#if CommandLineTool
import ArgumentParser
import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOSSL
import SSECodec
import SSEClient
import SSECompression

/// `sse doctor URL`: connects as a browser would and reports what keeps a stream's events from
/// reaching it.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check an event-stream endpoint for what keeps its events from reaching a browser.",
        discussion: """
            Connects as a browser would, for --duration seconds (with and without Accept-Encoding: gzip \
            at once), then reconnects with the last event ID seen, and reports each check as pass, \
            warning or failure, with the evidence and the fix. The stream should be publishing while it \
            runs: a doctor can only judge events it sees.

            Examples:
              sse doctor http://127.0.0.1:8080/events
              sse doctor --duration 75 --origin https://app.example.com https://api.example.com/events
              sse doctor --json URL > report.json

            Exit codes: 0 no failure (warnings allowed), \(ExitStatus.checksFailed) a check failed, \
            \(ExitStatus.badURL) bad URL, \(ExitStatus.connectionFailed) no connection, \(ExitStatus.usage) usage.
            """
    )

    @Argument(help: "An http or https URL.")
    var url: String

    @OptionGroup var request: RequestOptions

    @Option(
        help: "Seconds to watch the stream (heartbeats need more than their interval; 75 covers 60 s idle timeouts)."
    )
    var duration: Double = 20

    @Option(help: "Check CORS for a page of this origin (a preflight with Last-Event-ID, and the stream's answer).")
    var origin: String?

    @Option(help: "Also open this many streams at once, and report how many the endpoint takes.")
    var connections: Int?

    @Flag(help: "The report as one JSON object.")
    var json = false

    @Flag(help: "No colour, even on a terminal.")
    var noColour = false

    func validate() throws {
        guard duration > 0, duration <= 3_600 else {
            throw ValidationError("--duration must be between 0 and 3600 seconds")
        }
        guard (connections ?? 1) >= 1, (connections ?? 1) <= 1_000 else {
            throw ValidationError("--connections must be between 1 and 1000")
        }
    }

    func run() async throws {
        let status: Int32
        do {
            status = try await examine()
        } catch let failure as ToolFailure {
            Descriptor.standardError.put("sse: \(failure.description)\n")
            throw ExitCode(failure.status)
        }
        throw ExitCode(status)
    }

    private func examine() async throws -> Int32 {
        let url = try RequestOptions.validated(url)
        var configuration = SSEAsyncHTTPClientTransport.streamingConfiguration
        let tls = try request.tlsConfiguration()
        configuration.tlsConfiguration = tls
        let probe = Probe(
            url: url,
            method: request.requestMethod,
            fields: try request.headerFields(),
            body: try request.bodyBytes(),
            tls: tls ?? TLSConfiguration.makeClientConfiguration(),
            client: HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        )
        let report = await Examination(probe: probe, duration: .milliseconds(Int(duration * 1000)), origin: origin)
            .run(connections: connections)
        try? await probe.client.shutdown()
        guard let report else {
            return ExitStatus.connectionFailed
        }
        if json {
            Descriptor.standardOutput.put(report.json() + "\n")
        } else {
            Descriptor.standardOutput.put(report.text(colour: !noColour && Descriptor.standardOutput.isTerminal))
        }
        return report.findings.contains { $0.status == .failure } ? ExitStatus.checksFailed : 0
    }
}

// MARK: - Watching a stream

/// Makes the doctor's requests.
struct Probe: Sendable {
    let url: String
    let method: HTTPRequest.Method
    let fields: [HTTPField]
    let body: [UInt8]?
    /// The TLS configuration the client has (for `LaxHTTP2Head`).
    let tls: TLSConfiguration
    let client: HTTPClient

    /// What one request saw: its head, each piece of body as it came, and what was in it.
    struct Observation: Sendable {
        /// A piece of the body as it arrived: when, how many bytes, and how many events and
        /// comments it completed.
        struct Arrival: Sendable {
            var at: Duration
            var bytes: Int
            var events: Int
            var comments: Int
        }

        var status = 0
        var version = ""
        var headers: HTTPHeaders = [:]
        var headAt: Duration = .zero
        var arrivals: [Arrival] = []
        var events: [(at: Duration, event: ServerSentEvent)] = []
        var comments: [Duration] = []
        var retry: Int?
        /// When the server ended the body; `nil` while it was open.
        var endedAt: Duration?
        /// Why the request or the body failed.
        var failure: String?
        /// No response head came in time.
        var headTimedOut = false
        var watched: Duration = .zero

        var isStream: Bool {
            status == 200 && (headers.first(name: "content-type") ?? "").lowercased().hasPrefix("text/event-stream")
        }
    }

    /// Requests the stream and watches it for `duration`, or until `events` events came.
    func observe(
        acceptingGzip: Bool = false,
        lastEventID: String? = nil,
        duration: Duration,
        events wanted: Int? = nil
    ) async -> Observation {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method.rawValue)
        request.headers.add(name: "Accept", value: "text/event-stream")
        request.headers.add(name: "Cache-Control", value: "no-cache")
        if acceptingGzip {
            request.headers.add(name: "Accept-Encoding", value: "gzip")
        }
        if let lastEventID {
            request.headers.add(name: "Last-Event-ID", value: lastEventID)
        }
        for field in fields {
            request.headers.add(name: field.name.rawName, value: field.value)
        }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let start = ContinuousClock.now
        var observation = Observation()
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .nanoseconds(duration.nanoseconds))
        } catch {
            observation.failure = Self.describe(error)
            observation.headTimedOut = (error as? HTTPClientError) == .deadlineExceeded
            observation.watched = .now - start
            return observation
        }
        observation.headAt = .now - start
        observation.status = Int(response.status.code)
        observation.version =
            response.version.major == 2 ? "HTTP/2" : "HTTP/\(response.version.major).\(response.version.minor)"
        observation.headers = response.headers
        let gzip = (response.headers.first(name: "content-encoding") ?? "").lowercased().contains("gzip")
        let watched = await withTaskGroup(of: Observation?.self, returning: Observation?.self) { group in
            group.addTask { [observation] in
                var observation = observation
                await Self.read(response.body, gzip: gzip, from: start, into: &observation, wanted: wanted)
                return observation
            }
            group.addTask {
                try? await Task.sleep(until: start + duration)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if let first {
                return first
            }
            return await group.next() ?? nil
        }
        var result = watched ?? observation
        result.watched = .now - start
        return result
    }

    /// Reads a body (until it ends, fails, `wanted` events came or the task is cancelled).
    private static func read(
        _ body: HTTPClientResponse.Body,
        gzip: Bool,
        from start: ContinuousClock.Instant,
        into observation: inout Observation,
        wanted: Int?
    ) async {
        var decoder = SSEDecoder(configuration: .init(reportsComments: true))
        let gunzip = gzip ? try? SSEGzipDecoderBox() : nil
        do {
            for try await buffer in body {
                let at = ContinuousClock.now - start
                var arrival = Observation.Arrival(at: at, bytes: buffer.readableBytes, events: 0, comments: 0)
                func decode(_ bytes: UnsafeRawBufferPointer) throws {
                    try decoder.decode(bytes) { output in
                        switch output {
                        case .event(let event):
                            observation.events.append((at, event))
                            arrival.events += 1
                        case .comment:
                            observation.comments.append(at)
                            arrival.comments += 1
                        case .retry(let milliseconds):
                            observation.retry = milliseconds
                        case .lastEventID:
                            break
                        }
                    }
                }
                if let gunzip {
                    try gunzip.decompress(buffer.readableBytesView, decode)
                } else {
                    try buffer.withUnsafeReadableBytes(decode)
                }
                observation.arrivals.append(arrival)
                if let wanted, observation.events.count >= wanted {
                    return
                }
            }
            // Cancelled (the watch is over): the server did not end it.
            if !Task.isCancelled {
                observation.endedAt = ContinuousClock.now - start
            }
        } catch is CancellationError {
            return
        } catch {
            if !Task.isCancelled {
                observation.failure = describe(error)
                observation.endedAt = ContinuousClock.now - start
            }
        }
    }

    /// Sends a CORS preflight for a page of `origin` that sends `Last-Event-ID`.
    func preflight(origin: String) async -> (status: Int, headers: HTTPHeaders)? {
        var request = HTTPClientRequest(url: url)
        request.method = .OPTIONS
        request.headers.add(name: "Origin", value: origin)
        request.headers.add(name: "Access-Control-Request-Method", value: method.rawValue)
        request.headers.add(name: "Access-Control-Request-Headers", value: "last-event-id")
        guard let response = try? await client.execute(request, timeout: .seconds(10)) else {
            return nil
        }
        _ = try? await response.body.collect(upTo: 64 * 1024)
        return (Int(response.status.code), response.headers)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            return error.shortDescription
        }
        return String(describing: error)
    }
}

/// SSEGzipDecoder is not copyable; the read loop's closure needs a reference to it.
final class SSEGzipDecoderBox {
    private var decoder: SSEGzipDecoder

    init() throws {
        decoder = try SSEGzipDecoder()
    }

    func decompress(_ bytes: ByteBufferView, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try decoder.decompress(bytes, body)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }

    var milliseconds: Int {
        Int(nanoseconds / 1_000_000)
    }
}
#endif
