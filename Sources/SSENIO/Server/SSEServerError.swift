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
/// Why an ``SSEServer`` could not do what was asked.
public struct SSEServerError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case alreadyRunning
    }

    private let code: Code

    /// ``SSEServer/run()`` was called while another call of it was running.
    public static let alreadyRunning = Self(code: .alreadyRunning)

    public var description: String {
        switch code {
        case .alreadyRunning: "SSEServerError.alreadyRunning: the server is running already"
        }
    }
}
#endif
