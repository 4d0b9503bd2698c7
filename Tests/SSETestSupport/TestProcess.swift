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
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, with the part of Foundation's `Process` the tests
/// use (executable, arguments, environment, standard input, output and error as a `Pipe`, a
/// `FileHandle` or `nil` for the null device; run, wait, signal, exit status).
///
/// Why not `Process`: on Linux, `Process.run()` copies every entry of `/proc/self/fd` as a whole
/// 256-byte name. With well over a thousand descriptors open (a test holding thousands of streams
/// while another starts `curl`), the last, shorter entry can sit at the end of a page, and the copy
/// reads past it: the test process crashed with SIGSEGV inside `Process.run()` in CI. Here the
/// child closes every descriptor above the standard three itself
/// (`posix_spawn_file_actions_addclosefrom_np`), and `waitUntilExit()` is a plain `waitpid` (no run
/// loop polled every 50 ms).
public final class TestProcess: @unchecked Sendable {
    public enum TerminationReason: Sendable {
        case exit
        case uncaughtSignal
    }

    /// The program to run.
    public var executableURL: URL?
    public var arguments: [String] = []
    /// The environment; `nil` inherits the test process's.
    public var environment: [String: String]?
    /// A `Pipe`, a `FileHandle` or `nil` (the null device); left unset, the test process's own.
    public var standardInput: Any? = Inherited() {
        willSet { precondition(Self.isStream(newValue), "a Pipe, a FileHandle or nil") }
    }
    public var standardOutput: Any? = Inherited() {
        willSet { precondition(Self.isStream(newValue), "a Pipe, a FileHandle or nil") }
    }
    public var standardError: Any? = Inherited() {
        willSet { precondition(Self.isStream(newValue), "a Pipe, a FileHandle or nil") }
    }

    public private(set) var processIdentifier: pid_t = 0

    /// The wait status, once reaped. Guarded, because one thread may wait while another asks.
    private let status = Mutex<Int32?>(nil)

    public init() {}

    /// Starts the process; throws `POSIXError` when it cannot be started.
    public func run() throws {
        precondition(processIdentifier == 0, "a TestProcess runs once")
        guard let path = executableURL?.path else {
            throw POSIXError(.ENOENT)
        }
        var actions = posix_spawn_file_actions_t()
        try check(posix_spawn_file_actions_init(&actions))
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (stream, target) in [(standardInput, STDIN_FILENO), (standardOutput, STDOUT_FILENO)]
            + [(standardError, STDERR_FILENO)]
        {
            switch stream {
            case is Inherited:
                continue
            case let pipe as Pipe:
                let end = target == STDIN_FILENO ? pipe.fileHandleForReading : pipe.fileHandleForWriting
                try check(posix_spawn_file_actions_adddup2(&actions, end.fileDescriptor, target))
            case let handle as FileHandle where handle !== FileHandle.nullDevice:
                // (`FileHandle.nullDevice` has no descriptor: it is opened below.)
                try check(posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, target))
            default:
                let flags = target == STDIN_FILENO ? O_RDONLY : O_WRONLY
                try check(posix_spawn_file_actions_addopen(&actions, target, "/dev/null", flags, 0))
            }
        }
        try Self.closeTheRest(&actions)

        var attributes = posix_spawnattr_t()
        try check(posix_spawnattr_init(&attributes))
        defer { posix_spawnattr_destroy(&attributes) }
        // A process group of its own, as `Process` gives it: a Ctrl-C meant for the tests is not its.
        try check(posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP)))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer {
            for argument in argv {
                free(argument)
            }
        }
        let environment = self.environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            for variable in environment ?? [] {
                free(variable)
            }
        }
        var pid: pid_t = 0
        if let environment {
            try check(posix_spawn(&pid, path, &actions, &attributes, argv, environment))
        } else {
            try check(posix_spawn(&pid, path, &actions, &attributes, argv, environ))
        }
        processIdentifier = pid

        // The child has its own copies now; the pipes' other ends stay here, so that EOF comes
        // when the child ends.
        if let pipe = standardInput as? Pipe {
            try? pipe.fileHandleForReading.close()
        }
        for stream in [standardOutput, standardError] {
            if let pipe = stream as? Pipe {
                try? pipe.fileHandleForWriting.close()
            }
        }
    }

    /// Waits until the process has ended.
    public func waitUntilExit() {
        precondition(processIdentifier > 0, "not started")
        status.withLock { status in
            guard status == nil else {
                return
            }
            var value: Int32 = 0
            while waitpid(processIdentifier, &value, 0) < 0 {
                guard errno == EINTR else {
                    value = 0
                    break
                }
            }
            status = value
        }
    }

    /// Whether the process has been started and not yet ended.
    public var isRunning: Bool {
        guard processIdentifier > 0 else {
            return false
        }
        // Another thread waiting holds the lock: the process is still running.
        return status.withLockIfAvailable { status -> Bool in
            guard status == nil else {
                return false
            }
            var value: Int32 = 0
            guard waitpid(processIdentifier, &value, WNOHANG) == processIdentifier else {
                return true
            }
            status = value
            return false
        } ?? true
    }

    /// The exit status, or the number of the signal that ended it. Only once it has ended.
    public var terminationStatus: Int32 {
        let value = reaped
        return value & 0x7f == 0 ? (value >> 8) & 0xff : value & 0x7f
    }

    public var terminationReason: TerminationReason {
        reaped & 0x7f == 0 ? .exit : .uncaughtSignal
    }

    /// Sends SIGTERM.
    public func terminate() {
        precondition(processIdentifier > 0, "not started")
        _ = kill(processIdentifier, SIGTERM)
    }

    /// Sends SIGINT.
    public func interrupt() {
        precondition(processIdentifier > 0, "not started")
        _ = kill(processIdentifier, SIGINT)
    }

    private var reaped: Int32 {
        guard let value = status.withLock({ $0 }) else {
            preconditionFailure("the process has not ended: wait for it first")
        }
        return value
    }

    /// Left unset: the child uses the test process's own stream.
    public struct Inherited: Sendable {}

    private static func isStream(_ value: Any?) -> Bool {
        value == nil || value is Pipe || value is FileHandle || value is Inherited
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc 2.34's `posix_spawn_file_actions_addclosefrom_np`; Swift's Glibc module does not
    /// import it (it sits behind `_GNU_SOURCE`), so it is looked up.
    private static let closeFrom: CloseFrom? = dlsym(
        UnsafeMutableRawPointer(bitPattern: 0),  // RTLD_DEFAULT
        "posix_spawn_file_actions_addclosefrom_np"
    ).map { unsafeBitCast($0, to: CloseFrom.self) }

    /// Closes every descriptor above the standard three in the child; `ENOSYS` on a glibc before
    /// 2.34, which has no `closefrom` action.
    private static func closeTheRest(_ actions: inout posix_spawn_file_actions_t) throws {
        guard let closeFrom else {
            throw POSIXError(.ENOSYS)
        }
        try check(closeFrom(&actions, 3))
    }
}

private func check(_ result: Int32) throws {
    guard result == 0 else {
        throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL)
    }
}
