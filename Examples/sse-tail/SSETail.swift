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

import Dispatch
import Foundation
import HTTPTypes
import SSEClient
import SSECodec

/// Follows an event stream with `SSEClient` and prints its events and connection states: `curl -N`
/// that reconnects, resumes with `Last-Event-ID` and tells you why.
///
///     swift run --package-path Examples sse-tail http://127.0.0.1:8080/answer?prompt=hi
///     swift run --package-path Examples sse-tail -H 'Authorization: Bearer …' -d '{"stream":true}' URL
///
/// Options: `-H 'Name: value'` (repeatable), `-d BODY` (sends a POST), `--last-event-id ID`,
/// `--max N` (stop after N events), `--retry-statuses` (retry 429 and 5xx, honouring Retry-After).
@main
struct SSETail {
    static func main() async {
        // Ctrl-C (or SIGTERM) ends the tail: what was received is printed already, line by line,
        // and the process exits 0 instead of dying of the signal.
        let signals = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
            source.setEventHandler {
                print("# interrupted")
                fflush(nil)
                // Not exit(): the other threads are still running; nothing is left to clean up.
                _exit(0)
            }
            source.resume()
            return source
        }
        defer {
            for source in signals {
                source.cancel()
            }
        }
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            let client = try client(arguments)
            let maximum = value(after: "--max", in: arguments).flatMap { Int($0) }
            try await tail(client, maximum: maximum) { line in
                print(line)
                fflush(nil)  // line by line, also into a pipe
            }
        } catch {
            FileHandle.standardError.write(Data("sse-tail: \(error)\n".utf8))
            exit(1)
        }
    }

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    /// The client the arguments describe.
    static func client(_ arguments: [String]) throws -> SSEClient {
        guard let url = arguments.last, url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw UsageError(
                description: "usage: sse-tail [-H 'Name: value']… [-d BODY] [--last-event-id ID] [--max N] URL"
            )
        }
        var configuration = SSEClient.Configuration()
        for (index, argument) in arguments.enumerated() where argument == "-H" && index + 1 < arguments.count {
            let header = arguments[index + 1]
            guard let colon = header.firstIndex(of: ":"), let name = HTTPField.Name(String(header[..<colon])) else {
                throw UsageError(description: "not a header: \(header)")
            }
            configuration.headerFields[name] = header[header.index(after: colon)...].drop { $0 == " " }.description
        }
        if let body = value(after: "-d", in: arguments) {
            configuration.method = .post
            configuration.body = Array(body.utf8)
            if configuration.headerFields[.contentType] == nil {
                configuration.headerFields[.contentType] = "application/json"
            }
        }
        configuration.lastEventID = value(after: "--last-event-id", in: arguments)
        if arguments.contains("--retry-statuses") {
            configuration.reconnection.retriedStatuses = SSEClient.ReconnectionPolicy.transientStatuses
        }
        return SSEClient(url: url, configuration: configuration)
    }

    /// Prints every update of a session as a line, until it ends or `maximum` events. Runs on the
    /// caller's actor, like the client's iterator.
    static func tail(
        _ client: SSEClient,
        maximum: Int?,
        isolation: isolated (any Actor)? = #isolation,
        print: (String) -> Void
    ) async throws(SSEClientError) {
        var events = 0
        for try await update in client.updates {
            switch update {
            case .event(let event):
                print("\(event.type)\(event.id.map { " id=\($0)" } ?? ""): \(event.data)")
                events += 1
                if let maximum, events >= maximum {
                    return
                }
            case .state(.connecting):
                print("# connecting")
            case .state(.open(let head)):
                print("# open: \(head.status.code) \(head.headerFields[.contentType] ?? "")")
            case .state(.reconnecting(let delay, let reason)):
                let (seconds, attoseconds) = delay.components
                print("# reconnecting in \(seconds * 1_000 + attoseconds / 1_000_000_000_000_000) ms: \(reason)")
            case .state(.closed(let reason)):
                print("# closed: \(reason)")
            case .comment(let text):
                print("# comment: \(text)")
            case .dropped(let error):
                print("# dropped: \(error)")
            case .retry(let milliseconds):
                print("# retry: \(milliseconds) ms")
            }
        }
    }

    private static func value(after flag: String, in arguments: [String]) -> String? {
        arguments.firstIndex(of: flag).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    }
}
