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


"""What one connection's own stream costs a server (an AI answer, a per-user feed): S concurrent
curl clients each read `GET /own?count=N&size=64` to its end; the server's CPU time (user +
system, from /proc) over the run, divided by the events delivered, is its cost per event. Prints
one JSON line per case.

    python3 Benchmarks/Load/own.py --port 18081 --server-pid PID [--cases 1x50000,100x2000]

The clients are curl (`-sN`, output discarded), so the server is measured, not a Swift client.
"""

import argparse
import json
import os
import subprocess
import time


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf(os.sysconf_names["SC_CLK_TCK"])
    return (int(fields[11]) + int(fields[12])) / ticks


def run_case(port, pid, streams, events, size, source):
    url = f"http://127.0.0.1:{port}/own?count={events}&size={size}"
    if source:
        url += f"&source={source}"
    start_cpu = cpu_seconds(pid)
    start = time.monotonic()
    clients = [
        subprocess.Popen(["curl", "-sN", "-o", "-", url], stdout=subprocess.PIPE)
        for _ in range(streams)
    ]
    delivered = 0
    for client in clients:
        output, _ = client.communicate()
        delivered += output.count(b"\n\n")
    wall = time.monotonic() - start
    used = cpu_seconds(pid) - start_cpu
    return {
        "source": source or "isolated",
        "streams": streams,
        "eventsPerStream": events,
        "eventsDelivered": delivered,
        "seconds": round(wall, 3),
        "serverCPUSeconds": round(used, 3),
        "serverCPUMicrosecondsPerEvent": round(1e6 * used / max(delivered, 1), 2),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", default="server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--cases", default="1x50000,1x500000,100x2000")
    parser.add_argument("--size", type=int, default=64)
    # How a Swift server writes the stream (isolated, plain, stream, map); Go and Node ignore it.
    parser.add_argument("--sources", default="")
    options = parser.parse_args()
    for source in options.sources.split(","):
        for case in options.cases.split(","):
            streams, events = (int(part) for part in case.split("x"))
            result = run_case(options.port, options.server_pid, streams, events, options.size, source)
            print(json.dumps({"server": options.name} | result), flush=True)


if __name__ == "__main__":
    main()
