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

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/2 client on a raw cleartext socket (prior knowledge), written from RFC 9113 and
/// RFC 7541 alone, for the frames no real client sends: floods, resets, windows never opened.
/// Header blocks are sent as literals without Huffman coding, and response header blocks are not
/// decoded (a test reads the frames' types, flags and data). Its methods block: call them in
/// `blocking`.
public struct RawHTTP2Connection: Sendable {
    public struct Frame: Sendable, CustomStringConvertible {
        public var type: FrameType
        public var flags: UInt8
        public var stream: UInt32
        public var payload: [UInt8]

        public var endStream: Bool { flags & 0x1 != 0 }

        /// The error code of a GOAWAY or RST_STREAM frame.
        public var errorCode: UInt32? {
            switch type {
            case .goAway where payload.count >= 8: Self.uint32(payload[4..<8])
            case .rstStream where payload.count >= 4: Self.uint32(payload[0..<4])
            default: nil
            }
        }

        /// The last stream ID of a GOAWAY frame.
        public var lastStreamID: UInt32? {
            type == .goAway && payload.count >= 4 ? Self.uint32(payload[0..<4]) & 0x7fff_ffff : nil
        }

        public var description: String {
            "\(type) stream \(stream) flags \(flags) \(payload.count) bytes" + (errorCode.map { " error \($0)" } ?? "")
        }

        static func uint32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            bytes.reduce(0) { $0 << 8 | UInt32($1) }
        }
    }

    public enum FrameType: UInt8, Sendable {
        case data = 0
        case headers, priority, rstStream, settings, pushPromise, ping, goAway, windowUpdate, continuation
    }

    /// HTTP/2 error codes (RFC 9113 §7).
    public enum ErrorCode {
        public static let noError: UInt32 = 0
        public static let protocolError: UInt32 = 1
        public static let refusedStream: UInt32 = 7
        public static let cancel: UInt32 = 8
        public static let compressionError: UInt32 = 9
        public static let enhanceYourCalm: UInt32 = 0xb
    }

    public let raw: RawConnection

    /// Connects and sends the client preface and a SETTINGS frame with `settings` (identifier,
    /// value); reads nothing yet.
    public init(port: Int, settings: [(UInt16, UInt32)] = []) throws {
        raw = try RawConnection(port: port)
        // Window updates are small writes: without this, Nagle's algorithm holds each one back
        // until the server acknowledges the last.
        var noDelay: Int32 = 1
        setsockopt(raw.socket, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        var bytes = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
        var payload: [UInt8] = []
        for (identifier, value) in settings {
            payload += [UInt8(identifier >> 8), UInt8(identifier & 0xff)] + Self.bytes(value)
        }
        bytes += Self.frame(.settings, flags: 0, stream: 0, payload: payload)
        send(bytes)
    }

    public func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(raw.socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    public func close() {
        raw.close()
    }

    /// A frame's bytes.
    public static func frame(_ type: FrameType, flags: UInt8, stream: UInt32, payload: [UInt8]) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), type.rawValue, flags]
            + bytes(stream & 0x7fff_ffff) + payload
    }

    /// A GET request's header block: each field a literal without indexing, no Huffman coding.
    public static func headerBlock(path: String, method: String = "GET", fields: [(String, String)] = []) -> [UInt8] {
        var block: [UInt8] = []
        let all = [(":method", method), (":scheme", "http"), (":authority", "127.0.0.1"), (":path", path)] + fields
        for (name, value) in all {
            block.append(0)
            block += integer(name.utf8.count) + Array(name.utf8)
            block += integer(value.utf8.count) + Array(value.utf8)
        }
        return block
    }

    /// Sends a request's HEADERS frame (END_HEADERS, and END_STREAM: no body).
    public func request(stream: UInt32, path: String, fields: [(String, String)] = []) {
        send(Self.frame(.headers, flags: 0x5, stream: stream, payload: Self.headerBlock(path: path, fields: fields)))
    }

    /// Opens `count` more bytes of the flow-control window of `stream` (0: the connection's).
    public func windowUpdate(stream: UInt32, _ count: Int) {
        send(Self.frame(.windowUpdate, flags: 0, stream: stream, payload: Self.bytes(UInt32(count))))
    }

    /// Reads the next frame, acknowledging the server's SETTINGS and PINGs on the way (and
    /// skipping WINDOW_UPDATE frames and acknowledgements); `nil` once the server has closed (or 30 seconds pass without a byte).
    public func nextFrame() -> Frame? {
        while true {
            guard let header = read(9) else {
                return nil
            }
            let length = Int(header[0]) << 16 | Int(header[1]) << 8 | Int(header[2])
            guard let payload = read(length) else {
                return nil
            }
            let frame = Frame(
                type: FrameType(rawValue: header[3]) ?? .priority,
                flags: header[4],
                stream: Frame.uint32(header[5..<9]) & 0x7fff_ffff,
                payload: payload
            )
            if frame.type == .settings && frame.flags & 0x1 == 0 {
                send(Self.frame(.settings, flags: 0x1, stream: 0, payload: []))
                continue
            }
            if frame.type == .ping && frame.flags & 0x1 == 0 {
                send(Self.frame(.ping, flags: 0x1, stream: 0, payload: frame.payload))
                continue
            }
            if frame.type == .settings || frame.type == .windowUpdate || frame.type == .ping {
                continue
            }
            return frame
        }
    }

    /// Reads (and drops) until the server closes the connection: `true` then, `false` if 30
    /// seconds pass without a byte first.
    public func awaitClose() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = recv(raw.socket, &buffer, buffer.count, 0)
            if count == 0 {
                return true
            }
            if count < 0 {
                return errno == ECONNRESET
            }
        }
    }

    /// Reads until the server's SETTINGS has come (and is acknowledged): after it, the server's
    /// limits apply to what this connection sends.
    public func awaitSettings() {
        while let header = read(9) {
            let length = Int(header[0]) << 16 | Int(header[1]) << 8 | Int(header[2])
            guard read(length) != nil else {
                return
            }
            if header[3] == FrameType.settings.rawValue && header[4] & 0x1 == 0 {
                send(Self.frame(.settings, flags: 0x1, stream: 0, payload: []))
                return
            }
        }
    }

    /// Reads frames until one matches; `nil` if the connection ends first. Every frame read is
    /// passed to `seen`.
    public func read(until match: (Frame) -> Bool, seen: (Frame) -> Void = { _ in }) -> Frame? {
        while let frame = nextFrame() {
            seen(frame)
            if match(frame) {
                return frame
            }
        }
        return nil
    }

    private func read(_ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let received = bytes.withUnsafeMutableBytes {
                recv(raw.socket, $0.baseAddress! + filled, count - filled, 0)
            }
            guard received > 0 else {
                return nil
            }
            filled += received
        }
        return bytes
    }

    static func bytes(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    /// An HPACK integer with a 7-bit prefix (RFC 7541 §5.1), the H bit clear.
    static func integer(_ value: Int) -> [UInt8] {
        guard value >= 127 else {
            return [UInt8(value)]
        }
        var bytes: [UInt8] = [127]
        var rest = value - 127
        while rest >= 128 {
            bytes.append(UInt8(rest % 128 + 128))
            rest /= 128
        }
        bytes.append(UInt8(rest))
        return bytes
    }
}
