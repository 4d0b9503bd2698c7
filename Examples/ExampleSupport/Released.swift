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

/// A stream that calls `onRelease` once nothing holds it any more: when the server has stopped
/// reading it because the client went away or the server stopped. How the examples know who is
/// connected.
public struct Released<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable {
    public typealias Element = Base.Element

    let base: Base
    let token: Token

    /// `base`, with `onRelease` called once the sequence and its iterator are gone.
    public init(_ base: Base, onRelease: @escaping @Sendable () -> Void) {
        self.base = base
        self.token = Token(onRelease: onRelease)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let token: Token

        public mutating func next() async throws -> Element? {
            try await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), token: token)
    }

    /// Calls `onRelease` when the last copy goes.
    final class Token: Sendable {
        let onRelease: @Sendable () -> Void

        init(onRelease: @escaping @Sendable () -> Void) {
            self.onRelease = onRelease
        }

        deinit {
            onRelease()
        }
    }
}
