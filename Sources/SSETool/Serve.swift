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
import Foundation
import SSECodec
import SSENIO

/// `sse serve FILE`: serves a recorded stream over HTTP, for testing clients.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a recorded stream (sse listen --record, or a plain event-stream file) over HTTP.",
        discussion: """
            Every request to /events (or /) gets the recording from the start, or from the event after its \
            Last-Event-ID (header or lastEventId query parameter). Events keep their recorded timing \
            unless --rate is given; a plain file without timing goes out at once. When no event of the \
            file has an ID, each gets its number (1, 2, …), so that clients can resume.

            Examples:
              sse serve stream.sse --port 8080
              sse serve stream.sse --rate 10 --loop
              sse serve stream.sse --drop-after 5      (clients must resume to get everything)
            """
    )

    @Argument(help: "The recording.")
    var file: String

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port (0 picks a free one).")
    var port = 8080

    @Option(help: "Events per second, instead of the recorded timing.")
    var rate: Double?

    @Flag(help: "Start again from the first event after the last one.")
    var loop = false

    @Option(help: "End each response after this many events.")
    var dropAfter: Int?

    @OptionGroup(title: "TLS and HTTP/2")
    var tls: ServerTLSOptions

    func validate() throws {
        if let rate, !(rate > 0) {
            throw ValidationError("--rate must be positive")
        }
        if let dropAfter, dropAfter < 1 {
            throw ValidationError("--drop-after must be at least 1")
        }
    }

    func run() async throws {
        guard let bytes = FileManager.default.contents(atPath: file) else {
            Descriptor.standardError.put("sse: cannot read \(file)\n")
            throw ExitCode(ExitStatus.usage)
        }
        let recording: Recording
        do {
            recording = try Recording(parsing: Array(bytes))
        } catch {
            Descriptor.standardError.put("sse: \(file) is not a valid event stream: \(error)\n")
            throw ExitCode(ExitStatus.invalidStream)
        }
        let replay = Replay(recording: recording, rate: rate, loops: loop, dropAfter: dropAfter)
        var router = SSERouter()
        let handler: SSERouter.Handler = { request in
            .stream(replay.chunks(after: request.lastEventID))
        }
        router.get("/", handler: handler)
        router.get("/events", handler: handler)
        try await serve(router, host: host, port: port, tls: tls, name: "\(replay.events.count) events from \(file)")
    }
}

/// The recording as each response sends it.
struct Replay: Sendable {
    /// The events, each with its delay after the one before.
    let events: [(event: ServerSentEvent, delay: Duration)]
    let retry: Int?
    let loops: Bool
    let dropAfter: Int?

    init(recording: Recording, rate: Double?, loops: Bool, dropAfter: Int?) {
        var events: [(ServerSentEvent, Duration)] = []
        var retry: Int?
        var previous: Duration = .zero
        let numbered = !recording.events.contains { $0.id != nil }
        for item in recording.items {
            switch item {
            case .retry(let milliseconds):
                retry = retry ?? milliseconds
            case .event(var event, let time):
                if numbered {
                    event.id = String(events.count + 1)
                }
                let delay: Duration
                if let rate {
                    delay = events.isEmpty ? .zero : .milliseconds(Int((1000 / rate).rounded()))
                } else if let time {
                    delay = max(.zero, time - previous)
                    previous = time
                } else {
                    delay = .zero
                }
                events.append((event, delay))
            }
        }
        self.events = events
        self.retry = retry
        self.loops = loops
        self.dropAfter = dropAfter
    }

    /// One response's chunks: the `retry` field, then the events after `lastEventID` (all of
    /// them when it is not in the recording), paced, up to `dropAfter`.
    func chunks(after lastEventID: String?) -> AsyncStream<[UInt8]> {
        let start = lastEventID.flatMap { id in events.lastIndex { $0.event.id == id } }.map { $0 + 1 } ?? 0
        let replay = self
        return AsyncStream { continuation in
            let task = Task {
                let encoder = SSEEncoder()
                if let retry = replay.retry {
                    var bytes: [UInt8] = []
                    try? encoder.encodeRetry(milliseconds: retry, into: &bytes)
                    continuation.yield(bytes)
                }
                var index = start
                var sent = 0
                while !Task.isCancelled, !replay.events.isEmpty {
                    if index == replay.events.count {
                        guard replay.loops else {
                            break
                        }
                        index = 0
                    }
                    let (event, delay) = replay.events[index]
                    if delay > .zero {
                        try? await Task.sleep(for: delay)
                    }
                    guard let bytes = try? encoder.encode(event) else {
                        break
                    }
                    continuation.yield(bytes)
                    index += 1
                    sent += 1
                    if let dropAfter = replay.dropAfter, sent == dropAfter {
                        break
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// The options `sse serve` and `sse hub` share for TLS and HTTP/2.
struct ServerTLSOptions: ParsableArguments {
    @Option(help: "The certificate chain, PEM: serve HTTPS, with HTTP/2 offered by ALPN (needs --tls-key).")
    var tlsCertificate: String?

    @Option(help: "The private key of --tls-certificate, PEM. Both files are read again on SIGHUP.")
    var tlsKey: String?

    @Flag(help: "Without TLS, also accept cleartext HTTP/2 with prior knowledge (h2c) on the same port.")
    var h2c = false

    func validate() throws {
        guard (tlsCertificate == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-certificate and --tls-key go together")
        }
        if h2c && tlsCertificate != nil {
            throw ValidationError("--h2c is for a server without TLS (with TLS, HTTP/2 is offered by ALPN)")
        }
    }

    /// Sets TLS (reloaded on SIGHUP) or cleartext HTTP/2 on `configuration`; the URL's scheme.
    func apply(to configuration: inout SSEServer.Configuration) -> String {
        configuration.http2.acceptsCleartext = h2c
        guard let tlsCertificate, let tlsKey else {
            return "http"
        }
        configuration.tls = .files(certificateChain: tlsCertificate, privateKey: tlsKey)
        configuration.tls?.reloadsOnSIGHUP = true
        return "https"
    }
}

/// Runs the embedded server until Ctrl-C, printing its URL once it listens.
func serve(_ router: SSERouter, host: String, port: Int, tls: ServerTLSOptions, name: String) async throws {
    var configuration = SSEServer.Configuration(host: host, port: port)
    configuration.shutdownGracePeriod = .seconds(1)
    let scheme = tls.apply(to: &configuration)
    let server = SSEServer(
        configuration: configuration,
        router: router,
        onServerRunning: { port in
            Descriptor.standardOutput.put("listening on \(scheme)://\(host):\(port)/ (\(name))\n")
        }
    )
    let task = Task {
        try await server.run()
    }
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    let interrupts = [SIGINT, SIGTERM].map { DispatchSource.makeSignalSource(signal: $0, queue: .main) }
    for source in interrupts {
        source.setEventHandler { task.cancel() }
        source.resume()
    }
    do {
        try await task.value
    } catch let error as SSEServerError where error == .invalidTLSConfiguration {
        Descriptor.standardError.put("sse: \(error.reason)\n")
        throw ExitCode(ExitStatus.usage)
    } catch {
        Descriptor.standardError.put("sse: cannot listen on \(host):\(port): \(error)\n")
        throw ExitCode(ExitStatus.connectionFailed)
    }
    withExtendedLifetime(interrupts) {}
    Descriptor.standardError.put("sse: stopped\n")
}
#endif
