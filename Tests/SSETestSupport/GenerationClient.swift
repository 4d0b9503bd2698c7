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

import Foundation

/// The independent client of a generation (`generation_client.py`, written from the article
/// "Generations that outlive their connections", not from the code): it reads `url`, drops after
/// `dropAfter` events, resumes with its last event ID (at `resumeURL` if given: another instance),
/// reads to the end event, and asks once more with the end event's ID.
public struct GenerationClient: Sendable {
    /// What it printed.
    public struct Report: Decodable, Sendable {
        /// The data of the events before the end.
        public let data: [String]
        /// Their IDs.
        public let ids: [String?]
        /// The end event's data.
        public let end: [String: String]
        /// The status of the request made after the end (204 expected).
        public let lastStatus: Int
        /// How many times it reconnected.
        public let reconnects: Int
    }

    private let child: Child

    /// Starts the client.
    public init(_ url: String, dropAfter: Int, resumeURL: String? = nil) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("generation_client.py").path
        child = try Child(
            ["python3", script, url, "--drop-after", String(dropAfter)]
                + (resumeURL.map { ["--resume-url", $0] } ?? [])
        )
    }

    /// Waits until it ends; its report, and what it printed.
    public func report() async throws -> (Report, String) {
        let child = self.child
        let output = try await blocking { child.readToEnd() }
        return (try JSONDecoder().decode(Report.self, from: Data(output.utf8)), output)
    }
}
