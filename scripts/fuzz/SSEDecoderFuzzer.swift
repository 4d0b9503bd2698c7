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

// libFuzzer entry point for SSEDecoder, built by scripts/fuzz-decoder.sh with
// Tests/SSECodecTests/Observed.swift (the tests' byte-exact view of decoder outputs).
// Any failed check traps, which libFuzzer reports as a finding.
//
// Oracle: decoding an input whole, one byte per read, and in pseudo-random chunks (empty reads
// included) must give the same outputs and errors; every decoded event must survive
// encode → decode unchanged.
import SSECodec

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else {
        return 0
    }
    // The first byte picks the limits, so that error recovery is exercised as often as success.
    let selector = data[0]
    let configuration =
        selector & 1 == 0
        ? SSEDecoder.Configuration(reportsComments: selector & 2 == 0)
        : SSEDecoder.Configuration(
            maximumLineLength: Int(selector >> 2) + 1,
            maximumEventSize: Int(selector >> 3) * 3,
            reportsComments: selector & 2 == 0
        )
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))

    let whole = decode(chunks: [input], configuration: configuration)
    precondition(decode(chunks: input.map { [$0] }, configuration: configuration) == whole, "bytewise != whole")
    var state = UInt64(size) &* 0x9E37_79B9_7F4A_7C15
    var chunks: [[UInt8]] = []
    var start = 0
    while start < input.count {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let end = min(start + Int(state >> 59), input.count)  // 0…31 bytes: empty reads included
        chunks.append(Array(input[start..<end]))
        start = end
    }
    precondition(decode(chunks: chunks, configuration: configuration) == whole, "random chunks != whole")

    // Re-encode the events, restating the id whenever it changes, and decode them again.
    let encoder = SSEEncoder()
    var stream: [UInt8] = []
    var expected: [Observed] = []
    var previousID: [UInt8]?
    for case .event(let type, let data, let id) in whole {
        let restated: String? = id == previousID ? nil : String(decoding: id ?? [], as: UTF8.self)
        previousID = id
        let event = ServerSentEvent(
            type: String(decoding: type, as: UTF8.self),
            data: String(decoding: data, as: UTF8.self),
            id: restated
        )
        do {
            try encoder.encode(event, into: &stream)
        } catch {
            preconditionFailure("a decoded event could not be encoded: \(error)")
        }
        expected.append(.event(type: type, data: data, id: id))
    }
    let unlimited = SSEDecoder.Configuration(maximumLineLength: .max, maximumEventSize: .max)
    precondition(decode(chunks: [stream], configuration: unlimited) == expected, "round trip changed events")
    return 0
}
