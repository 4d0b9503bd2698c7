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
import SSEStreaming

extension Hub {
    /// The options as they apply: from the flags, the environment, the configuration file or
    /// the defaults, in that order.
    struct Settings {
        var host = "127.0.0.1"
        var port = 8080
        var replay = 1000
        var heartbeat = 15
        var tls: ServerTLSOptions
        /// Authorization: an HMAC secret, or a PEM public key's file; `nil` for both: anyone
        /// may publish and subscribe.
        var jwtSecret: String?
        var jwtKey: String?
        var jwtIssuer: String?
        var jwtAudience: String?
        var jwtClaim = "sse"
        var anonymous = false
        /// Origins whose pages may use the hub (`*`: any page, without credentials).
        var corsOrigins: [String] = []
        var queueLimit = 1024
        var overflow = SSEBroadcaster.OverflowPolicy.disconnect
        var maxConnections: Int?
        var maxStreamsPerSecond: Int?
        var publishRate: Int?
        var postgres: String?
        var postgresTable = "sse_events"
        var metricsPort: Int?
        var logFormat: LogFormat = isatty(STDERR_FILENO) == 1 ? .text : .json
        var shutdownGrace = 5

        /// Whether subscribers and publishers must show a token.
        var authorizes: Bool { jwtSecret != nil || jwtKey != nil }
    }

    /// How log lines are written to standard error.
    enum LogFormat: String {
        case json
        case text
    }

    /// Every option's name in the environment (`SSE_HUB_` and the name) and in a configuration
    /// file.
    static let optionNames: Set = [
        "host", "port", "replay", "heartbeat", "tls-certificate", "tls-key", "h2c", "jwt-secret", "jwt-key",
        "jwt-issuer", "jwt-audience", "jwt-claim", "anonymous", "cors-origin", "queue-limit", "overflow",
        "max-connections", "max-streams-per-second", "publish-rate", "postgres", "postgres-table", "metrics-port",
        "log-format", "shutdown-grace",
    ]

    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Settings {
        let file = try (config ?? environment["SSE_HUB_CONFIG"]).map(Self.readConfiguration) ?? [:]
        let values = Values(environment: environment, file: file)
        var settings = Settings(tls: tls)
        settings.host = values.text(host, "host") ?? settings.host
        settings.port = try values.number(port, "port", in: 0...65_535) ?? settings.port
        settings.replay = try values.number(replay, "replay", in: 0...10_000_000) ?? settings.replay
        settings.heartbeat = try values.number(heartbeat, "heartbeat", in: 1...86_400) ?? settings.heartbeat
        settings.tls.tlsCertificate = values.text(tls.tlsCertificate, "tls-certificate")
        settings.tls.tlsKey = values.text(tls.tlsKey, "tls-key")
        settings.tls.h2c = try values.flag(tls.h2c ? true : nil, "h2c") ?? false
        settings.jwtSecret = values.text(jwtSecret, "jwt-secret")
        settings.jwtKey = values.text(jwtKey, "jwt-key")
        settings.jwtIssuer = values.text(jwtIssuer, "jwt-issuer")
        settings.jwtAudience = values.text(jwtAudience, "jwt-audience")
        settings.jwtClaim = try values.choice(jwtClaim, "jwt-claim", of: ["sse", "mercure"]) ?? settings.jwtClaim
        settings.anonymous = try values.flag(anonymous, "anonymous") ?? settings.anonymous
        settings.corsOrigins = (values.text(corsOrigin, "cors-origin") ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        settings.queueLimit = try values.number(queueLimit, "queue-limit", in: 1...1_000_000) ?? settings.queueLimit
        settings.overflow =
            switch try values.choice(overflow, "overflow", of: ["disconnect", "drop-oldest"]) {
            case "drop-oldest": .dropOldest
            default: .disconnect
            }
        settings.maxConnections = try values.number(maxConnections, "max-connections", in: 1...10_000_000)
        settings.maxStreamsPerSecond = try values.number(
            maxStreamsPerSecond,
            "max-streams-per-second",
            in: 1...10_000_000
        )
        settings.publishRate = try values.number(publishRate, "publish-rate", in: 1...10_000_000)
        settings.postgres = values.text(postgres, "postgres")
        settings.postgresTable = values.text(postgresTable, "postgres-table") ?? settings.postgresTable
        settings.metricsPort = try values.number(metricsPort, "metrics-port", in: 0...65_535)
        if let format = try values.choice(logFormat, "log-format", of: ["json", "text"]) {
            settings.logFormat = LogFormat(rawValue: format) ?? settings.logFormat
        }
        settings.shutdownGrace =
            try values.number(shutdownGrace, "shutdown-grace", in: 0...3_600) ?? settings.shutdownGrace
        try check(settings)
        return settings
    }

    /// What no single option can check.
    private func check(_ settings: Settings) throws {
        func usage(_ description: String) -> ToolFailure {
            ToolFailure(description: description, status: ExitStatus.usage)
        }
        do {
            try settings.tls.validate()
        } catch {
            throw usage("\(error)")
        }
        if let secret = settings.jwtSecret, secret.utf8.count < 32 {
            // RFC 7518 §3.2: a key of at least the hash's size (jwt-kit asserts it).
            throw usage("jwt-secret: at least 32 bytes (RFC 7518 §3.2), not \(secret.utf8.count)")
        }
        if settings.jwtSecret != nil && settings.jwtKey != nil {
            throw usage("jwt-secret and jwt-key: give one of them")
        }
        if settings.anonymous && !settings.authorizes {
            throw usage("anonymous needs jwt-secret or jwt-key (without them, everyone is anonymous already)")
        }
        if settings.corsOrigins.contains("*") && settings.corsOrigins.count > 1 {
            throw usage("cors-origin: * stands alone")
        }
        if let postgres = settings.postgres, !(postgres.hasPrefix("postgres://") || postgres.hasPrefix("postgresql://"))
        {
            throw usage("postgres: not a postgres:// URL")
        }
        if !settings.postgresTable.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
            throw usage("postgres-table: letters, digits and _ only")
        }
    }

