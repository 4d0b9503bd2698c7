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

/// An error compressing or decompressing a stream.
///
/// Errors compare equal by kind; ``zlibCode`` and ``message`` are context.
public struct SSECompressionError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case corruptData
        case truncatedStream
        case outOfMemory
        case zlibFailure
    }

    private let code: Code

    /// zlib's return code, when zlib reported the error.
    public let zlibCode: Int32?

    /// zlib's message, if it gave one.
    public let message: String

    private init(code: Code, zlibCode: Int32?, message: String) {
        self.code = code
        self.zlibCode = zlibCode
        self.message = message
    }

    /// The compressed data is not valid gzip or deflate data (or fails its checksum). Nothing after
    /// the error can be decompressed.
    public static let corruptData = Self(code: .corruptData, zlibCode: nil, message: "")

    /// The compressed stream ended before its end marker: the body was cut off.
    public static let truncatedStream = Self(code: .truncatedStream, zlibCode: nil, message: "")

    /// zlib could not allocate its state.
    public static let outOfMemory = Self(code: .outOfMemory, zlibCode: nil, message: "")

    /// Any other failure zlib reported (a bad configuration, say).
    public static let zlibFailure = Self(code: .zlibFailure, zlibCode: nil, message: "")

    static func corruptData(_ zlibCode: Int32, _ message: String) -> Self {
        Self(code: .corruptData, zlibCode: zlibCode, message: message)
    }

    static func outOfMemory(_ zlibCode: Int32) -> Self {
        Self(code: .outOfMemory, zlibCode: zlibCode, message: "")
    }

    static func zlibFailure(_ zlibCode: Int32, _ message: String) -> Self {
        Self(code: .zlibFailure, zlibCode: zlibCode, message: message)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }

    public var description: String {
        var detail = ""
        if let zlibCode {
            detail = " (zlib \(zlibCode)" + (message.isEmpty ? "" : ": \(message)") + ")"
        }
        switch code {
        case .corruptData:
            return "SSECompressionError.corruptData: the compressed data is invalid\(detail)"
        case .truncatedStream:
            return "SSECompressionError.truncatedStream: the compressed stream ended before its end marker"
        case .outOfMemory:
            return "SSECompressionError.outOfMemory: zlib could not allocate its state\(detail)"
        case .zlibFailure:
            return "SSECompressionError.zlibFailure: zlib failed\(detail)"
        }
    }
}
