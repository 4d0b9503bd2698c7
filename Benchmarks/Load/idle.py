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


"""What idle event streams cost a server while nothing is published: N connections open an event
stream and wait; over a few seconds the server's CPU time (user + system, from /proc) is measured.
Prints one JSON line. The Vapor adapter probes each quiet stream for a close every
`closeCheckInterval` (0.5 s by default): this shows what that costs next to a server that does
not need to.

    python3 Benchmarks/Load/idle.py --port 18081 --server-pid PID [--connections 10000] [--seconds 10]

127.0.0.1 only; N connections need N file descriptors here and in the server (`ulimit -n`).
"""

import argparse
import json
import os
import selectors
import socket
import time


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf(os.sysconf_names["SC_CLK_TCK"])
    # utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    return (int(fields[11]) + int(fields[12])) / ticks


def read_for(selector, seconds):
    """Reads whatever the streams send (heartbeats, heads) for `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.1):
            try:
                key.fileobj.recv(65536)
            except BlockingIOError:
                pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--connections", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=10)
    options = parser.parse_args()

    selector = selectors.DefaultSelector()
    streams = []
    for _ in range(options.connections):
        sock = socket.create_connection(("127.0.0.1", options.port))
        sock.sendall(b"GET /events HTTP/1.1\r\nHost: load\r\nAccept: text/event-stream\r\n\r\n")
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        streams.append(sock)
    # Let every stream open (and its head arrive) before measuring.
    read_for(selector, 3)
    start = cpu_seconds(options.server_pid)
    read_for(selector, options.seconds)
    used = cpu_seconds(options.server_pid) - start
    print(json.dumps({
        "idleConnections": options.connections,
        "seconds": options.seconds,
        "serverCPUSeconds": round(used, 3),
        "serverCPUPercent": round(100 * used / options.seconds, 1),
    }))
    for sock in streams:
        sock.close()


if __name__ == "__main__":
    main()
