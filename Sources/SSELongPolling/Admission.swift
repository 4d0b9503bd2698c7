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

import SSEStreaming
import Synchronization

/// Counts the waiting requests, in all and per topic, and refuses those beyond the limits.
final class Admission: Sendable {
    private struct Counts {
        var total = 0
        var perTopic: [Audience: Int] = [:]
    }

    private let counts = Mutex(Counts())
    private let maximumWaiting: Int
    private let maximumWaitingPerTopic: Int

    init(maximumWaiting: Int, maximumWaitingPerTopic: Int) {
        self.maximumWaiting = maximumWaiting
        self.maximumWaitingPerTopic = maximumWaitingPerTopic
    }

    var waitingCount: Int {
        counts.withLock { $0.total }
    }

    func enter(_ topics: [Audience]) -> Bool {
        counts.withLock { counts in
            guard counts.total < maximumWaiting,
                topics.allSatisfy({ counts.perTopic[$0, default: 0] < maximumWaitingPerTopic })
            else {
                return false
            }
            counts.total += 1
            for topic in topics {
                counts.perTopic[topic, default: 0] += 1
            }
            return true
        }
    }

    func leave(_ topics: [Audience]) {
        counts.withLock { counts in
            counts.total -= 1
            for topic in topics {
                let count = counts.perTopic[topic, default: 1] - 1
                counts.perTopic[topic] = count == 0 ? nil : count
            }
        }
    }
}
