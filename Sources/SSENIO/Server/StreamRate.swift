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
    /// A token bucket of streams: up to `perSecond` at once, refilled at `perSecond` a second.
    /// The package's other servers (`sse hub`'s publish rate) take their tokens from it too.
    package final class StreamRate: Sendable {
        private struct Bucket {
            var tokens: Double
            var refilled: NIODeadline
        }

        private let perSecond: Double
        private let bucket: Mutex<Bucket>

        package init(perSecond: Int) {
            precondition(perSecond > 0, "the rate must be positive")
            self.perSecond = Double(perSecond)
            bucket = Mutex(Bucket(tokens: Double(perSecond), refilled: .now()))
        }

        /// Takes a token for a stream that begins now; `false` when there is none.
        package func admit() -> Bool {
            admit(now: .now())
        }

        /// Takes a token at `now`.
        func admit(now: NIODeadline) -> Bool {
            bucket.withLock { bucket in
                let elapsed = Double((now - bucket.refilled).nanoseconds) / 1e9
                bucket.tokens = min(perSecond, bucket.tokens + max(0, elapsed) * perSecond)
                bucket.refilled = now
                guard bucket.tokens >= 1 else {
                    return false
                }
                bucket.tokens -= 1
                return true
            }
        }
    }
}
#endif
