/// Who a published event is for: the subscribers of a topic, or those with a subscriber ID.
enum Audience: Hashable, Sendable {
    case topic(String)
    case subscriber(String)
}

/// One published event, encoded once and shared by the replay log and every subscriber's queue.
final class BroadcastEntry: Sendable {
    /// The publish order, from 1; 0 for what is not published (heartbeats, signals, final events).
    let sequence: UInt64
    /// The event's ID, as sent.
    let id: String?
    /// The encoded event, ended by its blank line.
    let bytes: [UInt8]
    let audiences: [Audience]
    let coalescingKey: String?
    /// When it was published, on the broadcaster's clock.
    let time: Duration

    init(
        sequence: UInt64,
        id: String?,
        bytes: [UInt8],
        audiences: [Audience] = [],
        coalescingKey: String? = nil,
        time: Duration = .zero
    ) {
        self.sequence = sequence
        self.id = id
        self.bytes = bytes
        self.audiences = audiences
        self.coalescingKey = coalescingKey
        self.time = time
    }

    /// Whether a subscriber to `audiences` receives this entry.
    func isFor(_ subscriberAudiences: [Audience]) -> Bool {
        audiences.contains { subscriberAudiences.contains($0) }
    }
}
