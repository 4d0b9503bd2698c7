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
import HTTPTypes
import NIOSSL

/// The request a command makes (`listen`, `doctor`): its URL's fields, method, body and TLS trust.
struct RequestOptions: ParsableArguments {
    @Option(name: [.customShort("H"), .customLong("header")], help: "A request header, 'Name: value' (repeatable).")
    var headers: [String] = []

    @Option(name: [.customShort("X"), .customLong("request")], help: "The method (default GET, or POST with -d).")
    var method: String?

    @Option(name: [.customShort("d"), .customLong("data")], help: "The request body, or @FILE to read it from a file.")
    var body: String?

    @Option(help: "Trust the certificate authorities in this PEM file (instead of the system's) for https URLs.")
    var cacert: String?

    @Flag(
        name: [.customShort("k"), .customLong("insecure")],
        help: "Accept any certificate, unverified: for a self-signed development certificate only."
    )
    var insecure = false

    /// The `-H` fields.
    func headerFields() throws -> [HTTPField] {
        try headers.map { header in
            guard let colon = header.firstIndex(of: ":"),
                let name = HTTPField.Name(String(header[..<colon]).trimmingCharacters(in: .whitespaces))
            else {
                throw ToolFailure(description: "not a header ('Name: value'): \(header)", status: ExitStatus.usage)
            }
            return HTTPField(
                name: name,
                value: String(header[header.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            )
        }
    }

    /// The `-d` body, read from its file with `@`.
    func bodyBytes() throws -> [UInt8]? {
        guard let body else {
            return nil
        }
        guard body.hasPrefix("@") else {
            return Array(body.utf8)
        }
        guard let data = FileManager.default.contents(atPath: String(body.dropFirst())) else {
            throw ToolFailure(description: "cannot read \(body.dropFirst())", status: ExitStatus.usage)
        }
        return Array(data)
    }

    /// `-X`, else POST with a body, else GET.
    var requestMethod: HTTPRequest.Method {
        if let method {
            return HTTPRequest.Method(method.uppercased()) ?? .get
        }
        return body == nil ? .get : .post
    }

    /// The TLS configuration `--cacert` and `--insecure` ask for; `nil` without them.
    func tlsConfiguration() throws -> TLSConfiguration? {
        try Self.tlsConfiguration(cacert: cacert, insecure: insecure)
    }

    /// The TLS configuration that trusts `cacert`'s authorities, or any certificate; `nil` for
    /// the system's trust.
    static func tlsConfiguration(cacert: String?, insecure: Bool) throws -> TLSConfiguration? {
        guard cacert != nil || insecure else {
            return nil
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let cacert {
            guard FileManager.default.isReadableFile(atPath: cacert) else {
                throw ToolFailure(description: "cannot read --cacert \(cacert)", status: ExitStatus.usage)
            }
            tls.trustRoots = .file(cacert)
        }
        if insecure {
            tls.certificateVerification = .none
        }
        return tls
    }

    /// `url` if it is an http or https URL.
    static func validated(_ url: String) throws -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw ToolFailure(description: "not an http or https URL: \(url)", status: ExitStatus.badURL)
        }
        return url
    }
}
#endif
