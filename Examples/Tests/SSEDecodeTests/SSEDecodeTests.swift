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

import Testing

@testable import sse_decode

@Suite("sse-decode example")
struct SSEDecodeTests {
    @Test("The bundled recording decodes to the full answer, every event, heartbeat and retry")
    func recordingDecodes() {
        var printer = StreamPrinter()
        for chunk in Recording.reads {
            printer.feed(chunk)
        }
        let lines = printer.finish()
        #expect(lines.first == "reconnection time: 2000 ms")
        #expect(lines.contains("comment: heartbeat"))
        #expect(lines.contains(#"event start id=1 data="{\"total\":5}""#))
        #expect(lines.contains(#"event end id=7 data="done\n5 chunks""#))
        #expect(lines.contains("7 events; last event ID 7"))
        let answer = lines.last.map { Array($0.unicodeScalars) }
        let expected = Array(
            "answer: Server-sent events, decoded byte by byte \u{2014} caf\u{E9} \u{2615}".unicodeScalars
        )
        #expect(answer == expected)
    }

    @Test("Read one byte at a time, the recording gives the same lines")
    func recordingDecodesBytewise() {
        var whole = StreamPrinter()
        var bytewise = StreamPrinter()
        for chunk in Recording.reads {
            whole.feed(chunk)
            for byte in chunk {
                bytewise.feed([byte])
            }
        }
        #expect(whole.finish() == bytewise.finish())
    }
}
