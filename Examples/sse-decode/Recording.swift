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

/// A stream as a server sent it, byte for byte, in the reads it arrived in: a typewriter-style
/// answer with a byte order mark, CRLF line ends, a heartbeat comment, a `retry` field, an `event`
/// type per message, IDs to resume from, a multi-line event, and reads that split a CRLF and a
/// multi-byte character.
enum Recording {
    static let reads: [[UInt8]] = [
        [0xEF, 0xBB, 0xBF] + Array("retry: 2000\r\n: connected\r\n\r\n".utf8),
        Array("id: 1\r\nevent: start\r\ndata: {\"total\":5}\r\n\r".utf8),
        Array("\nid: 2\r\nevent: chunk\r\ndata: Server-sent \r\n\r\n".utf8),
        Array("id: 3\r\nevent: chunk\r\ndata: events, \r\n\r\nid: 4\r\nevent: chu".utf8),
        Array("nk\r\ndata: decoded \r\n\r\n: heartbeat\r\n\r\nid: 5\r\nevent: chunk\r\ndata: byte by byte ".utf8)
            + [0xE2, 0x80],
        [0x94] + Array(" \r\n\r\nid: 6\r\nevent: chunk\r\ndata: caf\u{E9} \u{2615}\r\n\r\n".utf8),
        Array("id: 7\r\nevent: end\r\ndata: done\r\ndata: 5 chunks\r\n\r\n".utf8),
    ]
}
