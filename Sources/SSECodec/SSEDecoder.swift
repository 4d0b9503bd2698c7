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

/// An incremental, byte-level decoder for the `text/event-stream` format.
///
/// Feed it chunks of any size, as they arrive; it produces events exactly as a browser's
/// `EventSource` would, whatever the chunk boundaries:
///
/// ```swift
/// var decoder = SSEDecoder()
/// for chunk in chunks {
///     try decoder.decode(chunk) { output in
///         if case .event(let event) = output {
///             print(event.type, event.data)
///         }
///     }
/// }
/// decoder.finish()  // end of stream: an event without its blank line is discarded
/// ```
///
/// The decoder implements [WHATWG HTML §9.2.6, Interpreting an event stream](https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
/// a leading byte order mark is removed once, even split across chunks; lines end in CRLF, LF or CR,
/// also when a CR ends one chunk and the LF starts the next; invalid UTF-8 becomes U+FFFD without
/// disturbing its neighbours.
///
/// It is linear in the total number of bytes whatever the chunk sizes: bytes already consumed are
/// never scanned again, and a value that arrives whole in one chunk is made into its string
/// straight from the input. Every buffer is bounded by ``Configuration/maximumLineLength`` and
/// ``Configuration/maximumEventSize``.
///
/// For a pull-style loop, as an async iterator needs, use ``next(from:offset:)``.
public struct SSEDecoder: Sendable {
    /// Limits and options of a decoder.
    public struct Configuration: Sendable, Hashable {
        /// The longest line accepted, in bytes, line terminator excluded.
        ///
        /// A longer line is dropped and reported as ``SSEDecodingError/lineTooLong``. Unless set, it
        /// follows ``maximumEventSize`` plus room for a field name (``fieldNameAllowance`` bytes),
        /// also when the event limit is changed later, so an event sent as one `data:` line is
        /// accepted up to the event limit. A line limit set below the event limit refuses large
        /// one-line events.
        public var maximumLineLength: Int {
            get {
                if let explicitLineLength {
                    return explicitLineLength
                }
                let (sum, overflow) = maximumEventSize.addingReportingOverflow(Self.fieldNameAllowance)
                return overflow ? .max : sum
            }
            set {
                precondition(newValue >= 0, "maximumLineLength must not be negative")
                explicitLineLength = newValue
            }
        }

        /// The line limit set explicitly, or `nil` to follow the event limit.
        private var explicitLineLength: Int?

        /// The largest event data accepted, in bytes (its `data:` values joined by LF).
        ///
        /// A larger event is dropped and reported as ``SSEDecodingError/eventTooLarge``. Defaults to 16 MiB.
        public var maximumEventSize: Int

        /// What the default line limit adds to the event limit: the `data: ` before a value, with
        /// room to spare.
        public static let fieldNameAllowance = 64

        /// Whether comment lines (`: text`) are reported as ``SSEDecoder/Output/comment(_:)``.
        ///
        /// Off by default: browsers ignore comments. Turn it on to observe heartbeats.
        public var reportsComments: Bool

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - maximumLineLength: The longest line accepted, in bytes. Must not be negative. `nil`
        ///     (the default) is `maximumEventSize` plus ``fieldNameAllowance``.
        ///   - maximumEventSize: The largest event data accepted, in bytes. Must not be negative.
        ///     16 MiB by default.
        ///   - reportsComments: Whether comment lines are reported.
        public init(
            maximumLineLength: Int? = nil,
            maximumEventSize: Int = 16 * 1024 * 1024,
            reportsComments: Bool = false
        ) {
            precondition(maximumLineLength.map { $0 >= 0 } ?? true, "maximumLineLength must not be negative")
            precondition(maximumEventSize >= 0, "maximumEventSize must not be negative")
            self.explicitLineLength = maximumLineLength
            self.maximumEventSize = maximumEventSize
            self.reportsComments = reportsComments
        }
    }

