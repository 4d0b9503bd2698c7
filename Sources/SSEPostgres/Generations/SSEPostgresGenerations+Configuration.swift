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

#if PostgresSupport
public import SSEStreaming

extension SSEPostgresGenerations {
    /// The limits of the generations, the lease of their owner, and how long a call waits for
    /// the database. Give every instance the same.
    ///
    /// ```swift
    /// var configuration = SSEPostgresGenerations.Configuration()
    /// configuration.limits.maximumDuration = .seconds(120)
    /// configuration.lease = .seconds(5)
    /// let generations = SSEPostgresGenerations(events: events, configuration: configuration)
    /// ```
    public struct Configuration: Sendable {
        /// The limits, as for `SSEGenerations`: `maximumRunningGenerations` counts the
        /// producers of one instance, the others hold for each generation;
        /// `maximumRetainedGenerations` bounds the ended copies an instance keeps.
        public var limits: SSEGenerations.Configuration

        /// How long the claim of an instance on a generation it runs lasts without being renewed
        /// (it renews every third of it). Every instance looks for lapsed leases every half lease
        /// (with jitter), so an instance that dies is noticed between one and about one and
        /// two-thirds leases after its last renewal, and its generations end with `interrupted`.
        /// Shorter notices sooner, and writes more often. Defaults to 10 seconds; at least
        /// 300 ms.
        public var lease: Duration

        /// How long a start, a stop or a new copy waits for the database before it fails with
        /// `SSEGenerationError.unavailable`, and a client that resumes with an event this
        /// instance has not received yet waits for it. Defaults to 5 seconds.
        public var timeout: Duration

        /// Creates a configuration with the defaults.
        public init() {
            limits = SSEGenerations.Configuration()
            lease = .seconds(10)
            timeout = .seconds(5)
        }
    }
}
#endif
