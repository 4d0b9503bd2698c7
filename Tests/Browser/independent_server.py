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
"""An independent SSE and long-poll test server for run_browser_tests.py, standard library only.

    python3 Tests/Browser/independent_server.py --port 0 --static Tests/Browser

A second implementation of the protocol, written from the documentation alone
(Sources/SSELongPolling/Docs.docc/LongPolling.md and BrowserScript.md), independent of the
package's fixture (Tests/SSEBrowserFixture), so that the browser suite can run sse.js against a
server that shares no code with the first. It prints `listening on PORT`.

The protocol, on GET /events?topic=T (one global sequence of numeric IDs, one bounded replay log):
- A stream: `200 text/event-stream`, chunked, with `X-Accel-Buffering: no`. It starts with
  `retry:`, replays the events after the cursor, then sends each live event of its topic as it is
  published, one write each, and a comment as heartbeat every few seconds.
- A long poll with `transport=poll`: a complete `text/event-stream` body with `Content-Length` and
  `Cache-Control: no-store`, `retry:` first. Events after the cursor that are ready come at once (at
  most 1,000, about 256 KiB); otherwise the poll waits up to the timeout (25 s) and, when nothing
  came, answers a block holding only `id:` with the newest ID. Without a cursor it answers at once
  with the newest ID, when anything was ever published. No answer goes before the minimum interval
  (250 ms from the request). More waiting polls than allowed (in all, or for one topic) get `503`
  with `Retry-After: 5`.
- The cursor is the `Last-Event-ID` header, else the `lastEventId` query parameter. A cursor the
  log cannot serve (older than the log, unknown, or not an ID this server gave) gets an
  `sse-replay-unavailable` event whose data names the cursor and whose `id:` is the newest ID.

The routes the harness needs besides (see run_browser_tests.py):
- GET /sse.js, the script (Sources/SSELongPolling/Assets/sse.js/, its parts joined by
  sse_script.py as the build joins them), and GET /sse.mjs, the same text with exports appended
  (`SSEEventSource` by name and as default), both `text/javascript` with an `ETag` and gzip;
  other files from the --static folder (page.html, the case files).
- POST /publish?topic=T (body: the data; `event=TYPE` optional): publishes, answers the ID.
- GET or POST /echo: a stream whose one `echo` event holds {"method", "token" (X-Token), "body"}.
- POST /control/drop: cuts every stream and waiting poll without an end.
- POST /control/restart?down=MS: stops listening and cuts every connection, for MS milliseconds
  (1000). The replay log and the IDs survive, as with a broadcaster that outlives the process.
- POST /control/gone: /events answers `204` until POST /control/back.
- GET /control/stats: {"open": open streams, "waiting": waiting polls, "goneRequests": 204s sent,
  "newestID": ...}.

Every response carries `Connection: close` (unless --keep-alive): a request cut without an answer
on a reused connection is resent by Chromium itself, past DevTools' offline emulation, so a poll
dropped on a kept-alive connection would not fail as one cut by the network does.

Every wait is bounded (streams and polls look at their socket and the log at least every 250 ms),
the log keeps at most --replay-count events and --replay-bytes bytes, and no byte is buffered.
"""

import argparse
import collections
import gzip
import hashlib
import http.server
import json
import mimetypes
import os
import re
import select
import socket
import socketserver
import sys
import threading
import time
import urllib.parse

import sse_script

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE_EXPORTS = (
    "\nconst SSEEventSource = globalThis.SSEEventSource;\n"
    "export { SSEEventSource };\n"
    "export default SSEEventSource;\n"
)
REPLAY_UNAVAILABLE = "sse-replay-unavailable"
TICK = 0.25  # the longest any wait goes without looking at its socket and the log
MAX_BODY = 1 << 20


def encode_event(event_id, data, event_type=None):
    """One event block: `event:`, a `data:` line per line of data, then `id:`."""
    lines = [f"event: {event_type}"] if event_type else []
    lines += [f"data: {line}" for line in re.split(r"\r\n|\r|\n", data)]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    return "\n".join(lines) + "\n\n"


class Request:
    """A stream or a long poll in progress, so that /control/drop and restarts can cut it."""

    def __init__(self, kind, sock, topic):
        self.kind = kind  # "stream", "echo" or "poll"
        self.sock = sock
        self.topic = topic
        self.dropped = False