    /// What the decoder reports as it reads a stream.
    ///
    /// The cases mirror the effects the specification gives a stream: dispatching an event, setting
    /// the last event ID, setting the reconnection time, and (opt-in) comments.
    public enum Output: Sendable, Hashable {
        /// An event was dispatched by a blank line. Its `id` is the last event ID in effect.
        case event(ServerSentEvent)

        /// A blank line committed a new last event ID without dispatching an event (its data was empty).
        ///
        /// Together with the `id` of each ``event(_:)`` this tracks the last event ID a client sends as
        /// `Last-Event-ID` when it reconnects. `nil` means the ID was reset to empty.
        case lastEventID(String?)

        /// A `retry` field set the reconnection time, in milliseconds. It takes effect at once,
        /// whether or not an event follows.
        case retry(milliseconds: Int)

        /// A comment line, without its colon and one leading space. Reported only when
        /// ``Configuration/reportsComments`` is on.
        case comment(String)
    }

    /// The decoder's limits and options.
    public let configuration: Configuration
    /// `configuration.maximumLineLength`, worked out once: it is read on every line.
    private let maximumLineLength: Int

    /// The last event ID committed so far, `nil` while it is empty.
    ///
    /// It survives ``finish()``, as an `EventSource`'s last event ID survives a reconnection.
    public private(set) var lastEventID: String?

    private enum State: Sendable {
        /// Before the first line: `byteOrderMarkMatched` bytes of a byte order mark have been matched.
        case byteOrderMark
        case lineStart
        case fieldName
        case value
        /// Skipping the rest of a line that was dropped.
        case discardLine
    }

    private enum Field: Sendable {
        case data
        case event
        case id
        case retry
        case comment
        case ignored

        /// Fields whose loss would corrupt the event they belong to.
        var belongsToEvent: Bool {
            switch self {
            case .data, .event, .id, .retry: true
            case .comment, .ignored: false
            }
        }
    }

    private var state = State.byteOrderMark
    private var byteOrderMarkMatched = 0
    /// The previous line ended in CR: an LF right after it belongs to the same line end.
    private var afterCarriageReturn = false
    private var lineLength = 0
    /// The first eight bytes of the field name, little-endian, and its full length.
    private var fieldName: UInt64 = 0
    private var fieldNameLength = 0
    private var field = Field.ignored
    /// One leading space of the current value is still to be removed.
    private var stripSpace = false
    /// A limit was exceeded inside the current event: skip its lines up to the next blank line.
    private var discardingEvent = false

    /// The data buffer, without the trailing LF the specification appends and removes again.
    private var data = GrowableBytes()
    /// The event's only data value so far, when it arrived whole in one chunk: decoded straight from
    /// the input, it saves the copy through `data`. A second `data` line moves it into `data`.
    private var pendingData: String?
    /// Bytes of data received for the event (joining LFs included), as counted against the limit.
    private var dataSize = 0
    private var hasData = false
    /// The event type buffer; `nil` or empty means the default type.
    private var eventType: String?
    /// The previous event type, reused when the next `event` field has the same bytes.
    private var lastEventTypeBytes: [UInt8] = []
    private var lastEventType = ""
    /// The start of an `event`, `id` or comment value that continues in the next chunk. A value that
    /// ends in the chunk it started in is read straight from the input instead.
    private var partialValue = GrowableBytes()
    private var partialValueHasNull = false
    private var retryValue = 0
    private var retryDigits = 0
    private var retryValid = false
    /// The specification's last event ID buffer, committed to ``lastEventID`` at every blank line.
    private var lastEventIDBuffer: String?
    private var lastEventIDBufferIsSet = false

    /// Buffers that grew beyond this are released after use instead of being kept for the next event.
    private static let retainedCapacity = 64 * 1024

