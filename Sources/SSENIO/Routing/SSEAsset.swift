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

#if NIOSupport
import HTTPTypes
import SSECompression

/// A page, script, stylesheet or other file served from memory: its bytes, its content type, its
/// `ETag`, and its gzip form, all made once when it is created.
///
/// ```swift
/// router.get("/", asset: SSEAsset(page, contentType: .html))
/// router.get("/app.js", asset: SSEAsset(script, contentType: .javascript))
/// ```
///
/// A request whose `If-None-Match` names the asset's `ETag` (or is `*`) gets
/// `304 Not Modified` without a body; one whose `Accept-Encoding` accepts gzip gets the compressed
/// bytes, when they are smaller, with `Content-Encoding: gzip`. Every answer carries
/// `Vary: Accept-Encoding` when a gzip form exists, the `ETag`, and ``cacheControl``.
public struct SSEAsset: Sendable, Hashable {
    /// The `Content-Type` values of common web files.
    public struct ContentType: Sendable, Hashable, ExpressibleByStringLiteral {
        /// The header value, such as `text/css; charset=utf-8`.
        public let value: String

        public init(_ value: String) {
            self.value = value
        }

        public init(stringLiteral value: String) {
            self.init(value)
        }

        public static let html = Self("text/html; charset=utf-8")
        public static let javascript = Self("text/javascript; charset=utf-8")
        public static let css = Self("text/css; charset=utf-8")
        public static let json = Self("application/json")
        public static let plainText = Self("text/plain; charset=utf-8")
        public static let svg = Self("image/svg+xml")
        public static let png = Self("image/png")
        public static let icon = Self("image/x-icon")
        public static let webManifest = Self("application/manifest+json")
        public static let octetStream = Self("application/octet-stream")

        /// The content type of a file name by its extension (`app.js`, `style.css`, …);
        /// `application/octet-stream` for one not known.
        public init(fileName: String) {
            let fileExtension = fileName.split(separator: ".").last.map { $0.lowercased() } ?? ""
            switch fileExtension {
            case "html", "htm": self = .html
            case "js", "mjs": self = .javascript
            case "css": self = .css
            case "json", "map": self = .json
            case "txt": self = .plainText
            case "svg": self = .svg
            case "png": self = .png
            case "ico": self = .icon
            case "webmanifest": self = .webManifest
            default: self = .octetStream
            }
        }

        /// Text, scripts and other formats that gzip shrinks (images mostly do not).
        var isCompressible: Bool {
            value.hasPrefix("text/") || value.hasPrefix("application/json") || value.hasPrefix("image/svg")
                || value.hasPrefix("application/manifest")
        }
    }

    /// The bytes, as they are.
    public let body: [UInt8]

    /// The `Content-Type`.
    public let contentType: ContentType

    /// The strong `ETag`, quoted: a hash of the bytes and their length.
    public let eTag: String

    /// The `Cache-Control` value. Defaults to `no-cache`: browsers keep the asset, and ask again
    /// each time with `If-None-Match` (a 304 costs a few bytes).
    public var cacheControl: String

    /// The gzip form, when it is smaller than the bytes; `nil` otherwise.
    let gzipped: [UInt8]?

    /// Creates an asset; compresses it once (at zlib's level 9) when its type is one gzip shrinks.
    ///
    /// - Parameters:
    ///   - body: The bytes.
    ///   - contentType: The `Content-Type`.
    ///   - cacheControl: The `Cache-Control` value.
    public init(_ body: [UInt8], contentType: ContentType, cacheControl: String = "no-cache") {
        self.body = body
        self.contentType = contentType
        self.cacheControl = cacheControl
        // FNV-1a, 64 bits: not for security, only to tell versions apart.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in body {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        eTag = "\"\(String(hash, radix: 16))-\(String(body.count, radix: 16))\""
        gzipped = contentType.isCompressible ? Self.gzip(body).flatMap { $0.count < body.count ? $0 : nil } : nil
    }

    /// Creates an asset from text, as UTF-8.
    public init(_ text: String, contentType: ContentType, cacheControl: String = "no-cache") {
        self.init(Array(text.utf8), contentType: contentType, cacheControl: cacheControl)
    }

    private static func gzip(_ bytes: [UInt8]) -> [UInt8]? {
        var output: [UInt8] = []
        do {
            var encoder = try SSEGzipEncoder(configuration: .init(level: 9))
            try encoder.compressAndFlush(bytes, into: &output)
            try encoder.finish(into: &output)
            return output
        } catch {
            return nil
        }
    }

    /// What answers a request for the asset: `304` when its `If-None-Match` names the `ETag`,
    /// else the bytes, gzipped when asked and smaller.
    func answer(
        to request: HTTPFields,
        acceptsGzip: Bool
    ) -> (status: HTTPResponse.Status, fields: HTTPFields, body: [UInt8]) {
        var fields: HTTPFields = [.eTag: eTag, .cacheControl: cacheControl]
        if gzipped != nil {
            fields[.vary] = "Accept-Encoding"
        }
        if let ifNoneMatch = request[.ifNoneMatch], Self.matches(ifNoneMatch, eTag) {
            return (.notModified, fields, [])
        }
        fields[.contentType] = contentType.value
        if acceptsGzip, let gzipped {
            fields[.contentEncoding] = "gzip"
            return (.ok, fields, gzipped)
        }
        return (.ok, fields, body)
    }

    /// Whether an `If-None-Match` list names the tag (weak comparison, RFC 9110 §13.1.2), or is `*`.
    static func matches(_ ifNoneMatch: String, _ eTag: String) -> Bool {
        ifNoneMatch.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingCharacters(in: " \t")
            if tag == "*" {
                return true
            }
            if tag.hasPrefix("W/") {
                tag.removeFirst(2)
            }
            return tag == eTag
        }
    }
}

extension Substring {
    /// This without the given characters at either end (a list item of a header field without
    /// its optional whitespace, say).
    func trimmingCharacters(in characters: String) -> Substring {
        var trimmed = self
        while let first = trimmed.first, characters.contains(first) {
            trimmed.removeFirst()
        }
        while let last = trimmed.last, characters.contains(last) {
            trimmed.removeLast()
        }
        return trimmed
    }
}
#endif
