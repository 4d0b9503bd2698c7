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
import NIOCore
import SSENIOCore

extension SSEServer {
    /// A connection's stream sink: the connection's handler, reached from the pulling task, which
    /// runs on the connection's event loop (its task executor preference, see
    /// `EventLoopTaskExecutor`); `NIOLoopBound` checks that it does.
    struct LoopSink: SSEStreamSink {
        let handler: NIOLoopBound<ConnectionHandler>

        func emit(_ chunk: [UInt8]) -> Bool {
            handler.value.emit(chunk)
        }

        func waitUntilWritable() async throws {
            try await handler.value.whenWritable().get()
        }
    }
}
#endif