    /// Creates a decoder.
    ///
    /// - Parameters:
    ///   - configuration: Limits and options.
    ///   - lastEventID: The last event ID to start from, for a stream that resumes an earlier one.
    public init(configuration: Configuration = .init(), lastEventID: String? = nil) {
        self.configuration = configuration
        self.maximumLineLength = configuration.maximumLineLength
        self.lastEventID = lastEventID
        self.lastEventIDBuffer = lastEventID
    }

    /// Decodes from `buffer[offset...]` until one output is produced or the buffer is used up.
    ///
    /// Call it in a loop until it returns `nil`, then pass the next chunk. `offset` is advanced past
    /// every byte consumed, also when an error is thrown, so decoding can simply carry on after an
    /// error: the decoder has already dropped the offending line (and, for a field line or an
    /// oversized event, the event it belonged to).
    ///
    /// ```swift
    /// var offset = 0
    /// while let output = try decoder.next(from: buffer, offset: &offset) {
    ///     handle(output)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - buffer: A chunk of the stream.
    ///   - offset: Where to start in `buffer`; on return, where to continue.
    /// - Returns: The next output, or `nil` once every byte of `buffer` is consumed.
    /// - Throws: ``SSEDecodingError`` when a line or an event exceeds the configured limits.
    public mutating func next(
        from buffer: UnsafeRawBufferPointer,
        offset: inout Int
    ) throws(SSEDecodingError) -> Output? {
        precondition(offset >= 0 && offset <= buffer.count, "offset out of range")
        guard let base = buffer.baseAddress, offset < buffer.count else {
            return nil
        }
        // The usual line: `data:` at the start of an event, often a whole one-line event.
        if state == .lineStart && !afterCarriageReturn && !hasData && !discardingEvent
            && Self.isDataField(at: offset, in: base, end: buffer.count)
        {
            let start = offset
            if let output = firstDataLine(in: base, end: buffer.count, index: &offset) {
                return output
            }
            if offset != start && offset == buffer.count {
                return nil
            }
        }
        // The usual case with small reads: the chunk continues a data value. Extend it without
        // entering the full state machine.
        if state == .value && field == .data && !stripSpace {
            let start = offset
            let lineEnd = firstLineBreak(in: base, from: start, to: buffer.count)
            let piece = UnsafeRawBufferPointer(start: base + start, count: lineEnd &- start)
            offset = lineEnd
            guard lineEnd < buffer.count else {
                try appendPartialValue(piece)
                return nil
            }
            _ = try completeValue(lastPiece: piece)
            offset = consumeLineEnd(at: lineEnd, in: base, end: buffer.count)
            state = .lineStart
        }
        return try decodeNext(from: base, end: buffer.count, offset: &offset)
    }

