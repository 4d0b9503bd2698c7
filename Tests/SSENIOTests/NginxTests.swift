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
import Foundation
import SSECodec
import SSENIO
import SSEStreaming
import SSEServerTestSupport
import SSETestSupport
import Testing

/// A real nginx (Debian's) in front of the embedded server, with the configuration that
/// Documentation/SwiftSSE.docc/BehindNginx.md recommends.
@Suite("Behind nginx", .serialized, .timeLimit(.minutes(2)), .requires(.nginx, .curl))
struct NginxTests {
    struct Nginx {
        let process: TestProcess
        let directory: URL

        /// nginx listens on a Unix socket in its own directory: no port to pick or collide on.
        var socketPath: String { directory.appendingPathComponent("nginx.sock").path }

        static func start(upstreamPort: Int) throws -> Nginx {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "sse-nginx-\(UUID().uuidString)"
            )
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let configuration = """
                worker_processes 1;
                error_log \(directory.path)/error.log;
                pid \(directory.path)/nginx.pid;
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path \(directory.path)/body;
                    proxy_temp_path \(directory.path)/proxy;
                    fastcgi_temp_path \(directory.path)/fastcgi;
                    uwsgi_temp_path \(directory.path)/uwsgi;
                    scgi_temp_path \(directory.path)/scgi;
                    server {
                        listen unix:\(directory.path)/nginx.sock;
                        location / {
                            proxy_pass http://127.0.0.1:\(upstreamPort);
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                            proxy_read_timeout 1h;
                        }
                    }
                }
                """
            try configuration.write(
                to: directory.appendingPathComponent("nginx.conf"),
                atomically: true,
                encoding: .utf8
            )
            let process = TestProcess()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
            process.arguments = ["-p", directory.path, "-c", "nginx.conf", "-g", "daemon off;"]
            // Not the test's own output: nginx's workers would hold it open after the test.
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return Nginx(process: process, directory: directory)
        }

        /// Stops nginx, workers included (`nginx -s stop`, which signals the master).
        func stop() {
            let stop = TestProcess()
            stop.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
            stop.arguments = ["-p", directory.path, "-c", "nginx.conf", "-s", "stop"]
            stop.standardOutput = FileHandle.nullDevice
            stop.standardError = FileHandle.nullDevice
            try? stop.run()
            stop.waitUntilExit()
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Publishes three events through nginx, each after the one before has arrived, and returns
    /// how many arrived. A buffering nginx holds back small events until its buffer fills or the
    /// response ends, so they would not arrive at all.
    static func eventsArrivingInTime() async throws -> Int {
        let fixture = Fixture()
        let broadcaster = fixture.broadcaster
        let server = try await TestServer.start(fixture, corsOrigin: nil)
        let nginx = try Nginx.start(upstreamPort: server.port)
        defer { nginx.stop() }
        // nginx listens once its socket exists.
        try #require(await eventually { FileManager.default.fileExists(atPath: nginx.socketPath) })
        let client = try Child(["curl", "-sN", "--unix-socket", nginx.socketPath, "http://localhost/events"])
        try #require(await eventually { broadcaster.subscriberCount == 1 })
        var inTime = 0
        var output = ""
        for index in 1...3 {
            try broadcaster.publish(ServerSentEvent(data: "event \(index)"), to: "news")
            guard try await client.receive("data: event \(index)\nid: \(index)\n\n", into: &output) else {
                break
            }
            inTime += 1
        }
        try await blocking { client.kill() }
        await server.stop()
        return inTime
    }

    @Test("Events pass through nginx one by one, each before the next is published")
    func unbufferedThroughNginx() async throws {
        #expect(try await Self.eventsArrivingInTime() == 3)
    }
}
#endif
