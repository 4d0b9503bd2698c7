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
import SSENIOCore
import Testing

@Suite("Stream configuration")
struct SSEStreamConfigurationTests {
    static func fields(
        _ acceptEncoding: String?,
        _ configure: (inout SSEStreamConfiguration) -> Void = { _ in }
    )
        -> (fields: [String], gzip: Bool)
    {
        var configuration = SSEStreamConfiguration()
        configure(&configuration)
        let (fields, gzip) = configuration.responseHeaders(acceptEncoding: acceptEncoding)
        return (fields.map { "\($0.name): \($0.value)" }, gzip != nil)
    }

    @Test("The SSE header fields; gzip and Vary only as negotiated and configured")
    func headerFields() {
        let plain = Self.fields(nil)
        #expect(
            plain.fields == [
                "Content-Type: text/event-stream; charset=utf-8", "Cache-Control: no-cache", "X-Accel-Buffering: no",
                "Vary: Accept-Encoding",
            ]
        )
        #expect(!plain.gzip)
        let compressed = Self.fields("br, gzip")
        #expect(compressed.gzip)
        #expect(compressed.fields.contains("Content-Encoding: gzip"))
        let never = Self.fields("gzip") {
            $0.gzip = nil
            $0.disablesProxyBuffering = false
        }
        #expect(never.fields == ["Content-Type: text/event-stream; charset=utf-8", "Cache-Control: no-cache"])
        #expect(!never.gzip)
    }

    @Test(
        "Accept-Encoding: gzip, x-gzip or * with a nonzero weight; an explicit gzip weight wins over *",
        arguments: [
            ("gzip", true), ("GZIP", true), ("x-gzip", true), ("*", true), ("deflate, gzip;q=0.5", true),
            ("gzip; q=1.0", true), ("gzip;q=0", false), ("gzip;q=0.0, identity", false), ("identity", false),
            ("br", false), ("", false),
            // RFC 9110 §12.5.3: an explicit gzip weight wins over `*`, whichever comes first.
            ("*, gzip;q=0", false), ("gzip;q=0, *", false), ("*;q=0, gzip", true), ("*;q=0", false),
            ("*;q=0.1, gzip;q=0", false), ("gzip;q=abc", false),
        ]
    )
    func acceptEncoding(value: String, accepted: Bool) {
        #expect(Self.fields(value).gzip == accepted)
    }

    @Test("The last event ID: header first, then the query parameter; empty is none; malformed throws")
    func lastEventID() throws {
        let configuration = SSEStreamConfiguration()
        let query = ["lastEventId": "from-query"]
        #expect(try configuration.lastEventID(header: "7", query: { query[$0] }) == "7")
        #expect(try configuration.lastEventID(header: nil, query: { query[$0] }) == "from-query")
        #expect(try configuration.lastEventID(header: "", query: { query[$0] }) == nil)
        #expect(try configuration.lastEventID(header: nil, query: { _ in nil }) == nil)
        var noQuery = configuration
        noQuery.lastEventIDQueryParameter = nil
        #expect(try noQuery.lastEventID(header: nil, query: { query[$0] }) == nil)
        #expect(throws: SSELastEventIDError.invalidCharacter) {
            try configuration.lastEventID(header: "a\rb", query: { _ in nil })
        }
        #expect(throws: SSELastEventIDError.tooLong(limit: 1_024)) {
            try configuration.lastEventID(header: String(repeating: "x", count: 1_025), query: { _ in nil })
        }
        #expect(try configuration.lastEventID(header: String(repeating: "x", count: 1_024), query: { _ in nil }) != nil)
    }
}
#endif