    /// The state machine behind ``next(from:offset:)``.
    @inline(never)
    private mutating func decodeNext(
        from base: UnsafeRawPointer,
        end: Int,
        offset: inout Int
    ) throws(SSEDecodingError) -> Output? {
        var index = offset
        defer { offset = index }
        while index < end {
            switch state {
            case .byteOrderMark:
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                let matched = byteOrderMarkMatched
                if byte == Self.byteOrderMark(at: matched) {
                    index &+= 1
                    byteOrderMarkMatched = matched + 1
                    if matched == 2 {
                        state = .lineStart
                    }
                } else if matched == 0 {
                    state = .lineStart
                } else {
                    // The bytes taken for a mark were the start of the first line: a field name
                    // that matches no field.
                    state = .fieldName
                    fieldName = matched == 1 ? 0xEF : 0xBBEF
                    fieldNameLength = matched
                    lineLength = matched
                }

            case .lineStart:
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                if afterCarriageReturn {
                    afterCarriageReturn = false
                    if byte == ASCII.lineFeed {
                        index &+= 1
                        continue
                    }
                }
                if byte == ASCII.lineFeed || byte == ASCII.carriageReturn {
                    index = consumeLineEnd(at: index, in: base, end: end)
                    if let output = dispatch() {
                        return output
                    }
                    continue
                }
                if discardingEvent {
                    state = .discardLine
                    continue
                }
                if byte == ASCII.colon {
                    index &+= 1
                    lineLength = 1
                    try checkLineLength()
                    try beginValue(of: .comment)
                    continue
                }
                if !hasData && Self.isDataField(at: index, in: base, end: end) {
                    let start = index
                    if let output = firstDataLine(in: base, end: end, index: &index) {
                        return output
                    }
                    if index != start {
                        continue
                    }
                }
                if end &- index >= 8 {
                    // The usual fields, recognised with one load instead of byte by byte.
                    let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                    let known: (field: Field, length: Int)?
                    if word & 0xFF_FFFF_FFFF == Self.dataName | UInt64(ASCII.colon) &<< 32 {
                        known = (.data, 5)
                    } else if word & 0xFF_FFFF == Self.idName | UInt64(ASCII.colon) &<< 16 {
                        known = (.id, 3)
                    } else if word & 0xFFFF_FFFF_FFFF == Self.eventName | UInt64(ASCII.colon) &<< 40 {
                        known = (.event, 6)
                    } else {
                        known = nil
                    }
                    if let known {
                        index &+= known.length
                        lineLength = known.length
                        // As the byte-by-byte path decides it: a name over the limit drops only the
                        // line (the field is not known yet); a colon over it drops the event too.
                        try checkLineLength(dropsEvent: known.length &- 1 <= maximumLineLength)
                        try beginValue(of: known.field)
                        continue
                    }
                }
                lineLength = 0
                fieldName = 0
                fieldNameLength = 0
                state = .fieldName
                fallthrough

            case .fieldName:
                var name = fieldName
                var length = fieldNameLength
                var stop = index
                var byte: UInt8 = 0
                while stop < end {
                    byte = base.load(fromByteOffset: stop, as: UInt8.self)
                    if byte == ASCII.colon || byte == ASCII.lineFeed || byte == ASCII.carriageReturn {
                        break
                    }
                    if length < 8 {
                        name |= UInt64(byte) &<< (UInt64(length) &* 8)
                    }
                    length &+= 1
                    stop &+= 1
                }
                lineLength &+= stop &- index
                fieldName = name
                fieldNameLength = length
                index = stop
                // A field name longer than the limit names no known field: only the line is dropped.
                try checkLineLength()
                guard stop < end else {
                    continue
                }
                let field = Self.field(named: name, length: length)
                if byte != ASCII.colon {
                    // A line without a colon is a field with an empty value. Should that fail,
                    // `index` still points at the line end, which `.discardLine` then consumes.
                    try beginValue(of: field)
                    let output = try completeValue(lastPiece: UnsafeRawBufferPointer(start: base + index, count: 0))
                    index = consumeLineEnd(at: index, in: base, end: end)
                    state = .lineStart
                    if let output {
                        return output
                    }
                    continue
                }
                index &+= 1
                lineLength &+= 1
                try checkLineLength(dropsEvent: field.belongsToEvent)
                try beginValue(of: field)
                guard index < end else {
                    continue
                }
                fallthrough

            case .value:
                if stripSpace {
                    stripSpace = false
                    if base.load(fromByteOffset: index, as: UInt8.self) == ASCII.space {
                        index &+= 1
                        lineLength &+= 1
                        try checkLineLength(dropsEvent: field.belongsToEvent)
                        guard index < end else {
                            continue
                        }
                    }
                }
                let lineEnd = firstLineBreak(in: base, from: index, to: end)
                let piece = UnsafeRawBufferPointer(start: base + index, count: lineEnd &- index)
                // On a limit error `index` points at the line end, which `.discardLine` consumes.
                index = lineEnd
                guard lineEnd < end else {
                    try appendPartialValue(piece)
                    continue
                }
                let output = try completeValue(lastPiece: piece)
                index = consumeLineEnd(at: lineEnd, in: base, end: end)
                state = .lineStart
                if let output {
                    return output
                }

            case .discardLine:
                let lineEnd = firstLineBreak(in: base, from: index, to: end)
                index = lineEnd
                guard lineEnd < end else {
                    continue
                }
                index = consumeLineEnd(at: lineEnd, in: base, end: end)
                state = .lineStart
            }
        }
        return nil
    }

