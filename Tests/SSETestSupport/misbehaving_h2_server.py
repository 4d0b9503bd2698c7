#!/usr/bin/env python3
#===----------------------------------------------------------------------===//
#
# This source file is part of the swift-sse open source project
#
# Copyright (c) 2026 the swift-sse project authors
# Licensed under Apache License v2.0
#
# See LICENSE.txt for license information
# See CONTRIBUTORS.txt for the list of swift-sse project authors
#
# SPDX-License-Identifier: Apache-2.0
#
#===----------------------------------------------------------------------===//

"""An HTTP/2 event-stream server over TLS that sends `Connection: keep-alive` in its response head,
as HTTP/1.1 servers behind a careless proxy do, which RFC 9113 §8.2.2 forbids. Written from RFC 9113
and RFC 7541 with the standard library only (header blocks are literals, no Huffman coding).

    python3 misbehaving_h2_server.py CERTIFICATE KEY

prints the port it listens on (127.0.0.1) as its first line, then serves until killed.
"""

import socket
import ssl
import struct
import sys
import threading
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def literal(name, value):
    """A literal header field without indexing, with a new name (RFC 7541 §6.2.2)."""
    def string(text):
        data = text.encode()
        return bytes([len(data)]) + data
    return b"\x00" + string(name) + string(value)


def read_exactly(connection, count):
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def serve(connection):
    lock = threading.Lock()

    def send(data):
        with lock:
            connection.sendall(data)

    def stream_events(stream):
        head = b"\x88" + literal("content-type", "text/event-stream") + literal("cache-control", "no-cache") \
            + literal("connection", "keep-alive")
        send(frame(1, 0x4, stream, head))
        number = 0
        while True:
            number += 1
            send(frame(0, 0, stream, ("id: %d\ndata: event %d\n\n" % (number, number)).encode()))
            time.sleep(0.1)

    try:
        if read_exactly(connection, len(PREFACE)) != PREFACE:
            return
        send(frame(4, 0, 0))
        while True:
            header = read_exactly(connection, 9)
            length = int.from_bytes(header[0:3], "big")
            kind, flags = header[3], header[4]
            stream = int.from_bytes(header[5:9], "big") & 0x7FFFFFFF
            payload = read_exactly(connection, length)
            if kind == 4 and not flags & 0x1:
                send(frame(4, 0x1, 0))
            elif kind == 6 and not flags & 0x1:
                send(frame(6, 0x1, 0, payload))
            elif kind == 1:
                threading.Thread(target=stream_events, args=(stream,), daemon=True).start()
    except (ConnectionError, OSError, ssl.SSLError):
        pass
    finally:
        connection.close()


def main():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    context.set_alpn_protocols(["h2"])
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print(listener.getsockname()[1], flush=True)
    while True:
        raw, _ = listener.accept()
        try:
            connection = context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            continue
        threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
