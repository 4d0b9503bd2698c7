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

"""Many EventSource-like clients at once, written from the article "Replay and resuming"
(Sources/SSEStreaming/Docs.docc/Replay.md, "No reconnect storms"), not from the package's code.
Standard library only.

    python3 reconnect_storm.py URL --streams N --reconnect-url URL2 [--default-retry MS]

Opens N streams to URL (HTTP/1.1, chunked or not), prints `ready N` once every head has come,
then reads each to its end, as a browser does: it takes the last `retry:` field of the stream
(the default delay when there is none), waits that long and reconnects to URL2 (the instance that
took over), counting a reconnection when its head comes. Prints one JSON line: the retry each
stream got (null: none), and the reconnections per 100 ms from the first stream's end.
"""

import argparse
import asyncio
import json
import re
import sys
import time
from urllib.parse import urlsplit

RETRY = re.compile(rb"^retry: ?([0-9]+)$", re.MULTILINE)


def dechunk(body):
    """The payload of a chunked body (what arrived of it)."""
    out = bytearray()
    index = 0
    while True:
        end = body.find(b"\r\n", index)
        if end < 0:
            break
        size = int(body[index:end].split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += body[end + 2:end + 2 + size]
        index = end + 2 + size + 2
    return bytes(out)


async def open_stream(url):
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    target = parts.path + (("?" + parts.query) if parts.query else "")
    writer.write(f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head.decode(errors="replace"))
    return reader, writer, head


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--reconnect-url", required=True)
    parser.add_argument("--default-retry", type=int, default=3000, help="ms, as browsers use")
    arguments = parser.parse_args()

    opening = asyncio.Semaphore(200)

    async def opened():
        async with opening:
            return await open_stream(arguments.url)

    streams = await asyncio.gather(*(opened() for _ in range(arguments.streams)))
    print(f"ready {len(streams)}", flush=True)

    ends = []
    retries = [None] * len(streams)
    reconnected = []

    async def follow(index, reader, writer, head):
        body = await reader.read()  # to the end: the server ended the stream
        ends.append(time.monotonic())
        writer.close()
        if b"transfer-encoding: chunked" in head.lower():
            body = dechunk(body)
        found = RETRY.findall(body.replace(b"\r\n", b"\n").replace(b"\r", b"\n"))
        retries[index] = int(found[-1]) if found else None
        delay = retries[index] if retries[index] is not None else arguments.default_retry
        await asyncio.sleep(delay / 1000)
        for _ in range(50):
            try:
                _, again, _ = await open_stream(arguments.reconnect_url)
                reconnected.append(time.monotonic())
                again.close()
                return
            except (OSError, RuntimeError, asyncio.IncompleteReadError):
                await asyncio.sleep(0.1)

    await asyncio.gather(*(follow(i, *stream) for i, stream in enumerate(streams)))
    start = min(ends)
    buckets = {}
    for moment in reconnected:
        bucket = int((moment - start) * 10)
        buckets[bucket] = buckets.get(bucket, 0) + 1
    histogram = [buckets.get(b, 0) for b in range(max(buckets) + 1)] if buckets else []
    print(json.dumps({"retries": retries, "reconnected": len(reconnected), "perHundredMilliseconds": histogram}))


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
