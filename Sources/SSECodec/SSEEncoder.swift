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
        if writesType && Self.withUTF8(event.type, Self.containsLineBreak) {
            throw .lineBreakInEventType(event.type)
        }
        if let id = event.id {
            if Self.withUTF8(id, Self.containsLineBreak) {
                throw .lineBreakInID(id)
            }
            if Self.withUTF8(id, { $0.contains(ASCII.null) }) {
                throw .nullInID(id)
            }
        }
        Self.withWriter(into: &buffer) { writer, buffer in
            if let id = event.id {
                Self.withUTF8(id) { writer.writeField("id: ", $0, into: &buffer) }
            }
            if writesType {
                Self.withUTF8(event.type) { writer.writeField("event: ", $0, into: &buffer) }
            }
            Self.withUTF8(event.data) { writer.writeLines(of: $0, prefix: "data: ", into: &buffer) }
            writer.write(ASCII.lineFeed, into: &buffer)
        }
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
        Self.withWriter(into: &buffer) { writer, buffer in
            Self.withUTF8(text) { writer.writeLines(of: $0, prefix: ": ", into: &buffer) }
        }
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
        Self.withWriter(into: &buffer) { writer, buffer in
            Self.withUTF8(String(milliseconds)) { writer.writeField("retry: ", $0, into: &buffer) }
        }
    }

    /// The heartbeat: an empty comment line (`":\n"`), which keeps a quiet stream's connection
    /// open through proxies and lets both ends notice a dead peer. Every writer of a stream in
    /// this package sends these bytes.
    package static let heartbeat: [UInt8] = [ASCII.colon, ASCII.lineFeed]

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
    static func withUTF8<Result>(_ string: String, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        if let result = string.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        // Only a bridged string is not contiguous: copy it once.
        var string = string
        return string.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    @inlinable
    static func containsLineBreak(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else {
            return false
        }
        return firstLineBreak(in: base, from: 0, to: bytes.count) < bytes.count
    }

    /// Runs `body` with a writer that gathers small writes in a stack buffer and appends them to
    /// `buffer` in as few `append(contentsOf:)` calls as possible: a generic append costs far more
    /// than copying a few bytes.
    @inlinable
    static func withWriter<Buffer: RangeReplaceableCollection<UInt8>>(
        into buffer: inout Buffer,
        _ body: (inout ScratchWriter, inout Buffer) -> Void
    ) {
        withUnsafeTemporaryAllocation(byteCount: ScratchWriter.capacity, alignment: 1) { scratch in
            var writer = ScratchWriter(scratch: scratch)
            body(&writer, &buffer)
            writer.flush(into: &buffer)
        }
    }
}

/// Gathers bytes in a small caller-provided buffer and flushes them to a collection when full.
@usableFromInline
struct ScratchWriter {
    @usableFromInline static var capacity: Int { 512 }

    @usableFromInline let scratch: UnsafeMutableRawBufferPointer
    @usableFromInline var count = 0

    @inlinable
    init(scratch: UnsafeMutableRawBufferPointer) {
        self.scratch = scratch
    }

    @inlinable
    mutating func flush<Buffer: RangeReplaceableCollection<UInt8>>(into buffer: inout Buffer) {
        if count > 0 {
            buffer.append(contentsOf: UnsafeRawBufferPointer(start: scratch.baseAddress, count: count))
            count = 0
        }
    }

    @inlinable
    mutating func write<Buffer: RangeReplaceableCollection<UInt8>>(
        _ bytes: UnsafeRawBufferPointer,
        into buffer: inout Buffer
    ) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else {
            return
        }
        if bytes.count > scratch.count &- count {
            flush(into: &buffer)
            if bytes.count > scratch.count {
                buffer.append(contentsOf: bytes)
                return
            }
        }
        let destination = scratch.baseAddress.unsafelyUnwrapped.advanced(by: count)
        if bytes.count <= 16 {
            // Field prefixes and short values: cheaper than a call to memmove.
            for offset in 0..<bytes.count {
                destination.storeBytes(
                    of: source.load(fromByteOffset: offset, as: UInt8.self),
                    toByteOffset: offset,
                    as: UInt8.self
                )
            }
        } else {
            destination.copyMemory(from: source, byteCount: bytes.count)
        }
        count &+= bytes.count
    }

    @inlinable
    mutating func write<Buffer: RangeReplaceableCollection<UInt8>>(_ byte: UInt8, into buffer: inout Buffer) {
        if count == scratch.count {
            flush(into: &buffer)
        }
        scratch.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count &+= 1
    }

    @inlinable
    mutating func write<Buffer: RangeReplaceableCollection<UInt8>>(_ text: StaticString, into buffer: inout Buffer) {
        write(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount), into: &buffer)
    }

    /// Writes `name: value\n` (`prefix` is `name: `), or `name:\n` for an empty value.
    @inlinable
    mutating func writeField<Buffer: RangeReplaceableCollection<UInt8>>(
        _ prefix: StaticString,
        _ value: UnsafeRawBufferPointer,
        into buffer: inout Buffer
    ) {
        if value.isEmpty {
            // The prefix without its trailing space.
            write(UnsafeRawBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount &- 1), into: &buffer)
        } else {
            write(prefix, into: &buffer)
            write(value, into: &buffer)
        }
        write(ASCII.lineFeed, into: &buffer)
    }

    /// Writes one field line per line of `text`, splitting on CR, LF and CRLF and keeping empty
    /// lines.
    @inlinable
    mutating func writeLines<Buffer: RangeReplaceableCollection<UInt8>>(
        of text: UnsafeRawBufferPointer,
        prefix: StaticString,
        into buffer: inout Buffer
    ) {
        guard let base = text.baseAddress else {
            writeField(prefix, UnsafeRawBufferPointer(start: nil, count: 0), into: &buffer)
            return
        }
        let end = text.count
        var start = 0
        while true {
            let lineEnd = firstLineBreak(in: base, from: start, to: end)
            writeField(prefix, UnsafeRawBufferPointer(start: base + start, count: lineEnd &- start), into: &buffer)
            guard lineEnd < end else {
                return
            }
            start = lineEnd &+ 1
            if base.load(fromByteOffset: lineEnd, as: UInt8.self) == ASCII.carriageReturn && start < end
                && base.load(fromByteOffset: start, as: UInt8.self) == ASCII.lineFeed
            {
                start &+= 1
            }
        }
    }
}
