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
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import AsyncHTTPClient
import HTTPTypes
import NIOSSL
import SSEClient
import SSECodec
import Synchronization

/// `sse listen URL`: follows a stream across reconnections and prints its events.
struct Listen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow a stream with SSEClient, across reconnections, and print its events.",
        discussion: """
            Events go to standard output (readable text, or --json lines), the connection's states to \
            standard error. Ctrl-C ends the run with what was received already printed.

            Examples:
              sse listen http://127.0.0.1:8080/events
              sse listen --json --max 100 URL > events.jsonl
              sse listen -X POST -H 'Authorization: Bearer …' -d @request.json URL
              sse listen --last-event-id 41 --record stream.sse URL
            """
    )

    @Argument(help: "An http or https URL.")
    var url: String

    @OptionGroup var request: RequestOptions

    @Option(name: .customLong("last-event-id"), help: "Start as if this event had been received.")
    var lastEventID: String?

    @Option(help: "Stop after this many events.")
    var max: Int?

    @Option(help: "Stop after this many seconds.")
    var timeout: Double?

    @Flag(help: "End at the first end of the stream or failure instead of reconnecting.")
    var noReconnect = false

    @Option(help: "Failed attempts in a row before giving up (default 5; 0 with --no-reconnect).")
    var attempts: Int = 5

    @Option(help: "Statuses retried like a network failure, comma-separated (default 429,500,502,503,504; \"\": none).")
    var retryStatuses: String?

    @Flag(help: "One JSON object per line: {\"type\":…,\"data\":…,\"id\":…}, with \"retry\" when it changed.")
    var json = false

    @Option(help: "Also save the stream to FILE, with arrival times, for `sse serve`.")
    var record: String?

    @Flag(help: "No colour, even on a terminal.")
    var noColour = false

    func run() async throws {
        let status = await listen()
        throw ExitCode(status)
    }

    /// The run, as an exit status.
    private func listen() async -> Int32 {
        let transport: SSEAsyncHTTPClientTransport
        let httpClient: HTTPClient?
        do {
            (transport, httpClient) = try self.transport()
        } catch let failure as ToolFailure {
            Descriptor.standardError.put("sse: \(failure.description)\n")
            return failure.status
        } catch {
            Descriptor.standardError.put("sse: \(error)\n")
            return 1
        }
        let status = await listen(with: transport)
        // AsyncHTTPClient requires a client of its own to be shut down before it goes.
        try? await httpClient?.shutdown()
        return status
    }

    /// The run on `transport`, as an exit status.
    private func listen(with transport: SSEAsyncHTTPClientTransport) async -> Int32 {
        let errors = Descriptor.standardError
        do {
            let client = SSEClient(
                url: try validatedURL(),
                configuration: try clientConfiguration(),
                transport: transport
            )
            let recorder = try record.map(Recorder.init(path:))
            let format: EventPrinter.Format =
                json ? .json : .text(colour: !noColour && Descriptor.standardOutput.isTerminal)
            let max = self.max
            let counter = Counter()
            installInterruptHandler(counter: counter)
            let deadline = timeout.map { ContinuousClock.now + .milliseconds(Int($0 * 1000)) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var printer = EventPrinter(format: format)
                    defer { printer.finish() }
                    for try await update in client.updates {
                        switch update {
                        case .event(let event):
                            printer.event(event)
                            recorder?.event(event)
                            if counter.increment() == max {
                                return
                            }
                        case .state(let state):
                            errors.put("sse: \(Self.describe(state))\n")
                        case .retry(let milliseconds):
                            printer.retry(milliseconds)
                            recorder?.retry(milliseconds)
                        case .dropped(let error):
                            errors.put("sse: dropped: \(error)\n")
                        case .comment:
                            break
                        }
                    }
                }
                if let deadline {
                    group.addTask {
                        try await Task.sleep(until: deadline)
                    }
                }
                try await group.next()
                group.cancelAll()
            }
            return 0
        } catch let failure as ToolFailure {
            errors.put("sse: \(failure.description)\n")
            return failure.status
        } catch let error as SSEClientError {
            errors.put("sse: \(error)\n")
            return Self.status(of: error)
        } catch is CancellationError {
            return 0
        } catch {
            errors.put("sse: \(error)\n")
            return 1
        }
    }

    /// The shared transport, or, with --cacert or --insecure, one on an `HTTPClient` of its own,
    /// which the run shuts down at its end.
    private func transport() throws -> (SSEAsyncHTTPClientTransport, HTTPClient?) {
        guard let tls = try request.tlsConfiguration() else {
            return (.shared, nil)
        }
        var configuration = SSEAsyncHTTPClientTransport.streamingConfiguration
        configuration.tlsConfiguration = tls
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        return (SSEAsyncHTTPClientTransport(client: client), client)
    }

    private func validatedURL() throws -> String {
        try RequestOptions.validated(url)
    }

    private func clientConfiguration() throws -> SSEClient.Configuration {
        var configuration = SSEClient.Configuration()
        configuration.headerFields.append(contentsOf: try request.headerFields())
        configuration.body = try request.bodyBytes()
        configuration.method = request.requestMethod
        configuration.lastEventID = lastEventID
        configuration.reconnection.maximumConsecutiveFailures = noReconnect ? 0 : attempts
        if let retryStatuses {
            let statuses = retryStatuses.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard statuses.allSatisfy({ $0.map { (100...999).contains($0) } ?? false }) else {
                throw ToolFailure(description: "not a list of statuses: \(retryStatuses)", status: ExitStatus.usage)
            }
            configuration.reconnection.retriedStatuses = Set(
                statuses.compactMap { $0.map { HTTPResponse.Status(code: $0) } }
            )
        }
        // A command line waits for its stream as long as it is told to (--timeout), not a minute.
        configuration.idleTimeout = nil
        return configuration
    }

    /// An exit status per kind of failure, so that scripts can tell them apart.
    static func status(of error: SSEClientError) -> Int32 {
        if error == .badStatus {
            return ExitStatus.badStatus
        }
        if error == .wrongContentType {
            return ExitStatus.wrongContentType
        }
        if error == .connectionFailed || error == .retriesExhausted || error == .idleTimeout {
            return ExitStatus.connectionFailed
        }
        return 1
    }

    static func describe(_ state: SSEClient.State) -> String {
        switch state {
        case .connecting:
            return "connecting"
        case .open(let head):
            return "open (\(head.status.code))"
        case .reconnecting(let delay, let reason):
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            return "reconnecting in \(String(format: "%.1f", seconds)) s (\(reason))"
        case .closed(let reason):
            return "closed (\(reason))"
        }
    }

    /// Ctrl-C: what was received is printed already (every line is written as it comes); say how
    /// much, and exit with the interrupted status.
    private func installInterruptHandler(counter: Counter) {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .main)
        source.setEventHandler {
            Descriptor.standardError.put("sse: interrupted after \(counter.value) events\n")
            Glibc.exit(ExitStatus.interrupted)
        }
        source.resume()
        Self.interruptSource = source
    }

    nonisolated(unsafe) static var interruptSource: (any DispatchSourceSignal)?
}

/// The number of events received, read by the interrupt handler.
final class Counter: Sendable {
    private let count = Mutex(0)

    var value: Int { count.withLock { $0 } }

    func increment() -> Int {
        count.withLock {
            $0 += 1
            return $0
        }
    }
}
#endif
