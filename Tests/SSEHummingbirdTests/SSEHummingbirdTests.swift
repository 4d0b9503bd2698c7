#if HummingbirdSupport
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import SSEHummingbird
import SSENIO
import SSEStreaming
import SSETestSupport
import Synchronization
import Testing

@Suite("Hummingbird adapter", .serialized, .timeLimit(.minutes(3)))
struct SSEHummingbirdTests {
    static let start: Scenarios.Start = { fixture, corsOrigin in
        try await HummingbirdServer.start(fixture, corsOrigin: corsOrigin)
    }

    @Test("What every adapter promises", arguments: Scenario.all)
    func scenario(_ scenario: Scenario) async throws {
        try await scenario.run(Self.start)
    }
}
#endif
