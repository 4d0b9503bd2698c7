/// The live window of one audience (a topic, or a subscriber ID): its recent events, shared by all
/// of its subscribers, each reading at its own position. Publishing appends once, whatever the
/// number of subscribers; a subscriber that falls behind the window has overflowed.
struct AudienceStream {
    struct Event {
        let sequence: UInt64
        let event: QueuedEvent
    }

    let maximumEvents: Int
    let maximumBytes: Int
    private var events = Ring<Event>()
    private var bytes = 0
    /// The position of the first event in the window; positions count every event ever appended.
    private(set) var startPosition = 0
    var subscriberCount = 0
    /// Subscribers parked on this stream, to wake on its next event. An entry is stale once its
    /// subscriber was woken by another stream, or left; whoever reads the list checks.
    var parked: [BroadcasterStateMachine.Token] = []

    init(maximumEvents: Int, maximumBytes: Int) {
        self.maximumEvents = maximumEvents
        self.maximumBytes = maximumBytes
    }

    var endPosition: Int { startPosition + events.count }

    subscript(position: Int) -> Event { events[position - startPosition] }

    /// Appends an event, dropping the oldest beyond the limits (the newest always stays).
    mutating func append(_ event: Event) {
        events.append(event)
        bytes += event.event.bytes.count
        while events.count > maximumEvents || (bytes > maximumBytes && events.count > 1) {
            bytes -= events.popFirst()!.event.bytes.count
            startPosition += 1
        }
    }
}
