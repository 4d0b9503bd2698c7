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

import Foundation
public import Testing

/// A program the tests use as a real peer (a browser, a proxy, a client).
/// A test that needs one names it with ``Testing/Trait/requires(_:)``: without it, the test is
/// skipped with a message that says what to install, never failed with a traceback.
public struct Prerequisite: Sendable, CustomStringConvertible {
    /// The command, as the tests run it.
    public let command: String
    /// The Debian package that installs it.
    public let package: String

    /// Whether the command is on `PATH`, or in an `sbin` folder (where Debian puts nginx, outside
    /// an ordinary user's `PATH`).
    public var isAvailable: Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/local/sbin", "/usr/sbin", "/sbin"]
        return directories.contains { directory in
            FileManager.default.isExecutableFile(atPath: "\(directory)/\(command)")
        }
    }

    public var description: String { command }

    /// Headless Chromium, for the browser script and the example pages.
    public static let chromium = Self(command: "chromium", package: "chromium")
    /// nginx, as the buffering proxy in front of a server.
    public static let nginx = Self(command: "nginx", package: "nginx")
    /// Python 3: the misbehaving server, an independent gunzip, raw clients.
    public static let python3 = Self(command: "python3", package: "python3")
    /// curl, the reference HTTP client.
    public static let curl = Self(command: "curl", package: "curl")
    /// openssl, which makes the TLS tests' certificates.
    public static let openssl = Self(command: "openssl", package: "openssl")
    /// nghttp, an HTTP/2 client of its own (nghttp2's), which shows every frame.
    public static let nghttp = Self(command: "nghttp", package: "nghttp2-client")

    /// The skip message for the missing ones among `prerequisites`, or `nil` when all are there.
    public static func missing(_ prerequisites: [Self]) -> String? {
        let missing = prerequisites.filter { !$0.isAvailable }
        guard !missing.isEmpty else {
            return nil
        }
        let commands = missing.map(\.command).joined(separator: ", ")
        let packages = missing.map(\.package).joined(separator: " ")
        return "needs \(commands): install with 'apt-get install \(packages)' (scripts/test does it when run as root)"
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test only where every program it needs is installed; otherwise skips it, saying
    /// what to install.
    ///
    /// ```swift
    /// @Test(.requires(.chromium, .python3)) func browserSuite() async throws { … }
    /// ```
    public static func requires(_ prerequisites: Prerequisite...) -> Self {
        let message = Prerequisite.missing(prerequisites)
        return .enabled(if: message == nil, Comment(rawValue: message ?? ""))
    }
}
