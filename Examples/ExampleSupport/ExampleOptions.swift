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

public import SSENIO

#if canImport(Glibc)
import Glibc
#endif

/// An example's command line: the options every server example takes (`--port`, `--cors-origin`,
/// and on the embedded server `--tls-certificate` and `--tls-key`) and its own, `--help` that
/// lists them, and a one-line error with exit status 1 for anything else.
///
/// ```swift
/// let options = ExampleOptions.parse(
///     "notifications",
///     summary: "Notifications to one client or to all.",
///     [.init("--ping", value: "SECONDS", help: "Seconds between ping events (15).")]
/// )
/// ```
public struct ExampleOptions: Sendable {
    /// One option: a name and, unless it is a switch, what its value is.
    public struct Option: Sendable {
        public let name: String
        public let value: String?
        public let help: String
        /// Whether it may be given more than once (`--cors-origin`).
        public let repeatable: Bool

        public init(_ name: String, value: String? = nil, help: String, repeatable: Bool = false) {
            self.name = name
            self.value = value
            self.help = help
            self.repeatable = repeatable
        }
    }

    /// The command's name, as in `ticker --help`.
    public let command: String
    private let values: [String: [String]]

    /// The options of every example.
    public static let common: [Option] = [
        .init("--port", value: "PORT", help: "The port on 127.0.0.1 (8080; 0 picks a free one)."),
        .init(
            "--cors-origin",
            value: "ORIGIN",
            help: "Lets pages on ORIGIN (https://app.example.com) use the streams, with credentials; "
                + "* for any origin, without. May be repeated.",
            repeatable: true
        ),
    ]

    /// The TLS options of the examples on the embedded server.
    public static let tls: [Option] = [
        .init("--tls-certificate", value: "FILE", help: "Serve HTTPS (and HTTP/2) with this certificate chain (PEM)."),
        .init("--tls-key", value: "FILE", help: "The certificate's private key (PEM). SIGHUP reloads both files."),
    ]

    /// Reads the command line: on `--help` prints the options and exits 0; on an unknown option,
    /// a missing or malformed value, prints one line saying so and exits 1.
    ///
    /// - Parameters:
    ///   - command: The executable's name.
    ///   - summary: What the example does, in a sentence, for `--help`.
    ///   - options: Its options besides ``common`` (add ``tls`` on the embedded server).
    ///   - arguments: The arguments, without the executable's path.
    public static func parse(
        _ command: String,
        summary: String,
        _ options: [Option],
        arguments: [String] = Array(CommandLine.arguments.dropFirst())
    ) -> ExampleOptions {
        let all = common + options
        switch parsing(arguments, options: all) {
        case .success(let values):
            let parsed = ExampleOptions(command: command, values: values)
            // Checked here, so that a bad value stops the example before it listens.
            _ = parsed.port
            _ = parsed.cors
            return parsed
        case .failure(.help):
            print(usage(command, summary: summary, options: all))
            exit(0)
        case .failure(.invalid(let message)):
            fail(command, message + " (\(command) --help lists the options)")
        }
    }

    enum Failure: Error {
        case help
        case invalid(String)
    }

