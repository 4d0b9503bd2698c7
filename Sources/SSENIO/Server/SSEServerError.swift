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
/// Why an ``SSEServer`` could not do what was asked.
public struct SSEServerError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case alreadyRunning
        case invalidTLSConfiguration
        case connectionLimitReached
    }

    private let code: Code

    /// What was wrong, in words; empty for ``alreadyRunning``. Not compared: errors of one kind
    /// are equal whatever their reason.
    public let reason: String

    private init(code: Code, reason: String = "") {
        self.code = code
        self.reason = reason
    }

    /// ``SSEServer/run()`` was called while another call of it was running.
    public static let alreadyRunning = Self(code: .alreadyRunning)

    /// The TLS certificate chain or key cannot be used (a file missing or not PEM, an empty chain,
    /// a key that does not belong to the certificate), or a reload was asked of a server without
    /// TLS: thrown by ``SSEServer/run()`` before it listens, and by
    /// ``SSEServer/reloadTLSCertificates()``, which then changes nothing. Compare with `==`; the
    /// ``reason`` says what was wrong.
    public static let invalidTLSConfiguration = Self(code: .invalidTLSConfiguration)

    /// A connection was accepted while ``SSEServer/Configuration-swift.struct/maximumConnections``
    /// were open, and closed at once (never thrown to a caller: what closes the connection).
    public static let connectionLimitReached = Self(code: .connectionLimitReached)

    static func invalidTLSConfiguration(_ reason: String) -> Self {
        Self(code: .invalidTLSConfiguration, reason: reason)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }

    public var description: String {
        switch code {
        case .alreadyRunning: "SSEServerError.alreadyRunning: the server is running already"
        case .invalidTLSConfiguration: "SSEServerError.invalidTLSConfiguration: \(reason)"
        case .connectionLimitReached: "SSEServerError.connectionLimitReached: as many connections as allowed are open"
        }
    }
}
#endif
