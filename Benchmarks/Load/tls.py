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


"""TLS and HTTP/2 under load, against one server that serves TLS (SSE_TLS_CERT, SSE_TLS_KEY).
Prints one JSON line:

- broadcast: h2load (nghttp2-client) opens N streams on 10 connections over HTTP/2 (N/10 streams
  each); once all are open, 1,000 events of 64 bytes go to every stream and the streams end. Wall
  time from the publish to h2load's end, deliveries per second, server CPU per delivery.
- own: one stream of 200,000 events written by its own request (`/own`), over HTTP/2 and over
  HTTP/1.1 on TLS (h2load --h1): server CPU per event.
- idle memory: the server's resident memory per idle TLS connection (HTTP/1.1, one open stream
  each) and per idle HTTP/2 stream (100 streams on each of the connections).

    python3 Benchmarks/Load/tls.py --port 18081 --server-pid PID --phase broadcast|own|idle-tls|idle-http2
        [--streams 1000] [--idle 1000]

127.0.0.1 only.
"""

import argparse
import json
import os
import re
import selectors
import socket
import ssl
import subprocess
import time
import urllib.request

UNVERIFIED = ssl._create_unverified_context()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf(os.sysconf_names["SC_CLK_TCK"])
    return (int(fields[11]) + int(fields[12])) / ticks


def resident_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def post(port, path):
    request = urllib.request.Request(f"https://127.0.0.1:{port}{path}", data=b"", method="POST")
    with urllib.request.urlopen(request, context=UNVERIFIED, timeout=10) as response:
        return response.read()


