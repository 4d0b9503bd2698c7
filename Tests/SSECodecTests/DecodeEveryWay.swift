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

import SSECodec
import Testing

/// Decodes `input` whole, one byte per read, at every two-read split, and with empty reads between
/// bytes; expects every way to give the same outputs, and returns them.
func decodeEveryWay(
    _ input: [UInt8],
    configuration: SSEDecoder.Configuration = .init(),
    lastEventID: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> [Observed] {
    let whole = decode(chunks: [input], configuration: configuration, lastEventID: lastEventID)
    let bytewise = decode(chunks: input.map { [$0] }, configuration: configuration, lastEventID: lastEventID)
    #expect(bytewise == whole, "one byte per read differs from whole", sourceLocation: sourceLocation)
    let withEmptyReads = decode(
        chunks: [[]] + input.flatMap { [[$0], []] },
        configuration: configuration,
        lastEventID: lastEventID
    )
    #expect(withEmptyReads == whole, "empty reads change the outcome", sourceLocation: sourceLocation)
    for split in 0...input.count {
        let twoReads = decode(
            chunks: [Array(input[..<split]), Array(input[split...])],
            configuration: configuration,
            lastEventID: lastEventID
        )
        #expect(twoReads == whole, "split at \(split) differs from whole", sourceLocation: sourceLocation)
    }
    return whole
}

func decodeEveryWay(
    _ input: String,
    configuration: SSEDecoder.Configuration = .init(),
    lastEventID: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> [Observed] {
    decodeEveryWay(
        Array(input.utf8),
        configuration: configuration,
        lastEventID: lastEventID,
        sourceLocation: sourceLocation
    )
}
