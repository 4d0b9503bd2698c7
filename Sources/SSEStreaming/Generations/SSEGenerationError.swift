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

/// An error from ``SSEGenerations``: a start that is refused, or a publish into a generation that
/// is over.
///
/// Errors compare equal by kind, so they can be matched against the static members:
///
/// ```swift
/// do {
///     try generations.start(id) { writer in … }
/// } catch let error where error == .tooManyGenerations {
///     return .empty(.serviceUnavailable)
/// }
/// ```
public struct SSEGenerationError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case tooManyGenerations
        case invalidID
        case shutDown
        case ended
        case unencodable
        case unavailable
    }

    private let code: Code

    private init(code: Code) {
        self.code = code
    }

    /// ``SSEGenerations/Configuration/maximumRunningGenerations`` generations are running: the
    /// start was refused, and nothing was started. A server answers `503` with `Retry-After`.
    public static let tooManyGenerations = Self(code: .tooManyGenerations)

    /// The generation ID is empty, longer than 200 bytes, or contains CR, LF or NULL (it goes
    /// into every event's `id:` line).
    public static let invalidID = Self(code: .invalidID)

    /// The generations were shut down (``SSEGenerations/shutDown(finalEvent:)``): nothing starts.
    public static let shutDown = Self(code: .shutDown)

    /// The generation is over: stopped, past a limit, or shut down. What it publishes goes
    /// nowhere; its producer has been cancelled and should return.
    public static let ended = Self(code: .ended)

    /// The event cannot be encoded (a line break in its type, for instance); it was not published.
    public static let unencodable = Self(code: .unencodable)

    /// The store the generations share across instances (the database of
    /// `SSEPostgresGenerations`) did not answer in time. What was asked may have happened or
    /// not (a write can commit after the wait gave up); each call says what follows. A server
    /// answers `503` with `Retry-After`.
    public static let unavailable = Self(code: .unavailable)

    public var description: String {
        switch code {
        case .tooManyGenerations:
            "SSEGenerationError.tooManyGenerations: the maximum number of generations is running"
        case .invalidID:
            "SSEGenerationError.invalidID: a generation ID is 1 to 200 bytes without CR, LF or NULL"
        case .shutDown:
            "SSEGenerationError.shutDown: the generations were shut down"
        case .ended:
            "SSEGenerationError.ended: the generation is over (stopped, past a limit, or shut down)"
        case .unencodable:
            "SSEGenerationError.unencodable: the event cannot be encoded (a line break in its type?)"
        case .unavailable:
            "SSEGenerationError.unavailable: the generations' shared store did not answer in time"
        }
    }
}
