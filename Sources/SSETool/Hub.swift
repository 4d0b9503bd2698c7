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
import SSELongPolling
import SSENIO
import SSEStreaming

/// `sse hub`: a publish hub on the embedded server and the broadcaster.
struct Hub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a small publish hub: subscribe with GET /events, publish with POST /publish.",
        discussion: """
            GET /events?topic=T streams topic T (default "default"; several: topic=a,b), resuming after \
            Last-Event-ID from the replay log; with transport=poll it answers as a long poll, so the \
            browser script (/sse.js) works too. POST /publish?topic=T publishes the request body as the \
            event's data; with Content-Type: application/json, {"type":…,"data":…,"id":…} (data \
            required); with a form (application/x-www-form-urlencoded, as Mercure's publishers send \
            it, naming at least one of these fields), the fields topic (repeatable, with the query's), \
            data, type and id. The answer is the \
            event's ID. GET /healthz answers 200 once the hub listens.

            Every option can also come from the environment (SSE_HUB_ and its name in capitals, \
            dashes as underscores: SSE_HUB_PORT, SSE_HUB_TLS_CERTIFICATE) and from a configuration \
            file (--config FILE or SSE_HUB_CONFIG: one "name = value" per line, # for comments). A \
            flag wins over the environment, the environment over the file, the file over the default.

            Examples:
              sse hub --port 8080
              SSE_HUB_PORT=9000 SSE_HUB_REPLAY=10000 sse hub
              sse hub --config /etc/sse-hub.conf
              sse listen http://127.0.0.1:8080/events?topic=news
              curl -d 'hello' 127.0.0.1:8080/publish?topic=news
              curl -d topic=news -d data=hello -d type=greeting 127.0.0.1:8080/publish
              curl -H 'Content-Type: application/json' -d '{"type":"alert","data":"hi"}' 127.0.0.1:8080/publish
            """
    )

    @Option(help: "The address to listen on (default 127.0.0.1).")
    var host: String?

    @Option(help: "The port (0 picks a free one; default 8080).")
    var port: Int?

    @Option(help: "Events kept for resuming clients (default 1000).")
    var replay: Int?

    @Option(help: "Seconds between heartbeat comments on quiet streams (default 15).")
    var heartbeat: Int?

    @Option(help: "A configuration file: one \"name = value\" per line (the options' names, without dashes in front).")
    var config: String?

    @OptionGroup(title: "TLS and HTTP/2")
    var tls: ServerTLSOptions

    /// The options as they apply: from the flags, the environment, the configuration file or
    /// the defaults, in that order.
    struct Settings {
        var host = "127.0.0.1"
        var port = 8080
        var replay = 1000
        var heartbeat = 15
        var tls: ServerTLSOptions
    }

    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Settings {
        let file = try (config ?? environment["SSE_HUB_CONFIG"]).map(Self.readConfiguration) ?? [:]
        func value(_ flag: String?, _ name: String) -> String? {
            flag ?? environment["SSE_HUB_" + name.uppercased().replacingOccurrences(of: "-", with: "_")] ?? file[name]
        }
        func number(_ flag: Int?, _ name: String, default fallback: Int) throws -> Int {
            guard let text = value(flag.map(String.init), name) else {
                return fallback
            }
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw ToolFailure(description: "\(name): not a whole number: \(text)", status: ExitStatus.usage)
            }
            return number
        }
        var settings = Settings(tls: tls)
        settings.host = value(host, "host") ?? settings.host
        settings.port = try number(port, "port", default: settings.port)
        settings.replay = try number(replay, "replay", default: settings.replay)
        settings.heartbeat = try number(heartbeat, "heartbeat", default: settings.heartbeat)
        settings.tls.tlsCertificate = value(tls.tlsCertificate, "tls-certificate")
        settings.tls.tlsKey = value(tls.tlsKey, "tls-key")
        if !tls.h2c, let h2c = value(nil, "h2c") {
            settings.tls.h2c = ["1", "true", "yes", "on"].contains(h2c.lowercased())
        }
        guard settings.replay >= 0, settings.heartbeat > 0, (0...65_535).contains(settings.port) else {
            throw ToolFailure(
                description: "replay must not be negative, heartbeat must be positive, port must be 0…65535",
                status: ExitStatus.usage
            )
        }
        do {
            try settings.tls.validate()
        } catch {
            throw ToolFailure(description: "\(error)", status: ExitStatus.usage)
        }
        return settings
    }

    /// A configuration file's `name = value` lines.
    static func readConfiguration(_ path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ToolFailure(description: "cannot read the configuration file \(path)", status: ExitStatus.usage)
        }
        let known: Set = ["host", "port", "replay", "heartbeat", "tls-certificate", "tls-key", "h2c"]
        var values: [String: String] = [:]
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for (number, line) in lines.enumerated() {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingCharacters(in: .whitespaces)
            guard !content.isEmpty else {
                continue
            }
            guard let equals = content.firstIndex(of: "=") else {
                throw ToolFailure(description: "\(path):\(number + 1): not \"name = value\"", status: ExitStatus.usage)
            }
            let name = content[..<equals].trimmingCharacters(in: .whitespaces)
            guard known.contains(name) else {
                throw ToolFailure(description: "\(path):\(number + 1): no option \(name)", status: ExitStatus.usage)
            }
            values[name] = content[content.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return values
    }

    func run() async throws {
        let settings: Settings
        do {
            settings = try self.settings()
        } catch let failure as ToolFailure {
            Descriptor.standardError.put("sse: \(failure.description)\n")
            throw ExitCode(failure.status)
        }
        var configuration = SSEBroadcaster.Configuration()
        configuration.maximumReplayCount = settings.replay
        configuration.idPrefix = ""
        configuration.heartbeat = .seconds(settings.heartbeat)
        let broadcaster = SSEBroadcaster(configuration: configuration)
        let longPoll = SSELongPoll(broadcaster: broadcaster)
        var router = SSERouter()
        router.getBrowserScript()
        router.get("/") { _ in
            .text("sse hub: GET /events?topic=T, POST /publish?topic=T; sse hub --help says more.\n")
        }
        router.get("/healthz") { _ in
            .text("ok\n")
        }
        router.get("/events") { request in
            await longPoll.response(to: request, topics: Self.topics(of: request))
        }
        router.post("/publish") { request in
            let (event, topics) = try Self.publication(from: request)
            do {
                let id = try broadcaster.publish(event, to: topics)
                return .text(id + "\n")
            } catch {
                throw SSEHTTPError(.badRequest, "Cannot publish this event: \(error)")
            }
        }
        try await serve(router, host: settings.host, port: settings.port, tls: settings.tls, name: "hub")
    }

    static func topics(of request: SSERequest) -> [String] {
        let topics = (request.query["topic"] ?? "").split(separator: ",").map(String.init)
        return topics.isEmpty ? ["default"] : topics
    }

    /// The event a publish request carries, and its topics: the query's, and a form's. A body
    /// sent as a form (`curl -d`'s default type) is read as one only when it names one of the
    /// form's fields, so that `curl -d 'hello'` still publishes `hello`.
    static func publication(from request: SSERequest) throws -> (ServerSentEvent, [String]) {
        let contentType = (request.headers[.contentType] ?? "").lowercased()
        guard contentType.hasPrefix("application/x-www-form-urlencoded"), let fields = formFields(request.body) else {
            return (try event(from: request), topics(of: request))
        }
        func field(_ name: String) -> String? {
            fields.last { $0.name == name }?.value
        }
        if let isPrivate = field("private"), !["", "0", "false", "off"].contains(isPrivate.lowercased()) {
            throw SSEHTTPError(
                .badRequest,
                "A private update needs subscribers that are authorized for it; this hub authorizes no one, so it refuses to publish one."
            )
        }
        guard let data = field("data") else {
            throw SSEHTTPError(.badRequest, "The form has no data field.")
        }
        let formTopics = fields.filter { $0.name == "topic" }.map(\.value)
        let queryTopics = (request.query["topic"] ?? "").split(separator: ",").map(String.init)
        let topics = queryTopics + formTopics
        return (
            ServerSentEvent(type: field("type") ?? ServerSentEvent.defaultType, data: data, id: field("id")),
            topics.isEmpty ? ["default"] : topics
        )
    }

    /// A form's fields, or `nil` when the body is not a form of the publish fields.
    static func formFields(_ body: [UInt8]) -> [(name: String, value: String)]? {
        guard let body = String(validating: body, as: UTF8.self) else {
            return nil
        }
        var fields: [(name: String, value: String)] = []
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) -> String? in
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard parts.count == 2, let name = decode(parts[0]), let value = decode(parts[1]) else {
                return nil
            }
            fields.append((name, value))
        }
        let known: Set = ["topic", "data", "type", "id", "private"]
        return fields.contains { known.contains($0.name) } ? fields : nil
    }

    /// The body as the event's data, or a JSON event.
    static func event(from request: SSERequest) throws -> ServerSentEvent {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().hasPrefix("application/json") else {
            guard let data = String(validating: request.body, as: UTF8.self) else {
                throw SSEHTTPError(.badRequest, "The body is not UTF-8 text.")
            }
            return ServerSentEvent(data: data)
        }
        struct Published: Decodable {
            let type: String?
            let data: String
            let id: String?
        }
        let published: Published
        do {
            published = try JSONDecoder().decode(Published.self, from: Data(request.body))
        } catch {
            throw SSEHTTPError(.badRequest, "Expected {\"type\":…,\"data\":…,\"id\":…} with a string data: \(error)")
        }
        return ServerSentEvent(
            type: published.type ?? ServerSentEvent.defaultType,
            data: published.data,
            id: published.id
        )
    }
}
#endif
