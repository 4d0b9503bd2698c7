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

/// A certificate authority of its own and a server certificate it signed for `127.0.0.1` and
/// `localhost`, made by the `openssl` command in a temporary folder: real TLS for the tests,
/// with a trust root that no system trusts.
public struct TestCertificates: Sendable {
    public let folder: String
    /// The authority's certificate, the trust root a client is given (`curl --cacert`).
    public var authority: String { folder + "/ca.pem" }
    /// The server's certificate chain and private key, PEM.
    public var certificate: String { folder + "/server.pem" }
    public var privateKey: String { folder + "/server.key" }

    /// Makes a new authority and server certificate; `name` tells authorities apart.
    public init(name: String = "swift-sse test") throws {
        folder = NSTemporaryDirectory() + "sse-tls-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try Self.openssl(
            ["req", "-x509"] + curve + [
                "-keyout", folder + "/ca.key", "-out", folder + "/ca.pem", "-days", "2", "-subj", "/CN=\(name) CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ]
        )
        try Self.openssl(
            ["req"] + curve + [
                "-keyout", folder + "/server.key", "-out", folder + "/server.csr", "-subj", "/CN=\(name) server",
            ]
        )
        let extensions = """
            subjectAltName=IP:127.0.0.1,DNS:localhost
            basicConstraints=CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth

            """
        try extensions.write(toFile: folder + "/server.ext", atomically: true, encoding: .utf8)
        try Self.openssl([
            "x509", "-req", "-in", folder + "/server.csr", "-CA", folder + "/ca.pem", "-CAkey", folder + "/ca.key",
            "-CAcreateserial", "-out", folder + "/server.pem", "-days", "2", "-extfile", folder + "/server.ext",
        ])
    }

    /// Copies this server certificate and key over `other`'s files (a renewal, as ACME does it).
    public func install(over other: TestCertificates) throws {
        for (from, to) in [(certificate, other.certificate), (privateKey, other.privateKey)] {
            _ = try? FileManager.default.removeItem(atPath: to + ".new")
            try FileManager.default.copyItem(atPath: from, toPath: to + ".new")
            _ = rename(to + ".new", to)
        }
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OpenSSLFailed(message: String(decoding: message, as: UTF8.self))
        }
    }

    struct OpenSSLFailed: Error, CustomStringConvertible {
        let message: String
        var description: String { "openssl failed: \(message)" }
    }
}
