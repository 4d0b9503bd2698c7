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


"""What a subscriber that stopped reading costs a server: N connections open an event stream,
read its head and then never read again, while M megabytes of events are published to them. One
more connection reads everything, which paces the bursts (each once it has the one before, so it
stays within its own queue) and says when they are over. Prints one JSON line: the
server's resident memory before the burst, after it and at its peak, and the growth per stalled
subscriber.

    python3 Benchmarks/Load/stalled.py --port 18081 --server-pid PID [--connections 1000]
        [--megabytes 20] [--size 1000]

The server must serve `GET /events` and `POST /broadcast?count=C&size=S` as the load servers do
(Benchmarks/Load/run.sh starts them; `run.sh --stalled` runs this against each). 127.0.0.1 only.
"""

import argparse
import json
import socket
import time


def resident_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def open_stream(port, receive_buffer=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        # A small window: the server's writes stall at once instead of filling the kernel's buffers.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.connect(("127.0.0.1", port))
    sock.sendall(b"GET /events HTTP/1.1\r\nHost: load\r\nAccept: text/event-stream\r\n\r\n")
    head = b""
    sock.settimeout(30)
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            raise SystemExit("the server closed a stream before its head")
        head += chunk
    return sock


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--megabytes", type=float, default=20)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=300)
    options = parser.parse_args()

    stalled = [open_stream(options.port, receive_buffer=4096) for _ in range(options.connections)]
    reader = open_stream(options.port)
    time.sleep(1)
    before = resident_kib(options.server_pid)

    # Published in bursts of 100 events, each once the reading connection has the one before,
    # so that it stays within its broadcaster queue; the stalled ones fall behind it all.
    count = int(options.megabytes * 1_000_000 / options.size)
    burst = 100
    reader.settimeout(options.timeout)
    seen = 0
    tail = b""
    deadline = time.monotonic() + options.timeout
    while seen < count and time.monotonic() < deadline:
        request = socket.create_connection(("127.0.0.1", options.port))
        request.sendall(
            f"POST /broadcast?count={burst}&size={options.size} HTTP/1.1\r\nHost: load\r\nContent-Length: 0\r\n\r\n".encode()
        )
        request.recv(4096)
        request.close()
        target = seen + burst
        while seen < target and time.monotonic() < deadline:
            try:
                data = reader.recv(1 << 20)
            except TimeoutError:
                # The server stopped publishing to the reader too (a publisher that blocks on
                # the stalled ones): report what it got.
                deadline = 0
                break
            if not data:
                deadline = 0
                break
            seen += (tail + data).count(b"\n\n")
            tail = data[-1:]
    time.sleep(1)
    after = resident_kib(options.server_pid)
    peak = resident_kib(options.server_pid, "VmHWM")
    print(json.dumps({
        "stalledConnections": options.connections,
        "publishedMB": options.megabytes,
        "eventsSeenByReader": seen,
        "serverRSSKiBBefore": before,
        "serverRSSKiBAfter": after,
        "serverPeakRSSKiB": peak,
        "growthKiBPerStalledSubscriber": round((after - before) / options.connections, 2),
        "peakGrowthKiBPerStalledSubscriber": round((peak - before) / options.connections, 2),
    }))
    for sock in stalled:
        sock.close()
    reader.close()


if __name__ == "__main__":
    main()
