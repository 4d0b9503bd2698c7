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
import Synchronization

extension SSEServer {
    /// Keeps a subscription stream's writes at least an interval apart
    /// (``SSEServer/Configuration-swift.struct/minimumWriteInterval``): a wake-up that comes
    /// sooner after the last write is put off until the interval has passed, and what came
    /// meanwhile goes out in one write. A wake-up after a quiet spell polls at once.
    final class WriteSpacing: Sendable {
        private let interval: UInt64
        /// When the stream last wrote a batch, in its event loop's uptime nanoseconds (`.max`:
        /// never): written on the loop, read by whoever publishes.
        private let lastWrite = Atomic<UInt64>(.max)

        init(interval: Duration) {
            self.interval = UInt64(max(0, TimeAmount(interval).nanoseconds))
        }

        /// The stream wrote a batch (on `loop`, its event loop).
        func wrote(on loop: any EventLoop) {
            lastWrite.store(loop.now.uptimeNanoseconds, ordering: .relaxed)
        }

        /// Runs `poll` on `loop`, the stream's event loop: at once if the last write was at least
        /// the interval ago, otherwise when it will have been.
        func schedule(_ poll: @escaping @Sendable () -> Void, on loop: any EventLoop) {
            let last = lastWrite.load(ordering: .relaxed)
            if last == .max || loop.now.uptimeNanoseconds &- last >= interval {
                loop.execute(poll)
            } else {
                loop.scheduleTask(deadline: .uptimeNanoseconds(last + interval), poll)
            }
        }
    }
}
#endif
