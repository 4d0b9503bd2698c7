#if VaporSupport
import SSENIO
import SSEStreaming
import SSETestSupport
import SSEVapor
import Testing
import Vapor

@Suite("Vapor adapter", .serialized, .timeLimit(.minutes(3)))
struct SSEVaporTests {
    static let start: Scenarios.Start = { fixture, corsOrigin in
        try await VaporServer.start(fixture, corsOrigin: corsOrigin)
    }

    @Test("What every adapter promises", arguments: Scenario.all)
    func scenario(_ scenario: Scenario) async throws {
        try await scenario.run(Self.start)
    }
}
#endif
