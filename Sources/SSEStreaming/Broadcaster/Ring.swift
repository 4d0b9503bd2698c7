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

/// A first-in first-out queue in a ring buffer: O(1) append and removal at both ends, and no
/// allocation once it has grown to its working size. Removal moves elements out, so handing an
/// element on costs no reference counting.
struct Ring<Element> {
    private var storage: [Element?] = []
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    var first: Element? { isEmpty ? nil : storage[head] }

    /// The element `offset` places after the first.
    subscript(offset: Int) -> Element {
        _read {
            precondition(offset >= 0 && offset < count, "offset out of range")
            yield storage[slot(offset)]!
        }
    }

    mutating func append(_ element: Element) {
        if count == storage.count {
            grow()
        }
        storage[slot(count)] = element
        count += 1
    }

    mutating func popFirst() -> Element? {
        guard count > 0 else {
            return nil
        }
        var element: Element?
        swap(&element, &storage[head])
        head = (head + 1) & (storage.count - 1)
        count -= 1
        return element
    }

    mutating func popLast() -> Element? {
        guard count > 0 else {
            return nil
        }
        count -= 1
        var element: Element?
        swap(&element, &storage[slot(count)])
        return element
    }

    private func slot(_ offset: Int) -> Int {
        (head + offset) & (storage.count - 1)
    }

    /// Doubles the storage (a power of two, so that slots wrap with a mask), first element at 0.
    private mutating func grow() {
        var grown = [Element?](repeating: nil, count: Swift.max(8, storage.count * 2))
        for offset in 0..<count {
            swap(&grown[offset], &storage[slot(offset)])
        }
        storage = grown
        head = 0
    }
}

extension Ring: Sendable where Element: Sendable {}