    static func parsing(_ arguments: [String], options: [Option]) -> Result<[String: [String]], Failure> {
        var values: [String: [String]] = [:]
        var index = 0
        while index < arguments.count {
            var argument = arguments[index]
            index += 1
            if argument == "--help" || argument == "-h" {
                return .failure(.help)
            }
            // `--port=8081` as well as `--port 8081`.
            var inline: String?
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                inline = String(argument[argument.index(after: equals)...])
                argument = String(argument[..<equals])
            }
            guard let option = options.first(where: { $0.name == argument }) else {
                return .failure(
                    .invalid(argument.hasPrefix("-") ? "unknown option \(argument)" : "unexpected argument \(argument)")
                )
            }
            guard !(values[argument] != nil && !option.repeatable) else {
                return .failure(.invalid("\(argument) is given twice"))
            }
            guard option.value != nil else {
                guard inline == nil else {
                    return .failure(.invalid("\(argument) takes no value"))
                }
                values[argument, default: []].append("")
                continue
            }
            if let inline {
                values[argument, default: []].append(inline)
            } else if index < arguments.count, !arguments[index].hasPrefix("--") {
                values[argument, default: []].append(arguments[index])
                index += 1
            } else {
                return .failure(.invalid("\(argument) needs a value: \(argument) \(option.value ?? "")"))
            }
        }
        return .success(values)
    }

    static func usage(_ command: String, summary: String, options: [Option]) -> String {
        var lines = [summary, "", "Usage: \(command) [options]", "", "Options:"]
        let width = options.map { $0.name.count + ($0.value.map { $0.count + 1 } ?? 0) }.max() ?? 0
        for option in options + [Option("--help", help: "Shows this help.")] {
            let left = option.name + (option.value.map { " " + $0 } ?? "")
            lines.append("  " + left + String(repeating: " ", count: width - left.count + 2) + option.help)
        }
        lines.append("")
        lines.append("Ctrl-C or SIGTERM stops it; open streams get a final `shutdown` event.")
        return lines.joined(separator: "\n")
    }

    /// Prints `command: message` on standard error and exits 1.
    public static func fail(_ command: String, _ message: String) -> Never {
        let line = Array("\(command): \(message)\n".utf8)
        line.withUnsafeBytes { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
        exit(1)
    }

    /// The option's value, if it was given.
    public func value(_ name: String) -> String? {
        values[name]?.last
    }

    /// Every value given for a repeatable option.
    public func values(_ name: String) -> [String] {
        values[name] ?? []
    }

    /// Whether a switch was given.
    public func has(_ name: String) -> Bool {
        values[name] != nil
    }

    /// The option's value as a whole number in `range`, or `defaultValue` without it; a value
    /// that is not such a number ends the program with a message.
    public func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) -> Int {
        guard let text = value(name) else {
            return defaultValue
        }
        guard let number = Int(text), range.contains(number) else {
            Self.fail(
                command,
                "\(name) takes a whole number from \(range.lowerBound) to \(range.upperBound), not \(text)"
            )
        }
        return number
    }

    /// `--port`, or 8080.
    public var port: Int {
        integer("--port", default: 8080, in: 0...65535)
    }

    /// `--cors-origin`: the origins named (with credentials), any origin for `*` (without), or
    /// none.
    public var cors: SSECORS? {
        let origins = values("--cors-origin")
        if origins.isEmpty {
            return nil
        }
        if origins.contains("*") {
            return .anyOrigin
        }
        for origin in origins
        where !(origin.hasPrefix("http://") || origin.hasPrefix("https://")) || origin.hasSuffix("/") {
            Self.fail(command, "--cors-origin takes an origin such as https://app.example.com (no path), not \(origin)")
        }
        // Named origins may send credentials (`EventSource(url, {withCredentials: true})`).
        return try? SSECORS(allowedOrigins: Set(origins), allowsCredentials: true)
    }

    /// `--tls-certificate CHAIN.pem --tls-key KEY.pem`: TLS, with HTTP/2 offered to browsers
    /// (ALPN), the files read again on `SIGHUP`; none without them. One without the other ends
    /// the program with a message.
    public var tls: SSEServer.TLS? {
        switch (value("--tls-certificate"), value("--tls-key")) {
        case (let certificateChain?, let privateKey?):
            var tls = SSEServer.TLS.files(certificateChain: certificateChain, privateKey: privateKey)
            tls.reloadsOnSIGHUP = true
            return tls
        case (nil, nil):
            return nil
        default:
            Self.fail(
                command,
                "--tls-certificate and --tls-key go together: the certificate chain and its private key (PEM)"
            )
        }
    }
}