    /// Whether `data:` starts at `index`.
    @inline(__always)
    private static func isDataField(at index: Int, in base: UnsafeRawPointer, end: Int) -> Bool {
        end &- index >= 5
            && UInt32(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt32.self)) == UInt32(dataName)
            && base.load(fromByteOffset: index &+ 4, as: UInt8.self) == ASCII.colon
    }

    /// The commonest line on the wire: the first `data:` line of an event, taken in one step with one
    /// scan of its value. When the blank line follows in this chunk, the event is dispatched straight
    /// away, its data made into a string straight from the input; otherwise the line (or as much of
    /// it as this chunk holds) is stored as the state machine would store it.
    ///
    /// `index` points at "data:" and the event has no data yet. Returns the event, or `nil` with
    /// `index` moved past what was taken, or `nil` with `index` unchanged when a limit is reached:
    /// the state machine then takes the line and reports it.
    @inline(__always)
    private mutating func firstDataLine(in base: UnsafeRawPointer, end: Int, index: inout Int) -> Output? {
        var valueStart = index &+ 5
        guard maximumLineLength >= 5 else {
            return nil
        }
        guard valueStart < end else {
            // Whether a space follows is for the next chunk to tell.
            hasData = true
            field = .data
            state = .value
            stripSpace = true
            lineLength = 5
            index = end
            return nil
        }
        if base.load(fromByteOffset: valueStart, as: UInt8.self) == ASCII.space {
            valueStart &+= 1
        }
        let lineEnd = firstLineBreak(in: base, from: valueStart, to: end)
        let value = UnsafeRawBufferPointer(start: base + valueStart, count: lineEnd &- valueStart)
        guard lineEnd &- index <= maximumLineLength, value.count <= configuration.maximumEventSize else {
            return nil
        }
        hasData = true
        guard lineEnd < end else {
            // The line continues in the next chunk.
            data.append(value)
            dataSize = value.count
            field = .data
            state = .value
            stripSpace = false
            lineLength = lineEnd &- index
            index = end
            return nil
        }
        let text = String(decoding: value, as: UTF8.self)
        let next = consumeLineEnd(at: lineEnd, in: base, end: end)
        if next < end && !afterCarriageReturn {
            let byte = base.load(fromByteOffset: next, as: UInt8.self)
            if byte == ASCII.lineFeed || byte == ASCII.carriageReturn {
                // The blank line: a whole one-line event.
                hasData = false
                index = consumeLineEnd(at: next, in: base, end: end)
                return makeEvent(data: text)
            }
        }
        pendingData = text
        dataSize = value.count
        index = next
        return nil
    }

    /// Moves past the CR or LF at `lineEnd`, and past the LF of a CRLF when it is in this chunk;
    /// remembers a CR that ends the chunk, since the next chunk may start with its LF.
    @inline(__always)
    private mutating func consumeLineEnd(at lineEnd: Int, in base: UnsafeRawPointer, end: Int) -> Int {
        guard base.load(fromByteOffset: lineEnd, as: UInt8.self) == ASCII.carriageReturn else {
            return lineEnd &+ 1
        }
        let next = lineEnd &+ 1
        guard next < end else {
            afterCarriageReturn = true
            return next
        }
        return base.load(fromByteOffset: next, as: UInt8.self) == ASCII.lineFeed ? next &+ 1 : next
    }

    /// Ends the stream: discards an event that has not been completed by its blank line and makes the
    /// decoder ready for a new stream, which may again start with a byte order mark.
    ///
    /// ``lastEventID`` is kept, so the next stream continues from it, as an `EventSource` does across
    /// reconnections. See [WHATWG HTML §9.2.6](https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
    /// "If the file ends in the middle of an event, before the final empty line, the incomplete event
    /// is not dispatched."
    ///
    /// - Returns: `true` if anything was discarded: a pending event or a partial line.
    @discardableResult
    public mutating func finish() -> Bool {
        var discarded = hasData || eventType != nil || lastEventIDBufferIsSet || discardingEvent
        switch state {
        case .fieldName, .value, .discardLine:
            discarded = true
        case .byteOrderMark:
            discarded = discarded || byteOrderMarkMatched > 0
        case .lineStart:
            break
        }
        state = .byteOrderMark
        byteOrderMarkMatched = 0
        afterCarriageReturn = false
        lineLength = 0
        discardingEvent = false
        resetEvent()
        return discarded
    }

    // MARK: - Lines and fields

    private static func byteOrderMark(at index: Int) -> UInt8 {
        switch index {
        case 0: 0xEF
        case 1: 0xBB
        default: 0xBF
        }
    }

    // Field names packed as by the `.fieldName` state: first byte lowest.
    private static let dataName: UInt64 = 0x61_74_61_64  // "data"
    private static let eventName: UInt64 = 0x74_6E_65_76_65  // "event"
    private static let idName: UInt64 = 0x64_69  // "id"
    private static let retryName: UInt64 = 0x79_72_74_65_72  // "retry"

    /// Field names are case-sensitive byte strings; unknown fields are ignored.
    private static func field(named name: UInt64, length: Int) -> Field {
        switch length {
        case 4 where name == dataName: .data
        case 5 where name == eventName: .event
        case 2 where name == idName: .id
        case 5 where name == retryName: .retry
        default: .ignored
        }
    }

    private mutating func beginValue(of field: Field) throws(SSEDecodingError) {
        self.field = field
        stripSpace = true
        state = .value
        switch field {
        case .data:
            if hasData {
                // The LF that joins this value to the previous one.
                guard dataSize < configuration.maximumEventSize else {
                    let size = dataSize &+ 1
                    dropEvent()
                    state = .discardLine
                    throw .eventTooLarge(limit: configuration.maximumEventSize, size: size)
                }
                if let pending = pendingData.take() {
                    data.append(pending)
                }
                data.append(ASCII.lineFeed)
                dataSize &+= 1
            }
            hasData = true
        case .retry:
            retryValue = 0
            retryDigits = 0
            retryValid = true
        case .event, .id, .comment:
            // A value dropped at a limit may have left its start behind.
            if !partialValue.isEmpty {
                partialValue.removeAll(keepingCapacityUpTo: Self.retainedCapacity)
            }
            partialValueHasNull = false
        case .ignored:
            break
        }
    }

    /// Takes a piece of the current value that continues in the next chunk.
    private mutating func appendPartialValue(_ piece: UnsafeRawBufferPointer) throws(SSEDecodingError) {
        guard !piece.isEmpty else {
            return
        }
        try checkLimits(adding: piece.count)
        lineLength &+= piece.count
        switch field {
        case .data:
            data.append(piece)
            dataSize &+= piece.count
        case .event:
            partialValue.append(piece)
        case .id:
            partialValueHasNull = partialValueHasNull || piece.contains(ASCII.null)
            partialValue.append(piece)
        case .comment:
            if configuration.reportsComments {
                partialValue.append(piece)
            }
        case .retry:
            accumulateRetry(piece)
        case .ignored:
            break
        }
    }

    /// Takes the last piece of the current value (possibly empty) and applies the field.
    @inline(__always)
    private mutating func completeValue(lastPiece piece: UnsafeRawBufferPointer) throws(SSEDecodingError) -> Output? {
        try checkLimits(adding: piece.count)
        switch field {
        case .data:
            if dataSize == 0 {
                // The event's first data value, whole in this chunk: the usual one-line event.
                pendingData = String(decoding: piece, as: UTF8.self)
            } else {
                data.append(piece)
            }
            dataSize &+= piece.count
        case .event:
            eventType = partialString(appending: piece) ?? cachedEventType(piece)
        case .id:
            let whole = partialString(appending: piece)
            // An id containing NULL is ignored altogether.
            if !partialValueHasNull && !piece.contains(ASCII.null) {
                if let whole {
                    lastEventIDBuffer = whole
                } else {
                    lastEventIDBuffer = piece.isEmpty ? nil : String(decoding: piece, as: UTF8.self)
                }
                lastEventIDBufferIsSet = true
            }
        case .retry:
            accumulateRetry(piece)
            if retryValid && retryDigits > 0 {
                return .retry(milliseconds: retryValue)
            }
        case .comment:
            if configuration.reportsComments {
                return .comment(partialString(appending: piece) ?? String(decoding: piece, as: UTF8.self))
            }
        case .ignored:
            break
        }
        return nil
    }

    /// The whole value as a string when it started in an earlier chunk (the partial value with the
    /// last piece appended), or `nil` when the last piece is the whole value.
    private mutating func partialString(appending piece: UnsafeRawBufferPointer) -> String? {
        guard !partialValue.isEmpty else {
            return nil
        }
        partialValue.append(piece)
        let whole = partialValue.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        partialValue.removeAll(keepingCapacityUpTo: Self.retainedCapacity)
        return whole
    }

    /// `retry` counts only when its value is all ASCII digits; a value too large for `Int` is ignored.
    private mutating func accumulateRetry(_ bytes: UnsafeRawBufferPointer) {
        guard retryValid else {
            return
        }
        for byte in bytes {
            guard byte >= ASCII.zero && byte <= ASCII.nine else {
                retryValid = false
                return
            }
            let (times10, overflow1) = retryValue.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte &- ASCII.zero))
            guard !overflow1 && !overflow2 else {
                retryValid = false
                return
            }
            retryValue = sum
        }
        retryDigits &+= bytes.count
    }

    /// The event type as a string, reusing the previous event's string when the bytes are the same:
    /// streams repeat a handful of types.
    private mutating func cachedEventType(_ bytes: UnsafeRawBufferPointer) -> String {
        let same = lastEventTypeBytes.withUnsafeBytes { previous in
            guard previous.count == bytes.count else {
                return false
            }
            for index in 0..<bytes.count where previous[index] != bytes[index] {
                return false
            }
            return true
        }
        if !same {
            lastEventTypeBytes = Array(bytes)
            lastEventType = String(decoding: bytes, as: UTF8.self)
        }
        return lastEventType
    }

    /// A blank line: commit the last event ID, then dispatch the event if it has data.
    private mutating func dispatch() -> Output? {
        if discardingEvent {
            discardingEvent = false
            return nil
        }
        guard hasData else {
            eventType = nil
            guard lastEventIDBufferIsSet else {
                return nil
            }
            lastEventIDBufferIsSet = false
            let changed = !Self.sameBytes(lastEventIDBuffer, lastEventID)
            lastEventID = lastEventIDBuffer
            return changed ? .lastEventID(lastEventID) : nil
        }
        let text: String
        if let pending = pendingData.take() {
            text = pending
        } else {
            text = data.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
            data.removeAll(keepingCapacityUpTo: Self.retainedCapacity)
        }
        hasData = false
        dataSize = 0
        return makeEvent(data: text)
    }

    /// Dispatches an event with `data`: commits the last event ID and takes the event type.
    @inline(__always)
    private mutating func makeEvent(data text: String) -> Output {
        if lastEventIDBufferIsSet {
            // The event carries the ID; whether it changed does not matter here.
            lastEventIDBufferIsSet = false
            lastEventID = lastEventIDBuffer
        }
        let type: String
        if let eventType = eventType.take(), !eventType.isEmpty {
            type = eventType
        } else {
            type = ServerSentEvent.defaultType
        }
        return .event(ServerSentEvent(type: type, data: text, id: lastEventID))
    }

    /// Byte equality: `String ==` would call canonically equivalent IDs equal.
    private static func sameBytes(_ lhs: String?, _ rhs: String?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil): true
        case (var lhs?, var rhs?):
            lhs.withUTF8 { lhs in rhs.withUTF8 { rhs in lhs.elementsEqual(rhs) } }
        default: false
        }
    }

    // MARK: - Limits

    private mutating func checkLineLength(dropsEvent: Bool = false) throws(SSEDecodingError) {
        guard lineLength > maximumLineLength else {
            return
        }
        if dropsEvent {
            dropEvent()
        }
        state = .discardLine
        throw .lineTooLong(limit: maximumLineLength, size: lineLength)
    }

    /// Checks that `count` more bytes of the current value fit the line, and for data the event.
    @inline(__always)
    private mutating func checkLimits(adding count: Int) throws(SSEDecodingError) {
        let lineRoom = maximumLineLength &- lineLength
        let eventRoom = field == .data ? configuration.maximumEventSize &- dataSize : Int.max
        guard count > lineRoom || count > eventRoom else {
            return
        }
        // Whichever limit the earliest byte crosses is the one reported, so the outcome does not
        // depend on how the stream was split into chunks.
        if count > lineRoom && lineRoom <= eventRoom {
            lineLength &+= count
            try checkLineLength(dropsEvent: field.belongsToEvent)
        }
        let size = dataSize &+ count
        dropEvent()
        state = .discardLine
        throw .eventTooLarge(limit: configuration.maximumEventSize, size: size)
    }

    /// Forgets the event being built, including an `id` it set: a client must not resume after an
    /// event it never received. Its lines up to the next blank line are skipped.
    private mutating func dropEvent() {
        resetEvent()
        discardingEvent = true
    }

    private mutating func resetEvent() {
        hasData = false
        data = GrowableBytes()
        pendingData = nil
        dataSize = 0
        eventType = nil
        partialValue = GrowableBytes()
        lastEventIDBuffer = lastEventID
        lastEventIDBufferIsSet = false
    }
}