    /// Where each option's value comes from: a flag, else `SSE_HUB_<NAME>`, else the file.
    struct Values {
        let environment: [String: String]
        let file: [String: String]

        func text(_ flag: String?, _ name: String) -> String? {
            let variable = "SSE_HUB_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
            return flag ?? environment[variable] ?? file[name]
        }

        func number(_ flag: Int?, _ name: String, in range: ClosedRange<Int>) throws -> Int? {
            guard let text = text(flag.map(String.init), name) else {
                return nil
            }
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
                throw ToolFailure(
                    description: "\(name): not a whole number in \(range.lowerBound)…\(range.upperBound): \(text)",
                    status: ExitStatus.usage
                )
            }
            return number
        }

        func flag(_ flag: Bool?, _ name: String) throws -> Bool? {
            guard let text = text(flag.map { $0 ? "true" : "false" }, name) else {
                return nil
            }
            switch text.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default:
                throw ToolFailure(description: "\(name): not true or false: \(text)", status: ExitStatus.usage)
            }
        }

        func choice(_ flag: String?, _ name: String, of choices: [String]) throws -> String? {
            guard let text = text(flag, name) else {
                return nil
            }
            guard choices.contains(text) else {
                throw ToolFailure(
                    description: "\(name): one of \(choices.joined(separator: ", ")), not \(text)",
                    status: ExitStatus.usage
                )
            }
            return text
        }
    }

    /// A configuration file's `name = value` lines.
    static func readConfiguration(_ path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ToolFailure(description: "cannot read the configuration file \(path)", status: ExitStatus.usage)
        }
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
            guard optionNames.contains(name) else {
                throw ToolFailure(description: "\(path):\(number + 1): no option \(name)", status: ExitStatus.usage)
            }
            values[name] = content[content.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return values
    }
}
#endif
