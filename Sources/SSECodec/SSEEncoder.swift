/// Writes events, comments and `retry` fields in the `text/event-stream` format.
///
/// ```swift
/// let encoder = SSEEncoder()
/// var bytes: [UInt8] = []
/// try encoder.encodeRetry(milliseconds: 3000, into: &bytes)
/// try encoder.encode(ServerSentEvent(type: "chunk", data: "line 1\nline 2", id: "7"), into: &bytes)
/// encoder.encodeComment("heartbeat", into: &bytes)
/// // retry: 3000\nid: 7\nevent: chunk\ndata: line 1\ndata: line 2\n\n: heartbeat\n
/// ```
///
/// Data is split on CR, LF and CRLF into `data:` lines, empty lines included, so a client decodes
/// exactly the data that was encoded (line breaks normalised to LF, as the format requires). A value
/// that cannot be written safely (a line break in the event type or ID, NULL in the ID) is rejected
/// with an ``SSEEncodingError`` and nothing is written: the encoder never lets a value inject fields.
///
/// The encoder writes straight into any `RangeReplaceableCollection` of bytes, without building
/// intermediate strings.
///
/// See [WHATWG HTML §9.2.5, Parsing an event stream](https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream).
public struct SSEEncoder: Sendable {
    /// Creates an encoder.
    public init() {}

    /// Appends an event, ended by its blank line, to `buffer`.
    ///
    /// Writes `id` when the event has one, `event` unless the type is `"message"` or empty (both mean
    /// the default type), then one `data:` line per line of data.
    ///
    /// - Parameters:
    ///   - event: The event to write.
    ///   - buffer: Where to append the bytes.
    /// - Throws: ``SSEEncodingError`` if the type contains CR or LF, or the ID contains CR, LF or
    ///   NULL. Nothing is appended then.
    @inlinable
    public func encode<Buffer: RangeReplaceableCollection<UInt8>>(
        _ event: ServerSentEvent,
        into buffer: inout Buffer
    ) throws(SSEEncodingError) {
        let writesType = !event.type.isEmpty && event.type != ServerSentEvent.defaultType
        if writesType {
            try Self.withUTF8(event.type) { bytes throws(SSEEncodingError) in
                if Self.containsLineBreak(bytes) {
                    throw .lineBreakInEventType(event.type)
                }
            }
        }
        if let id = event.id {
            try Self.withUTF8(id) { bytes throws(SSEEncodingError) in
                if Self.containsLineBreak(bytes) {
                    throw .lineBreakInID(id)
                }
                if bytes.contains(ASCII.null) {
                    throw .nullInID(id)
                }
                Self.appendField("id", bytes, to: &buffer)
            }
        }
        if writesType {
            Self.withUTF8(event.type) { Self.appendField("event", $0, to: &buffer) }
        }
        Self.withUTF8(event.data) { Self.appendLines(of: $0, as: "data", to: &buffer) }
        buffer.append(ASCII.lineFeed)
    }

    /// Returns the bytes of an event, ended by its blank line.
    ///
    /// - Parameter event: The event to write.
    /// - Returns: The encoded event.
    /// - Throws: ``SSEEncodingError``, as ``encode(_:into:)`` does.
    public func encode(_ event: ServerSentEvent) throws(SSEEncodingError) -> [UInt8] {
        var bytes: [UInt8] = []
        try encode(event, into: &bytes)
        return bytes
    }

    /// Appends a comment, which clients ignore: the usual heartbeat that keeps proxies and idle
    /// timers from closing a quiet stream.
    ///
    /// A comment with line breaks is written as several comment lines; it cannot inject fields.
    ///
    /// - Parameters:
    ///   - text: The comment text; may be empty.
    ///   - buffer: Where to append the bytes.
    @inlinable
    public func encodeComment<Buffer: RangeReplaceableCollection<UInt8>>(_ text: String, into buffer: inout Buffer) {
        Self.withUTF8(text) { Self.appendLines(of: $0, as: "", to: &buffer) }
    }