extension SSEDecoder {
    /// Decodes one chunk of the stream, calling `body` with each output in order.
    ///
    /// The whole chunk is always consumed. If a line or event exceeds a limit, it is dropped,
    /// decoding continues with the rest of the chunk, and the first such error is thrown once the
    /// chunk is done; the decoder can be fed the next chunk as usual. An error thrown by `body`
    /// stops decoding at once.
    ///
    /// - Parameters:
    ///   - bytes: A chunk of the stream, of any size.
    ///   - body: Called with each output.
    /// - Throws: The first ``SSEDecodingError`` of the chunk, or what `body` throws.
    @inlinable
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, _ body: (Output) throws -> Void) throws {
        var offset = 0
        var firstError: SSEDecodingError?
        while true {
            let output: Output?
            do {
                output = try next(from: bytes, offset: &offset)
            } catch {
                firstError = firstError ?? error
                continue
            }
            guard let output else {
                break
            }
            try body(output)
        }
        if let firstError {
            throw firstError
        }
    }

    /// Decodes one chunk of the stream, calling `body` with each output in order.
    ///
    /// See ``decode(_:_:)-(UnsafeRawBufferPointer,_)`` for how errors are reported.
    ///
    /// - Parameters:
    ///   - bytes: A chunk of the stream: `[UInt8]`, `ArraySlice<UInt8>`, or any sequence of bytes.
    ///   - body: Called with each output.
    @inlinable
    public mutating func decode<Bytes: Sequence<UInt8>>(_ bytes: Bytes, _ body: (Output) throws -> Void) throws {
        let handled: Void? = try bytes.withContiguousStorageIfAvailable { buffer in
            try decode(UnsafeRawBufferPointer(buffer), body)
        }
        if handled == nil {
            try Array(bytes).withUnsafeBytes { buffer in
                try decode(buffer, body)
            }
        }
    }
}
