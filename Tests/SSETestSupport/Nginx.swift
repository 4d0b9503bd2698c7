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

public import Foundation
import Testing

/// A real nginx (Debian's) in front of a server on 127.0.0.1, in a directory of its own.
public struct Nginx: Sendable {
    public let process: TestProcess
    public let directory: URL
    /// The TCP port it listens on, when it was given one.
    public let port: Int?

    /// The Unix socket it listens on without a port: no port to pick or collide on.
    public var socketPath: String { directory.appendingPathComponent("nginx.sock").path }

    /// Starts nginx as a proxy to `upstreamPort`, listening on `port` of 127.0.0.1 (else on
    /// ``socketPath``), with `http` and `location` directives added to its configuration (the
    /// defaults: nginx's own, proxy buffering on).
    public static func start(
        upstreamPort: Int,
        port: Int? = nil,
        http: String = "",
        location: String = ""
    ) throws -> Nginx {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sse-nginx-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let listen = port.map { "127.0.0.1:\($0)" } ?? "unix:\(directory.path)/nginx.sock"
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
                \(http)
                server {
                    listen \(listen);
                    location / {
                        proxy_pass http://127.0.0.1:\(upstreamPort);
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_read_timeout 1h;
                        \(location)
                    }
                }
            }
            """
        try configuration.write(to: directory.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-p", directory.path, "-c", "nginx.conf", "-g", "daemon off;"]
        // Not the test's own output: nginx's workers would hold it open after the test.
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return Nginx(process: process, directory: directory, port: port)
    }

    /// Whether it listens yet (its socket exists, or its port answers).
    public var isListening: Bool {
        guard let port else {
            return FileManager.default.fileExists(atPath: socketPath)
        }
        guard let probe = try? Child(["curl", "-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/"]) else {
            return false
        }
        _ = probe.readToEnd()
        return probe.terminationStatus == 0
    }

    /// Stops nginx, workers included (`nginx -s stop`, which signals the master).
    public func stop() {
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

    /// A port nobody listens on now (the OS's pick, released at once).
    public static func freePort() throws -> Int {
        let child = try Child([
            "python3", "-c",
            "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])",
        ])
        return try #require(Int(child.readToEnd().trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}