class Hub:
    """The replay log, the live requests and the test switches, under one condition variable."""

    def __init__(self, args):
        self.args = args
        self.condition = threading.Condition()
        self.log = collections.deque()  # (id, topic, type, data, encoded bytes), IDs contiguous
        self.log_bytes = 0
        self.newest = 0  # the newest ID given, 0 before the first
        self.evicted = 0  # the ID of the last event to leave the log
        self.requests = set()
        self.waiting = collections.Counter()  # topic -> waiting polls
        self.gone = False
        self.gone_requests = 0

    # The log.

    def publish(self, topic, data, event_type=None):
        with self.condition:
            self.newest += 1
            encoded = encode_event(self.newest, data, event_type).encode()
            self.log.append((self.newest, topic, event_type, data, encoded))
            self.log_bytes += len(encoded)
            while len(self.log) > 1 and (len(self.log) > self.args.replay_count
                                         or self.log_bytes > self.args.replay_bytes):
                gone_id, _, _, _, gone_bytes = self.log.popleft()
                self.evicted = gone_id
                self.log_bytes -= len(gone_bytes)
            self.condition.notify_all()
            return self.newest

    def serves(self, cursor):
        """Whether the log holds every event after `cursor` (an int). Caller holds the lock."""
        return self.evicted <= cursor <= self.newest

    def after(self, position, topic, max_events=None, max_bytes=None):
        """The encoded events of `topic` after `position`, and the position they reach.

        Caller holds the lock and has checked `serves(position)`. Without limits, the position is
        the newest ID; with them, the ID of the last event taken when they cut the list short.
        """
        events = []
        size = 0
        start = position - self.evicted  # index of the first event after `position`
        for index in range(start, len(self.log)):
            event_id, event_topic, _, _, encoded = self.log[index]
            if event_topic != topic:
                continue
            if events and ((max_events and len(events) >= max_events)
                           or (max_bytes and size + len(encoded) > max_bytes)):
                return events, self.log[index - 1][0]
            events.append(encoded)
            size += len(encoded)
        return events, self.newest

    def unavailable(self, cursor):
        """The replay-unavailable block for `cursor`: its `id:` is the newest ID. Caller holds the lock."""
        number = int(cursor) if re.fullmatch(r"[0-9]{1,18}", cursor) else None
        reason = "too-old" if number is not None and number <= self.newest else "unknown"
        data = json.dumps({"lastEventID": cursor, "reason": reason,
                           "currentLastEventID": str(self.newest) if self.newest else ""})
        return encode_event(self.newest or None, data, REPLAY_UNAVAILABLE).encode()

    def resolve(self, cursor):
        """An int position for a cursor string the log can serve, else None."""
        if not re.fullmatch(r"[0-9]{1,18}", cursor):
            return None
        position = int(cursor)
        return position if self.serves(position) else None

    # Live requests.

    def register(self, request):
        with self.condition:
            self.requests.add(request)

    def unregister(self, request):
        with self.condition:
            self.requests.discard(request)

    def drop(self):
        """Cuts every stream and waiting poll: their sockets shut down without an end."""
        with self.condition:
            requests = list(self.requests)
            for request in requests:
                request.dropped = True
            self.condition.notify_all()
        for request in requests:
            shut(request.sock)
        return len(requests)

    def stats(self):
        with self.condition:
            kinds = collections.Counter(request.kind for request in self.requests)
            return {"open": kinds["stream"], "echo": kinds["echo"],
                    "waiting": sum(self.waiting.values()), "goneRequests": self.gone_requests,
                    "newestID": str(self.newest), "logCount": len(self.log)}


def shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def peer_left(sock):
    """Whether the client closed its side (or the socket broke), without blocking."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "swift-sse-independent/1"
    timeout = 60  # a bound on every read and write of the connection

    # The connection's lifetime, tracked for restarts.

    def setup(self):
        super().setup()
        self.server.app.track(self.connection)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.app.untrack(self.connection)

    def log_message(self, format, *args):
        if self.server.app.args.verbose:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    @property
    def app(self):
        return self.server.app

    @property
    def hub(self):
        return self.server.app.hub

    # Every response closes its connection unless --keep-alive: Chromium silently resends a request
    # cut without an answer on a reused connection, past DevTools' offline emulation, so a dropped
    # poll on a kept-alive connection would not fail as a cut network connection does.

    def send_header(self, keyword, value):
        if keyword.lower() == "connection":
            self.connection_header_sent = True
        super().send_header(keyword, value)

    def end_headers(self):
        if not self.app.args.keep_alive and not getattr(self, "connection_header_sent", False):
            self.send_header("Connection", "close")
        self.connection_header_sent = False
        super().end_headers()

    # Routing.

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def do_HEAD(self):
        self.route()

    def do_OPTIONS(self):
        # A CORS preflight: the header fields the script may send.
        self.send_response(204)
        self.cors()
        self.send_header("Access-Control-Allow-Methods", "GET, POST")
        self.send_header("Access-Control-Allow-Headers",
                         self.headers.get("Access-Control-Request-Headers") or "Last-Event-ID, Cache-Control, Content-Type")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        self.query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        path = url.path
        if self.app.args.verbose:
            self.log_message("started %s %s", self.command, self.path)
        body = self.read_body()
        if body is None:
            return
        try:
            if path == "/events":
                self.events()
            elif path == "/echo":
                self.echo(body)
            elif path == "/publish" and self.command == "POST":
                topic = self.query.get("topic", "default")
                event_id = self.hub.publish(topic, body.decode("utf-8", "replace"), self.query.get("event") or None)
                self.plain(200, str(event_id))
            elif path.startswith("/control/"):
                self.control(path[len("/control/"):])
            elif path in ("/sse.js", "/sse.mjs"):
                self.script(module=path.endswith(".mjs"))
            else:
                self.static(path)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError, OSError):
            self.close_connection = True

    def read_body(self):
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.plain(411, "send a Content-Length")
            self.close_connection = True
            return None
        try:
            length = int(length or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.plain(413, "body too large")
            self.close_connection = True
            return None
        return self.rfile.read(length) if length else b""

    # Plain responses.

    def cors(self):
        origin = self.headers.get("Origin")
        if origin:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")
            self.send_header("Access-Control-Expose-Headers", "Retry-After")

    def complete(self, status, body, content_type, headers=()):
        self.send_response(status)
        self.cors()
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def plain(self, status, text, headers=()):
        self.complete(status, text.encode(), "text/plain; charset=utf-8", headers)

    def script(self, module):
        try:
            text = sse_script.script()
        except OSError as error:
            self.plain(500, f"cannot read sse.js: {error}")
            return
        if module:
            text += MODULE_EXPORTS
        body = text.encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = [("ETag", etag), ("Cache-Control", "no-cache"), ("Vary", "Accept-Encoding")]
        if etag in [tag.strip() for tag in self.headers.get("If-None-Match", "").split(",")]:
            self.send_response(304)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if re.search(r"\bgzip\b", self.headers.get("Accept-Encoding", "")):
            body = gzip.compress(body, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        self.complete(200, body, "text/javascript; charset=utf-8", headers)

    def static(self, path):
        folder = self.app.args.static
        name = urllib.parse.unquote(path.lstrip("/"))
        if not folder or not name or "/" in name or "\\" in name or name.startswith("."):
            self.plain(404, "not found")
            return
        file_path = os.path.join(folder, name)
        if not os.path.isfile(file_path):
            self.plain(404, "not found")
            return
        with open(file_path, "rb") as file:
            body = file.read()
        content_type = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                        ".mjs": "text/javascript; charset=utf-8"}.get(os.path.splitext(name)[1])
        content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        self.complete(200, body, content_type, [("Cache-Control", "no-cache")])

    def control(self, action):
        hub = self.hub
        if action == "stats":
            self.complete(200, json.dumps(hub.stats()).encode(), "application/json")
        elif self.command != "POST":
            self.plain(405, "POST")
        elif action == "drop":
            self.plain(200, str(hub.drop()))
        elif action == "gone":
            with hub.condition:
                hub.gone = True
            self.plain(200, "gone")
        elif action == "back":
            with hub.condition:
                hub.gone = False
            self.plain(200, "back")
        elif action == "restart":
            try:
                down = max(0, min(int(self.query.get("down", "1000")), 60_000)) / 1000
            except ValueError:
                self.plain(400, "down: milliseconds")
                return
            self.plain(200, "restarting")
            self.wfile.flush()
            self.close_connection = True
            threading.Thread(target=self.app.restart, args=(down,), daemon=True).start()
        else:
            self.plain(404, "no such control")

    # Event streams and long polls.

    def cursor(self):
        """The cursor string, from `Last-Event-ID`, else the query parameter; None without one."""
        header = self.headers.get("Last-Event-ID")
        if header is not None and header != "":
            return header.strip()
        value = self.query.get(self.app.args.cursor_parameter)
        return value if value else None

    def events(self):
        hub = self.hub
        with hub.condition:
            if hub.gone:
                hub.gone_requests += 1
                gone = True
            else:
                gone = False
        if gone:
            self.send_response(204)
            self.cors()
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.query.get(self.app.args.transport_parameter) == "poll":
            self.poll()
        else:
            self.stream()

    def start_stream(self):
        self.send_response(200)
        self.cors()
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Accel-Buffering", "no")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True

    def chunk(self, data):
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def first_bytes(self):
        args = self.app.args
        padding = f":{' ' * (args.padding - 3)}\n\n".encode() if args.padding >= 3 else b""
        return padding + f"retry: {args.retry}\n\n".encode()

    def stream(self):
        hub = self.hub
        args = self.app.args
        topic = self.query.get("topic", "default")
        request = Request("stream", self.connection, topic)
        hub.register(request)
        try:
            cursor = self.cursor()
            with hub.condition:
                if cursor is None:
                    position, first = hub.newest, []
                else:
                    position = hub.resolve(cursor)
                    if position is None:
                        position, first = hub.newest, [hub.unavailable(cursor)]
                    else:
                        first, position = hub.after(position, topic)
            self.start_stream()
            self.chunk(self.first_bytes())
            for encoded in first:
                self.chunk(encoded)
            self.pump(request, topic, position)
        finally:
            hub.unregister(request)

    def pump(self, request, topic, position):
        """Sends the topic's events after `position` as they come, and heartbeats, until cut."""
        hub = self.hub
        heartbeat = time.monotonic() + self.app.args.heartbeat
        while not request.dropped and not peer_left(self.connection):
            with hub.condition:
                if hub.newest == position:
                    hub.condition.wait(min(TICK, max(0.0, heartbeat - time.monotonic())))
                if request.dropped:
                    return
                if hub.serves(position):
                    events, position = hub.after(position, topic)
                else:  # the stream fell behind the log
                    events, position = [hub.unavailable(str(position))], hub.newest
            for encoded in events:
                self.chunk(encoded)  # one write per event: nothing waits for the next
            if time.monotonic() >= heartbeat:
                self.chunk(b": heartbeat\n\n")
                heartbeat = time.monotonic() + self.app.args.heartbeat

    def echo(self, body):
        """A stream whose one `echo` event says what the request carried."""
        hub = self.hub
        request = Request("echo", self.connection, None)
        hub.register(request)
        try:
            echo = {"method": self.command, "token": self.headers.get("X-Token"),
                    "body": body.decode("utf-8", "replace")}
            self.start_stream()
            self.chunk(self.first_bytes())
            self.chunk(encode_event(None, json.dumps(echo), "echo").encode())
            heartbeat = time.monotonic() + self.app.args.heartbeat
            while not request.dropped and not peer_left(self.connection):
                with hub.condition:
                    hub.condition.wait(TICK)
                if time.monotonic() >= heartbeat:
                    self.chunk(b": heartbeat\n\n")
                    heartbeat = time.monotonic() + self.app.args.heartbeat
        finally:
            hub.unregister(request)

    def answer_poll(self, blocks):
        body = self.first_bytes() + b"".join(blocks)
        self.complete(200, body, "text/event-stream; charset=utf-8", [("Cache-Control", "no-store")])

    def poll(self):
        hub = self.hub
        args = self.app.args
        started = time.monotonic()
        earliest = started + args.minimum_interval
        deadline = started + args.timeout
        topic = self.query.get("topic", "default")
        cursor = self.cursor()
        with hub.condition:
            if cursor is None:
                if hub.newest:
                    # No cursor: the newest ID at once, so the next poll has one.
                    answer = [f"id: {hub.newest}\n\n".encode()]
                else:
                    answer, position = None, 0
            else:
                position = hub.resolve(cursor)
                answer = [hub.unavailable(cursor)] if position is None else None
            if answer is None:
                # About to wait (or answer after the minimum interval): counted as waiting.
                if (sum(hub.waiting.values()) >= args.maximum_waiting
                        or hub.waiting[topic] >= args.maximum_waiting_per_topic):
                    busy = True
                else:
                    busy = False
                    hub.waiting[topic] += 1
        if answer is not None:
            self.answer_poll(answer)
            return
        if busy:
            self.plain(503, "too many waiting polls", [("Retry-After", "5")])
            return
        request = Request("poll", self.connection, topic)
        hub.register(request)
        try:
            while True:
                now = time.monotonic()
                with hub.condition:
                    if request.dropped:
                        break
                    if not hub.serves(position):  # the log moved past the cursor meanwhile
                        answer = [hub.unavailable(str(position))]
                        break
                    events, _ = hub.after(position, topic, args.maximum_events, args.maximum_bytes)
                    if events and now >= earliest:
                        answer = events
                    elif now >= deadline:
                        # Nothing came: the newest ID, which is after every event of the topic.
                        answer = [f"id: {hub.newest}\n\n".encode()] if hub.newest else []
                    else:
                        until = earliest if events else deadline
                        hub.condition.wait(max(0.0, min(TICK, until - now)))
                if answer is not None or request.dropped or peer_left(self.connection):
                    break
        finally:
            hub.unregister(request)
            with hub.condition:
                hub.waiting[topic] -= 1
                if hub.waiting[topic] <= 0:
                    del hub.waiting[topic]
        if answer is None or request.dropped:
            # Cut (drop, restart) or the client left: no answer, and no reuse of the connection.
            self.close_connection = True
            shut(self.connection)
            return
        self.answer_poll(answer)


class HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def server_bind(self):
        # Skips HTTPServer.server_bind's reverse DNS lookup.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class App:
    """The listening server, which /control/restart takes down and brings back on the same port."""

    def __init__(self, args):
        self.args = args
        self.hub = Hub(args)
        self.lock = threading.Lock()
        self.sockets = set()
        self.httpd = None
        self.port = args.port

    def track(self, sock):
        with self.lock:
            self.sockets.add(sock)

    def untrack(self, sock):
        with self.lock:
            self.sockets.discard(sock)

    def listen(self):
        deadline = time.monotonic() + 10
        while True:
            try:
                httpd = HTTPServer((self.args.host, self.port), Handler)
                break
            except OSError:
                if self.port == 0 or time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)
        httpd.app = self
        self.port = httpd.server_address[1]
        self.httpd = httpd
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def restart(self, down):
        httpd = self.httpd
        httpd.shutdown()
        httpd.server_close()
        self.hub.drop()
        with self.lock:
            sockets = list(self.sockets)
        for sock in sockets:
            shut(sock)
        time.sleep(down)
        self.listen()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--static", help="the folder of page.html and the case files")
    parser.add_argument("--retry", type=int, default=500, help="the retry: field, in ms")
    parser.add_argument("--timeout", type=float, default=25.0, help="the long-poll wait, in s")
    parser.add_argument("--minimum-interval", type=float, default=0.25, help="in s")
    parser.add_argument("--maximum-events", type=int, default=1000)
    parser.add_argument("--maximum-bytes", type=int, default=256 * 1024)
    parser.add_argument("--maximum-waiting", type=int, default=10_000)
    parser.add_argument("--maximum-waiting-per-topic", type=int, default=1000)
    parser.add_argument("--padding", type=int, default=0, help="bytes of comment first (0: none)")
    parser.add_argument("--heartbeat", type=float, default=5.0, help="between stream comments, in s")
    parser.add_argument("--replay-count", type=int, default=1000)
    parser.add_argument("--replay-bytes", type=int, default=4 * 1024 * 1024)
    parser.add_argument("--cursor-parameter", default="lastEventId")
    parser.add_argument("--transport-parameter", default="transport")
    parser.add_argument("--keep-alive", action="store_true",
                        help="keep connections open between requests (a cut poll may then be resent by the browser)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    app = App(args)
    app.listen()
    print(f"listening on {app.port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
