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

/// Reconnection delays drawn at random from a window, so that clients that lost their streams at
/// the same moment do not all come back at the same moment.
package enum SSEReconnectionJitter {
    /// A `retry:` field in a block of its own (it dispatches no event), with a delay drawn
    /// uniformly from `window`, in whole milliseconds.
    package static func retryField(in window: ClosedRange<Duration>) -> [UInt8] {
        Array("retry: \(milliseconds(in: window))\n\n".utf8)
    }

    /// A delay drawn uniformly from `window`, in whole milliseconds (negative bounds count as 0).
    package static func milliseconds(in window: ClosedRange<Duration>) -> Int64 {
        let low = max(0, milliseconds(window.lowerBound))
        let high = max(low, milliseconds(window.upperBound))
        return Int64.random(in: low...high)
    }

    /// A delay drawn uniformly from `window`, in whole seconds, at least 1: a `Retry-After` value.
    package static func seconds(in window: ClosedRange<Duration>) -> Int64 {
        let low = max(1, window.lowerBound.components.seconds)
        let high = max(low, window.upperBound.components.seconds)
        return Int64.random(in: low...high)
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
