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

#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work (a pipe or socket read) on a thread of its own, so that it never holds one of
/// the few threads the server's tasks run on.
public func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Polls `condition` until it holds, for up to `seconds`: a generous limit that only keeps a broken
/// test from hanging, never a measure of how fast something happens.
public func eventually(within seconds: Double = 30, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1_000))
    while ContinuousClock.now < deadline {
        if condition() {
            return true
        }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// A child process (curl) with its output on a pipe. Its methods block: call them in `blocking`.
public final class Child: @unchecked Sendable {
    private let process = TestProcess()
    private let output = Pipe()

    public init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Reads until `text` has appeared in the output (or it ends, or `timeout` seconds pass),
    /// appending what it reads to `collected`.
    public func read(until text: String, into collected: inout String, timeout: Double = 30) -> Bool {
        let descriptor = output.fileHandleForReading.fileDescriptor
        let deadline = ContinuousClock.now + .milliseconds(Int(max(timeout, 0) * 1_000))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !collected.contains(text) {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                return false
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(
                remaining.components.seconds * 1_000 + remaining.components.attoseconds / 1_000_000_000_000_000
            )
            guard poll(&poller, 1, max(milliseconds, 1)) > 0 else {
                continue
            }
            let count = Glibc.read(descriptor, &buffer, buffer.count)
            guard count > 0 else {
                return collected.contains(text)
            }
            collected += String(decoding: buffer[..<count], as: UTF8.self)
        }
        return true
    }

    /// Reads, off the concurrency threads, until `text` appears in `output` (which collects all
    /// read so far) or `timeout` seconds pass; whether it appeared.
    public func receive(_ text: String, into output: inout String, timeout: Double = 30) async throws -> Bool {
        output = try await blocking { [output] in
            var collected = output
            _ = self.read(until: text, into: &collected, timeout: timeout)
            return collected
        }
        return output.contains(text)
    }

    /// Whether the process is still running.
    public var isRunning: Bool {
        process.isRunning
    }

    /// The exit status, once the process has ended (after ``readToEnd()``).
    public var terminationStatus: Int32 {
        process.terminationStatus
    }

    public func readToEnd() -> String {
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Interrupts the process as Ctrl-C does (SIGINT) and waits for it; its exit status.
    public func interrupt() -> Int32 {
        _ = Glibc.kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Sends the process a signal (SIGHUP, say) and returns at once.
    public func signal(_ number: Int32) {
        _ = Glibc.kill(process.processIdentifier, number)
    }

    /// Kills the process (SIGKILL: a child started from a concurrency thread inherits its blocked
    /// signals, SIGTERM among them), which closes its connections.
    public func kill() {
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A blocking HTTP/1.1 client on a raw socket, for requests curl will not send. Its methods block:
/// call them in `blocking`.
public struct RawConnection: Sendable {
    public let socket: Int32

    public init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            Glibc.close(socket)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    public func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until `text` has appeared, the peer closes, or no byte comes for 30 seconds.
    public func read(until text: String) -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: received, as: UTF8.self).contains(text) {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else {
                break
            }
            received += buffer[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Reads until the peer closes, or no byte comes for 30 seconds; returns how many bytes came.
    public func drain() -> Int {
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else {
                return total
            }
            total += count
        }
    }

    /// Reads 16 KiB a millisecond, much slower than a server writes (so that its socket buffers
    /// stay full), until the bytes end with `suffix`, the peer closes, or a read waits 30 seconds.
    public func readSlowly(untilSuffix suffix: String) -> [UInt8] {
        let suffix = Array(suffix.utf8)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while !received.suffix(suffix.count).elementsEqual(suffix) {
            usleep(1_000)
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else {
                break
            }
            received += buffer[..<count]
        }
        return received
    }

    public func close() {
        Glibc.close(socket)
    }
}
