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
    /// A connection's stream sink, isolated to the connection's event loop: its executor is the
    /// loop, so a stream pulled on it (see `SSEPulledSource`) runs on the loop's thread, and
    /// the handler it writes to is its own.
    actor LoopSink: SSEStreamSink {
        private let handler: NIOLoopBound<ConnectionHandler>
        private let executor: any SerialExecutor

        init(_ handler: NIOLoopBound<ConnectionHandler>) {
            self.handler = handler
            executor = handler.eventLoop.executor
        }

        nonisolated var unownedExecutor: UnownedSerialExecutor {
            executor.asUnownedSerialExecutor()
        }

        func emit(_ chunk: [UInt8]) -> Bool {
            handler.value.emit(chunk)
        }

        func waitUntilWritable() async throws {
            try await handler.value.whenWritable().get()
        }
    }
}
#endif
