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
/// Why a request's last event ID was refused; the answer is `400 Bad Request` with ``description``.
public struct SSELastEventIDError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case tooLong(limit: Int)
        case invalidCharacter
    }

    private let code: Code

    /// Longer than the configured limit, in bytes.
    ///
    /// - Parameter limit: The longest ID accepted, in bytes.
    public static func tooLong(limit: Int) -> Self {
        Self(code: .tooLong(limit: limit))
    }

    /// Contains NULL, CR or LF, which no event ID can.
    public static let invalidCharacter = Self(code: .invalidCharacter)

    public var description: String {
        switch code {
        case .tooLong(let limit): "Last-Event-ID is longer than \(limit) bytes"
        case .invalidCharacter: "Last-Event-ID contains NULL, CR or LF"
        }
    }
}
#endif
