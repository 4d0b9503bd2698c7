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

/// `misbehaving_server.py` (next to this file) in a child process: an independent event-stream
/// server on Python's standard library that misbehaves on purpose. See the script for its routes.
public final class MisbehavingServer: Sendable {
    public let port: Int
    private let child: Child

    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("misbehaving_server.py").path

    private init(child: Child, port: Int) {
        self.child = child
        self.port = port
    }

    /// Starts the server on `port`, or on a free port when it is 0. A given port (a restart on the
    /// port the OS gave before) may still be held for a moment: it is tried again for up to 30 s.
    public static func start(port: Int = 0) async throws -> MisbehavingServer {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let child = try Child(["python3", "-u", script, String(port)])
            var output = ""
            if try await child.receive("\n", into: &output), let bound = Int(output.split(separator: "\n")[0]) {
                return MisbehavingServer(child: child, port: bound)
            }
            try await blocking { child.kill() }
            guard port != 0, ContinuousClock.now < deadline else {
                throw ServerStartFailure(port: port)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The Python server did not start (or not on the port asked for).
    public struct ServerStartFailure: Error {
        public let port: Int
    }

    /// The URL of a route, for a client of its own (see the script's `?client=`).
    public func url(_ route: String, client: String, _ query: String = "") -> String {
        "http://127.0.0.1:\(port)/\(route)?client=\(client)" + (query.isEmpty ? "" : "&" + query)
    }

    /// Kills the server at once (SIGKILL), cutting every connection.
    public func kill() async {
        try? await blocking { self.child.kill() }
    }
}
