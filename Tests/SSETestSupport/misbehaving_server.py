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

"""An event-stream server that misbehaves on purpose, for SSEClient's tests. Standard library only.

    python3 misbehaving_server.py [PORT]

prints the port it listens on (127.0.0.1) as its first line, then serves until killed. Every route
takes `?client=ID`, so that tests running at once keep separate visit counts: most routes behave
differently on a client's first, second and later visits. `/log?client=ID` answers the requests
seen so far for that client as JSON (method, path with query, lower-cased headers, body).
"""

import http.server
import json
import socket
import sys
import threading
import time
import urllib.parse
import zlib

lock = threading.Lock()
visits = {}
requests = {}


def visit(client, route):
    with lock:
        visits[(client, route)] = visits.get((client, route), 0) + 1
        return visits[(client, route)]


class Handler(http.server.BaseHTTPRequestHandler):
    # HTTP/1.0: no Content-Length on streams, the body ends when the connection closes.
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def handle_any(self):
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        client = query.get("client", "")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        if url.path != "/log":
            with lock:
                requests.setdefault(client, []).append({
                    "method": self.command,
                    "path": self.path,
                    "headers": {name.lower(): value for name, value in self.headers.items()},
                    "body": body,
                })
        route = getattr(self, "route_" + url.path.strip("/").replace("-", "_"), None)
        if route is None:
            self.plain(404, "no such route")
            return
        route(client, query, visit(client, url.path))

    # Helpers

    def plain(self, status, text, content_type="text/plain", extra=()):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def stream_head(self, extra=()):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()

    def write(self, data, bytewise=False):
        if isinstance(data, str):
            data = data.encode()
        if not bytewise:
            self.wfile.write(data)
            return
        for index in range(len(data)):
            self.wfile.write(data[index:index + 1])
            time.sleep(0.0005)

    def no_content(self):
        self.send_response(204)
        self.end_headers()

    # Routes

    def route_log(self, client, query, n):
        with lock:
            self.plain(200, json.dumps(requests.get(client, [])), "application/json")

    def route_split(self, client, query, n):
        """A BOM, CRLF, CR and LF line ends and multi-byte characters, one byte per write."""
        if n == 1:
            self.stream_head()
            self.write(
                "\ufeffretry: 10\r\n"
                "id: 1\r\ndata: one\r\n\r\n"
                "id: 2\rdata: two\r\r"
                "id: 3\ndata: thr\ndata: ee\n\n"
                "data: \u00fcn\u00ef\u20ac\U0001F600\n\n",
                bytewise=True,
            )
        elif n == 2:
            self.stream_head()
            last = self.headers.get("Last-Event-ID", "")
            self.write("event: resumed\ndata: " + last + "\n\nid: 4\ndata: four\n\n", bytewise=True)
        else:
            self.no_content()

    def route_retry(self, client, query, n):
        """`retry` changes: 250 ms with no event, then 40 ms with one, then 204."""
        if n == 1:
            self.stream_head()
            self.write("retry: 250\n\n")
        elif n == 2:
            self.stream_head()
            self.write("retry: 40\ndata: x\n\n")
        else:
            self.no_content()

    def route_status(self, client, query, n):
        """`code` for the first `times` visits (with `Retry-After` if given), then one event, then 204."""
        times = int(query.get("times", "1000"))
        if n <= times:
            extra = [("Retry-After", query["retry_after"])] if "retry_after" in query else []
            self.plain(int(query.get("code", "500")), "E" * 5000, extra=extra)
        elif n == times + 1:
            self.stream_head()
            self.write("data: recovered\n\n")
        else:
            self.no_content()

    def route_endless_error(self, client, query, n):
        """A 500 whose body never ends."""
        self.send_response(500)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        while True:
            self.write("E" * 1024)
            time.sleep(0.01)

    def route_wrong_type(self, client, query, n):
        self.plain(200, "data: this is not an event stream\n\n", "text/plain")

    def route_br(self, client, query, n):
        self.stream_head([("Content-Encoding", "br")])
        self.write(b"\x0b\x02\x80data: x\n\n\x03")

    def route_redirect(self, client, query, n):
        """`code` to `to` (relative or absolute); the second visit and later 204. With `always`, to
        itself, for ever."""
        if n == 1 or "always" in query:
            self.send_response(int(query.get("code", "307")))
            self.send_header("Location", self.path if "always" in query else query["to"])
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.no_content()

    def route_echo(self, client, query, n):
        """One event with the request, then the end of the body; 204 from the third visit."""
        if n >= 3:
            self.no_content()
            return
        self.stream_head()
        with lock:
            seen = requests[client][-1]
        self.write("id: echo-" + str(n) + "\ndata: " + json.dumps(seen) + "\n\n")

    def route_mid_event(self, client, query, n):
        """Closes in the middle of an event; then reports the Last-Event-ID it got; then 204."""
        if n == 1:
            self.stream_head()
            self.write("id: a\ndata: complete\n\nid: b\ndata: partial")
        elif n == 2:
            self.stream_head()
            self.write("data: " + self.headers.get("Last-Event-ID", "") + "\n\n")
        else:
            self.no_content()

    def route_stall(self, client, query, n):
        """One event, then silence with the connection open, `times` visits in a row (1 by
        default); then 204."""
        if n <= int(query.get("times", "1")):
            self.stream_head()
            self.write("data: before " + str(n) + "\n\n")
            time.sleep(30)
        else:
            self.no_content()

    def route_gzip(self, client, query, n):
        """Three events, gzip with a sync flush after each, one byte per write; then 204."""
        if n > 1:
            self.no_content()
            return
        self.stream_head([("Content-Encoding", "gzip")])
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        for index in range(1, 4):
            data = compressor.compress(("id: g" + str(index) + "\ndata: zipped " + str(index) + "\n\n").encode())
            self.write(data + compressor.flush(zlib.Z_SYNC_FLUSH), bytewise=True)
        self.write(compressor.flush(zlib.Z_FINISH))

    def route_big(self, client, query, n):
        """An event of 2,000 bytes between two small ones; then 204."""
        if n > 1:
            self.no_content()
            return
        self.stream_head()
        self.write("data: first\n\ndata: " + "x" * 2000 + "\n\ndata: small\n\n")

    def route_huge(self, client, query, n):
        """One event of `mb` million bytes (14 by default) on a single `data:` line, then a small
        one; then 204."""
        if n > 1:
            self.no_content()
            return
        self.stream_head()
        self.write("data: " + "x" * (int(query.get("mb", "14")) * 1_000_000) + "\n\ndata: after\n\n")

    def route_heartbeats(self, client, query, n):
        """Comments around two events, as heartbeats come; then 204."""
        if n > 1:
            self.no_content()
            return
        self.stream_head()
        self.write(": heartbeat 1\n\ndata: one\n\n:heartbeat 2\n\n: heartbeat 3\ndata: two\n\n")

    def route_hostile_retry(self, client, query, n):
        """`retry: 99999999999` (three years) with an event, then the end of the body; then 204."""
        if n == 1:
            self.stream_head()
            self.write("retry: 99999999999\nid: h1\ndata: hostile\n\n")
        else:
            self.no_content()

    def route_long_retry(self, client, query, n):
        """`retry: 600000` (ten minutes) with an event, then the end of the body; then the
        Last-Event-ID it got as an event; then 204."""
        if n == 1:
            self.stream_head()
            self.write("retry: 600000\nid: r1\ndata: one\n\n")
        elif n == 2:
            self.stream_head()
            self.write("data: resumed after " + self.headers.get("Last-Event-ID", "") + "\n\n")
        else:
            self.no_content()

    def route_counter(self, client, query, n):
        """Events numbered from Last-Event-ID + 1, one every 20 ms, for ever."""
        self.stream_head([("X-Accel-Buffering", "no")])
        number = int(self.headers.get("Last-Event-ID") or 0)
        while True:
            number += 1
            self.write("id: " + str(number) + "\ndata: " + str(number) + "\n\n")
            time.sleep(0.02)


    # `sse doctor`'s patients: each stream publishes an event every 100 ms for `?seconds=` (default
    # 30), numbered after the client's Last-Event-ID, unless the route says otherwise.

    def events(self, first, seconds, heartbeat=None, burst=1, compressor=None, hold=False):
        """Writes `id: N` events from `first` every 100 ms for `seconds`: `burst` at a time (held
        back and written together), with a comment every `heartbeat` seconds, through
        `compressor` (never flushed), or all at once at the end with `hold`."""
        end = time.time() + seconds
        number = first
        pending = b""
        last_comment = time.time()
        try:
            while time.time() < end:
                pending += ("id: %d\ndata: event %d %s\n\n" % (number, number, "x" * 100)).encode()
                number += 1
                if heartbeat is not None and time.time() - last_comment >= heartbeat:
                    pending += b": ping\n\n"
                    last_comment = time.time()
                if not hold and (number - first) % burst == 0:
                    self.wfile.write(compressor.compress(pending) if compressor else pending)
                    pending = b""
                time.sleep(0.1)
            if compressor:
                pending = compressor.compress(pending) + compressor.flush()
            self.wfile.write(pending)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def next_id(self):
        last = self.headers.get("Last-Event-ID", "")
        return int(last) + 1 if last.isdigit() else 1

    def route_doctor_good(self, client, query, n):
        """What a stream should be: retry, heartbeats, resumes after Last-Event-ID, CORS."""
        self.stream_head([("Access-Control-Allow-Origin", "*")])
        self.write("retry: 2000\n\n")
        self.events(self.next_id(), float(query.get("seconds", 30)), heartbeat=0.5)

    def do_OPTIONS(self):
        """A preflight: allowed for doctor-good only."""
        if urllib.parse.urlsplit(self.path).path == "/doctor-good":
            self.send_response(204)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Methods", "GET")
            self.send_header("Access-Control-Allow-Headers", "Last-Event-ID")
            self.end_headers()
        else:
            self.send_response(405)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def route_doctor_buffered(self, client, query, n):
        """Every event held until the response ends (after `seconds`, default 2)."""
        self.stream_head()
        self.events(self.next_id(), float(query.get("seconds", 2)), hold=True)

    def route_doctor_bursts(self, client, query, n):
        """Events written ten at a time, a second apart, as a proxy's filling buffer passes them on."""
        self.stream_head()
        self.events(self.next_id(), float(query.get("seconds", 30)), burst=10)

    def route_doctor_content_length(self, client, query, n):
        """A Content-Length on the stream."""
        self.stream_head([("Content-Length", "1000000")])
        self.events(self.next_id(), float(query.get("seconds", 30)))

    def route_doctor_gzip(self, client, query, n):
        """gzip when asked, never flushed; plain events otherwise."""
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            self.stream_head([("Content-Encoding", "gzip")])
            self.events(self.next_id(), float(query.get("seconds", 30)), compressor=zlib.compressobj(6, zlib.DEFLATED, 31))
        else:
            self.stream_head()
            self.events(self.next_id(), float(query.get("seconds", 30)))

    def route_doctor_no_head(self, client, query, n):
        """Accepts the request and answers nothing for `seconds`, as a proxy waiting for a body."""
        time.sleep(float(query.get("seconds", 30)))

    def route_doctor_restart(self, client, query, n):
        """Ignores Last-Event-ID: every connection starts over from 1."""
        self.stream_head()
        self.events(1, float(query.get("seconds", 30)))

    def route_doctor_repeat(self, client, query, n):
        """Resumes from the Last-Event-ID, not after it: the client gets that event again."""
        self.stream_head()
        self.events(self.next_id() - 1 if self.headers.get("Last-Event-ID") else 1, float(query.get("seconds", 30)))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    server = Server(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
