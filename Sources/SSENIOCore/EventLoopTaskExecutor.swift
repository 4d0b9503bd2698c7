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
package import NIOCore

/// Runs a task's nonisolated async code on an event loop, as a task executor preference
/// ([SE-0417](https://github.com/swiftlang/swift-evolution/blob/main/proposals/0417-task-executor-preference.md)).
///
/// A connection's own stream is pulled by a nonisolated task with this preference, so the pull,
/// the source's `next()` (whether or not its iterator implements `next(isolation:)`) and the
/// encoding run on an event loop with no job switch between them: one job runs until the source or
/// the channel makes it wait, and what is queued on the loop meanwhile (the write of the events
/// gathered) runs right after, which is how events ready together share one write. The embedded
/// server uses its connection's loop, the adapters a loop of their own. (Pulling on an actor
/// whose executor is the loop instead cost a thread hop per event to an iterator with only
/// `next()`, about 35 µs, and with this preference a job on the loop's queue per event, 12 µs.)
package final class EventLoopTaskExecutor: TaskExecutor {
    package let eventLoop: any EventLoop

    package init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
#endif
