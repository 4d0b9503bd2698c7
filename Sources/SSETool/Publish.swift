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
import NIOCore
import NIOHTTP1

/// `sse publish URL`: one update to a hub's publish endpoint (`sse hub`'s, or a Mercure hub's),
/// as the form Mercure's publishers send; the event's ID on standard output.
struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish an update to a hub (sse hub, or a Mercure hub) and print its ID.",
        discussion: """
            Sends POST URL with a form (application/x-www-form-urlencoded): topic (each --topic), data, \
            type, id and private, and the token as Authorization: Bearer. Without --data, the data is \
            read from standard input. The answer's body, the event's ID, is printed.

            Exit statuses: 0 published, 64 bad options, 65 bad URL, 69 no connection (or no answer \
            within --timeout), 70 the hub refused it (its status and answer on standard error).

            Examples:
              sse publish http://127.0.0.1:8080/publish --topic news --data 'hello'
              echo '{"price": 42}' | sse publish https://hub.example.com/publish --topic prices --type tick
              SSE_TOKEN=… sse publish https://hub.example.com/publish --topic users/42 --private --data hi
            """
    )

    @Argument(help: "The hub's publish URL, such as http://127.0.0.1:8080/publish.")
    var url: String

    @Option(help: "A topic of the update (repeatable).")
    var topic: [String] = []

    @Option(help: "The event's data, or @FILE to read it from a file (default: standard input).")
    var data: String?

    @Option(help: "The event's type.")
    var type: String?

    @Option(help: "The event's ID (with sse hub on PostgreSQL, its idempotency key).")
    var id: String?

    @Flag(name: .customLong("private"), help: "Only subscribers whose grants allow one of the topics receive it.")
    var isPrivate = false

    @Option(help: "The bearer token with the publish grants (default: the SSE_TOKEN environment variable).")
    var token: String?

    @Option(help: "Trust the certificate authorities in this PEM file for https URLs.")
    var cacert: String?

    @Flag(name: [.customShort("k"), .customLong("insecure")], help: "Accept any certificate, unverified.")
    var insecure = false

    @Option(help: "Seconds to wait for the answer (default 30).")
    var timeout = 30

    func run() async throws {
        do {
            try await publish()
        } catch let failure as ToolFailure {
            Descriptor.standardError.put("sse: \(failure.description)\n")
            throw ExitCode(failure.status)
        }
    }

    private func publish() async throws {
        let url = try RequestOptions.validated(url)
        let body = Self.form(try fields())
        var configuration = HTTPClient.Configuration()
        configuration.tlsConfiguration = try RequestOptions.tlsConfiguration(cacert: cacert, insecure: insecure)
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        if let token = token ?? ProcessInfo.processInfo.environment["SSE_TOKEN"], !token.isEmpty {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        request.body = .bytes(ByteBuffer(string: body))
        let response: HTTPClientResponse
        let answer: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .seconds(Int64(timeout)))
            answer = try await response.body.collect(upTo: 1 << 20)
            try? await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw ToolFailure(description: "cannot publish to \(url): \(error)", status: ExitStatus.connectionFailed)
        }
        let text = String(buffer: answer)
        guard (200..<300).contains(response.status.code) else {
            throw ToolFailure(
                description:
                    "\(url) answered \(response.status.code) \(response.status.reasonPhrase): \(text.trimmingCharacters(in: .whitespacesAndNewlines))",
                status: ExitStatus.badStatus
            )
        }
        Descriptor.standardOutput.put(text.hasSuffix("\n") ? text : text + "\n")
    }

    /// The form's fields, in order.
    private func fields() throws -> [(String, String)] {
        guard !topic.isEmpty else {
            throw ToolFailure(description: "name at least one --topic", status: ExitStatus.usage)
        }
        let data: String
        if let given = self.data {
            if given.hasPrefix("@") {
                guard let contents = FileManager.default.contents(atPath: String(given.dropFirst())) else {
                    throw ToolFailure(description: "cannot read \(given.dropFirst())", status: ExitStatus.usage)
                }
                data = String(decoding: contents, as: UTF8.self)
            } else {
                data = given
            }
        } else {
            data = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        var fields = topic.map { ("topic", $0) }
        fields.append(("data", data))
        if let type {
            fields.append(("type", type))
        }
        if let id {
            fields.append(("id", id))
        }
        if isPrivate {
            fields.append(("private", "on"))
        }
        return fields
    }

    /// `application/x-www-form-urlencoded` (WHATWG URL, §5.2): unreserved bytes as they are,
    /// space as `+`, every other byte of the UTF-8 as `%XX`.
    static func form(_ fields: [(String, String)]) -> String {
        func encode(_ text: String) -> String {
            var encoded = ""
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."),
                    UInt8(ascii: "_"):
                    encoded.unicodeScalars.append(Unicode.Scalar(byte))
                case UInt8(ascii: " "):
                    encoded += "+"
                default:
                    encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
                }
            }
            return encoded
        }
        return fields.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }
}

extension String {
    /// The string with zeros in front up to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
#endif
