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

#if HummingbirdSupport
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import SSEHummingbird
import SSENIO
import SSEStreaming
import SSEServerTestSupport
import SSETestSupport
import Synchronization
import Testing

@Suite("Hummingbird adapter", .serialized, .timeLimit(.minutes(3)), .requires(.curl))
struct SSEHummingbirdTests {
    static let start: Scenarios.Start = { fixture, corsOrigin in
        try await HummingbirdServer.start(fixture, corsOrigin: corsOrigin)
    }

    @Test("What every adapter promises", arguments: Scenario.all)
    func scenario(_ scenario: Scenario) async throws {
        try await scenario.run(Self.start)
    }

    @Test("Streams are counted in the stream configuration's metrics; a cut subscriber is logged with its request")
    func logsAndMetrics() async throws {
        try await Scenarios.streamsAreLoggedAndCounted { fixture, observation in
            try await HummingbirdServer.start(fixture, corsOrigin: nil, observation: observation)
        }
    }
}
#endif
