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
import NIOCore

/// Runs a task's nonisolated async code on an event loop, as a task executor preference
/// ([SE-0417](https://github.com/swiftlang/swift-evolution/blob/main/proposals/0417-task-executor-preference.md)).
///
/// A connection's own stream is pulled by a task on an actor whose executor is the connection's
/// event loop. An iterator that implements `next(isolation:)` runs there; one with only `next()`
/// (most hand-written iterators, and many library sequences) is nonisolated and, without a
/// preference, runs on the global executor: two thread hops per event, about 35 µs of CPU. With
/// this preference the same `next()` runs on the loop's thread too, so the hop is a job on the
/// loop's queue instead.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
#endif
