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

/// The tool's exit statuses, one per way a run can end, so that scripts can tell them apart.
enum ExitStatus {
    static let usage: Int32 = 64
    static let badURL: Int32 = 65
    static let connectionFailed: Int32 = 69
    static let badStatus: Int32 = 70
    static let wrongContentType: Int32 = 71
    static let invalidStream: Int32 = 72
    /// `sse doctor`: at least one check failed.
    static let checksFailed: Int32 = 73
    static let interrupted: Int32 = 130
}

/// A failure with its message (printed on standard error) and exit status.
struct ToolFailure: Error, CustomStringConvertible {
    let description: String
    let status: Int32
}
#endif