def h2load(arguments):
    run = subprocess.run(["h2load"] + arguments, capture_output=True, text=True, timeout=600)
    succeeded = re.search(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded", run.stdout)
    traffic = re.search(r"traffic: [^(]*\((\d+)\) total", run.stdout)
    return {
        "succeeded": int(succeeded.group(1)) if succeeded else 0,
        "bytes": int(traffic.group(1)) if traffic else 0,
        "output": run.stdout,
    }


def broadcast(port, pid, streams, events):
    connections = 10
    url = f"https://127.0.0.1:{port}/events"
    # No gzip: the tutorial servers never compress, and h2load asks for it by default.
    load = subprocess.Popen(
        ["h2load", "-H", "accept-encoding: identity", "-n", str(streams), "-c", str(connections), "-m",
         str(streams // connections), url],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    start_cpu = cpu_seconds(pid)
    start = time.monotonic()
    post(port, f"/broadcast?count={events}&size=64&after={streams}&end=1")
    output, _ = load.communicate(timeout=600)
    wall = time.monotonic() - start
    used = cpu_seconds(pid) - start_cpu
    succeeded = re.search(r"(\d+) succeeded", output)
    traffic = re.search(r"traffic: [^(]*\((\d+)\) total", output)
    deliveries = streams * events
    return {
        "streams": streams,
        "connections": connections,
        "events": events,
        "streamsEnded": int(succeeded.group(1)) if succeeded else 0,
        "bytes": int(traffic.group(1)) if traffic else 0,
        "seconds": round(wall, 3),
        "deliveriesPerSecond": round(deliveries / wall),
        "serverCPUMicrosecondsPerDelivery": round(used * 1e6 / deliveries, 3),
    }


def own(port, pid, count, http1):
    url = f"https://127.0.0.1:{port}/own?count={count}&size=64"
    start_cpu = cpu_seconds(pid)
    result = h2load(["-H", "accept-encoding: identity", "-n", "1", "-c", "1"] + (["--h1"] if http1 else []) + [url])
    used = cpu_seconds(pid) - start_cpu
    return {
        "events": count,
        "bytes": result["bytes"],
        "serverCPUNanosecondsPerEvent": round(used * 1e9 / count),
    }


def settle(pid):
    """Waits until the server's resident memory stops moving (at most 5 s)."""
    last = resident_bytes(pid)
    for _ in range(50):
        time.sleep(0.1)
        now = resident_bytes(pid)
        if abs(now - last) < 64 * 1024:
            return now
        last = now
    return last


def open_tls_streams(port, count):
    """Opens `count` TLS connections, each with one HTTP/1.1 stream whose head has arrived."""
    context = ssl._create_unverified_context()
    context.set_alpn_protocols(["http/1.1"])
    sockets = []
    for _ in range(count):
        raw = socket.create_connection(("127.0.0.1", port))
        tls = context.wrap_socket(raw)
        tls.sendall(b"GET /events HTTP/1.1\r\nHost: load\r\nAccept: text/event-stream\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += tls.recv(4096)
        sockets.append(tls)
    return sockets


def measured_per_item(pid, open_items, warm_up, items):
    """Resident memory per item held open. A few are opened and closed first, so that what the first
    connection of a kind costs the process once (code paged in, the TLS context's caches) is not
    counted per connection."""
    for sock in open_items(warm_up):
        sock.close()
    before = settle(pid)
    sockets = open_items(items)
    after = settle(pid)
    for sock in sockets:
        sock.close()
    return round((after - before) / items)


def idle_tls_connections(port, pid, count):
    return measured_per_item(pid, lambda n: open_tls_streams(port, n), 10, count)


def frame(kind, flags, stream, payload):
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + payload


def literal(name, value):
    return bytes([0, len(name)]) + name + bytes([len(value)]) + value


def open_http2_connections(port, connections, per_connection):
    """Opens `connections` HTTP/2 connections over TLS, each with `per_connection` streams whose
    response heads have arrived."""
    context = ssl._create_unverified_context()
    context.set_alpn_protocols(["h2"])
    sockets = []
    block = (
        literal(b":method", b"GET") + literal(b":scheme", b"https") + literal(b":authority", b"load")
        + literal(b":path", b"/events")
    )
    for _ in range(connections):
        tls = context.wrap_socket(socket.create_connection(("127.0.0.1", port)))
        if tls.selected_alpn_protocol() != "h2":
            raise SystemExit("the server did not negotiate h2")
        data = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b"")
        for index in range(per_connection):
            data += frame(1, 0x5, 2 * index + 1, block)
        tls.sendall(data)
        # Acknowledge the server's SETTINGS and read until every stream's response head came.
        received = b""
        heads = 0
        acknowledged = False
        while heads < per_connection:
            received += tls.recv(65536)
            while len(received) >= 9:
                length = int.from_bytes(received[0:3], "big")
                if len(received) < 9 + length:
                    break
                kind, flags = received[3], received[4]
                if kind == 4 and not flags & 1 and not acknowledged:
                    tls.sendall(frame(4, 1, 0, b""))
                    acknowledged = True
                if kind == 1:
                    heads += 1
                received = received[9 + length:]
        sockets.append(tls)
    return sockets


def idle_http2_streams(port, pid, connections, per_connection):
    # Per stream: the connections (opened per_connection streams at a time) are counted in.
    total = measured_per_item(
        pid, lambda n: open_http2_connections(port, n, per_connection), 1, connections
    ) * connections
    return round(total / (connections * per_connection))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--idle", type=int, default=1000)
    # Each phase on a fresh server: memory freed by one phase would be reused by the next.
    parser.add_argument("--phase", choices=["broadcast", "own", "idle-tls", "idle-http2"], required=True)
    options = parser.parse_args()
    port, pid = options.port, options.server_pid
    if options.phase == "broadcast":
        result = {"broadcast": broadcast(port, pid, options.streams, 1000)}
    elif options.phase == "own":
        result = {"ownHTTP2": own(port, pid, 200_000, http1=False), "ownHTTP1TLS": own(port, pid, 200_000, http1=True)}
    elif options.phase == "idle-tls":
        result = {"idleTLSConnectionBytes": idle_tls_connections(port, pid, options.idle)}
    else:
        result = {"idleHTTP2StreamBytes": idle_http2_streams(port, pid, options.idle // 100, 100)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