    /// Appends a `retry` field, which sets the client's reconnection time.
    ///
    /// It applies at once, whether or not an event follows; written before an event, it belongs to
    /// that event's block.
    ///
    /// - Parameters:
    ///   - milliseconds: The reconnection time.
    ///   - buffer: Where to append the bytes.
    /// - Throws: ``SSEEncodingError/negativeRetry`` if `milliseconds` is negative.
    @inlinable
    public func encodeRetry<Buffer: RangeReplaceableCollection<UInt8>>(
        milliseconds: Int,
        into buffer: inout Buffer
    ) throws(SSEEncodingError) {
        guard milliseconds >= 0 else {
            throw .negativeRetry(milliseconds)
        }
        Self.withUTF8(String(milliseconds)) { Self.appendField("retry", $0, to: &buffer) }
    }

    /// Appends a comment line of `byteCount` bytes in total, newline included.
    ///
    /// Some proxies and old streaming-XHR clients buffer the first kilobytes of a response; a 2 KiB
    /// padding comment at the start of the stream pushes the first event through them.
    ///
    /// - Parameters:
    ///   - byteCount: The size of the line; at least 2 (`":\n"`).
    ///   - buffer: Where to append the bytes.
    @inlinable
    public func encodePadding<Buffer: RangeReplaceableCollection<UInt8>>(byteCount: Int, into buffer: inout Buffer) {
        precondition(byteCount >= 2, "a padding comment takes at least 2 bytes")
        buffer.append(ASCII.colon)
        buffer.append(contentsOf: repeatElement(ASCII.space, count: byteCount - 2))
        buffer.append(ASCII.lineFeed)
    }
}

extension SSEEncoder {
    @inlinable
    static func withUTF8<Result, Failure: Error>(
        _ string: String,
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        // Native strings are contiguous; a bridged one is copied once.
        var result: Swift.Result<Result, Failure>?
        string.utf8.withContiguousStorageIfAvailable { utf8 in
            result = Swift.Result { () throws(Failure) in try body(UnsafeRawBufferPointer(utf8)) }
        }
        if result == nil {
            var copy = string
            copy.withUTF8 { utf8 in
                result = Swift.Result { () throws(Failure) in try body(UnsafeRawBufferPointer(utf8)) }
            }
        }
        return try result!.get()
    }

    @inlinable
    static func containsLineBreak(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else {
            return false
        }
        return firstLineBreak(in: base, from: 0, to: bytes.count) < bytes.count
    }

    /// Appends `name: value\n`, or `name:\n` for an empty value.
    @inlinable
    static func appendField<Buffer: RangeReplaceableCollection<UInt8>>(
        _ name: StaticString,
        _ value: UnsafeRawBufferPointer,
        to buffer: inout Buffer
    ) {
        buffer.append(contentsOf: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        buffer.append(ASCII.colon)
        if !value.isEmpty {
            buffer.append(ASCII.space)
            buffer.append(contentsOf: value)
        }
        buffer.append(ASCII.lineFeed)
    }

    /// Appends one `name: line` per line of `text`, splitting on CR, LF and CRLF and keeping empty
    /// lines; an empty name writes comment lines.
    @inlinable
    static func appendLines<Buffer: RangeReplaceableCollection<UInt8>>(
        of text: UnsafeRawBufferPointer,
        as name: StaticString,
        to buffer: inout Buffer
    ) {
        guard let base = text.baseAddress else {
            appendField(name, UnsafeRawBufferPointer(start: nil, count: 0), to: &buffer)
            return
        }
        let end = text.count
        var start = 0
        while true {
            let lineEnd = firstLineBreak(in: base, from: start, to: end)
            appendField(name, UnsafeRawBufferPointer(start: base + start, count: lineEnd - start), to: &buffer)
            guard lineEnd < end else {
                return
            }
            start = lineEnd + 1
            if base.load(fromByteOffset: lineEnd, as: UInt8.self) == ASCII.carriageReturn && start < end
                && base.load(fromByteOffset: start, as: UInt8.self) == ASCII.lineFeed
            {
                start += 1
            }
        }
    }
}
