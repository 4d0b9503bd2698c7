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

#if NIOSupport || AsyncHTTPClientSupport
import Synchronization

extension SSEClient {
    /// The running sessions of a client and its copies, so that ``SSEClient/reconnect()`` reaches
    /// each of them. A session is in it from its first read until its iterator goes away.
    final class SessionRegistry: Sendable {
        private let handoffs = Mutex<[ObjectIdentifier: Handoff]>([:])

        func add(_ handoff: Handoff) {
            handoffs.withLock { $0[ObjectIdentifier(handoff)] = handoff }
        }

        func remove(_ handoff: Handoff) {
            _ = handoffs.withLock { $0.removeValue(forKey: ObjectIdentifier(handoff)) }
        }

        func reconnectAll() {
            for handoff in handoffs.withLock({ Array($0.values) }) {
                handoff.requestReconnect()
            }
        }
    }
}
#endif
