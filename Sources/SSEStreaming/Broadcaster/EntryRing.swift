/// A first-in first-out queue of entries in a ring buffer: O(1) append and removal at both ends,
/// and no allocation once it has grown to its working size.
struct EntryRing {
    private var storage: [BroadcastEntry?] = []
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    var first: BroadcastEntry? { isEmpty ? nil : storage[head] }

    /// The entry `offset` places after the first.
    subscript(offset: Int) -> BroadcastEntry {
        precondition(offset >= 0 && offset < count, "offset out of range")
        return storage[slot(offset)]!
    }

    mutating func append(_ entry: BroadcastEntry) {
        if count == storage.count {
            grow()
        }
        storage[slot(count)] = entry
        count += 1
    }

    mutating func popFirst() -> BroadcastEntry? {
        guard count > 0 else {
            return nil
        }
        defer {
            storage[head] = nil
            head = (head + 1) & (storage.count - 1)
            count -= 1
        }
        return storage[head]
    }

    mutating func popLast() -> BroadcastEntry? {
        guard count > 0 else {
            return nil
        }
        count -= 1
        defer { storage[slot(count)] = nil }
        return storage[slot(count)]
    }

    private func slot(_ offset: Int) -> Int {
        (head + offset) & (storage.count - 1)
    }

    /// Doubles the storage (a power of two, so that slots wrap with a mask), first entry at 0.
    private mutating func grow() {
        var grown = [BroadcastEntry?](repeating: nil, count: Swift.max(8, storage.count * 2))
        for offset in 0..<count {
            grown[offset] = storage[slot(offset)]
        }
        storage = grown
        head = 0
    }
}
