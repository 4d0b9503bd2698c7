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

    /// Starts the server on `port`, or on a free port when it is 0.
    public static func start(port: Int = 0) async throws -> MisbehavingServer {
        let child = try Child(["python3", "-u", script, String(port)])
        var output = ""
        guard try await child.receive("\n", into: &output), let port = Int(output.split(separator: "\n")[0]) else {
            child.kill()
            throw CancellationError()
        }
        return MisbehavingServer(child: child, port: port)
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
