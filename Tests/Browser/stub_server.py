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
"""A stand-in for the SSEBrowserFixture executable, speaking the same protocol.

It lets the browser harness be developed and run without building the Swift fixture:

    stub_server.py --port 0 --static Tests/Browser

prints `listening on PORT` once it accepts connections. See run_browser_tests.py for the routes.
"""

import argparse
import http.server
import json
import os
import select
import socket
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCRIPT = os.path.join(HERE, "..", "..", "Sources", "SSELongPolling", "Assets", "sse.js")
MODULE_SUFFIX = "\nexport const SSEEventSource = globalThis.SSEEventSource;\nexport default SSEEventSource;\n"
RETRY_PREFIX = b"retry: 500\n\n"
POLL_TIMEOUT = 3.0
REPLAY_LOG_LIMIT = 10_000
# How often a waiting stream looks at its socket, the drop generation and the restart flag.
WAKE_INTERVAL = 0.2
STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css"}


def encode_event(event_id, event_type, data):
    lines = [f"id: {event_id}"]
    if event_type != "message":
        lines.append(f"event: {event_type}")
    lines += [f"data: {line}" for line in data.split("\n")]
    return ("\n".join(lines) + "\n\n").encode()


class Broadcaster:
    """Every published event, in global order, with a bounded replay log."""

    def __init__(self):
        self.condition = threading.Condition()
        self.log = []  # (id, topic, type, data), oldest first
        self.next_id = 1
        # Bumped by /control/drop and /control/restart: streams started under an older one end.
        self.generation = 0

    def publish(self, topic, data, event_type="message"):
        with self.condition:
            event_id = self.next_id
            self.next_id += 1
            self.log.append((event_id, topic, event_type, data))
            del self.log[:-REPLAY_LOG_LIMIT]
            self.condition.notify_all()
            return event_id

    def newest(self):
        return self.next_id - 1 if self.next_id > 1 else None

    def after(self, topic, cursor):
        """The events of `topic` after `cursor`, and whether the log still reaches back to it."""
        complete = not self.log or cursor >= self.log[0][0] - 1
        return [event for event in self.log if event[0] > cursor and event[1] == topic], complete

    def end_all(self):
        with self.condition:
            self.generation += 1
            self.condition.notify_all()


class State:
    def __init__(self, script_path, static_dir):
        self.broadcaster = Broadcaster()
        self.script_path = script_path
        self.static_dir = os.path.abspath(static_dir)
        self.lock = threading.Lock()
        self.open = 0
        self.requests = 0
        self.gone_requests = 0
        self.gone = False
        self.connections = set()
        self.server = None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: State = None

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        with self.state.lock:
            self.state.connections.add(self.connection)

    def finish(self):
        with self.state.lock:
            self.state.connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    # Routing

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        path, method = url.path, self.command
        if path == "/events" and method == "GET":
            return self.events(query)
        if path == "/echo":
            return self.echo(body)
        if path == "/publish" and method == "POST":
            return self.respond(200, str(self.state.broadcaster.publish(query.get("topic", ""), body)))
        if path == "/control/drop" and method == "POST":
            self.state.broadcaster.end_all()
            return self.respond(200, "dropped")
        if path == "/control/restart" and method == "POST":
            down = int(query.get("down", "1000")) / 1000
            self.respond(200, "restarting")
            threading.Thread(target=restart, args=(self.state, down), daemon=True).start()
            return
        if path in ("/control/gone", "/control/back") and method == "POST":
            self.state.gone = path == "/control/gone"
            return self.respond(200, "gone" if self.state.gone else "back")
        if path == "/control/stats" and method == "GET":
            with self.state.lock:
                stats = {"open": self.state.open, "requests": self.state.requests,
                         "goneRequests": self.state.gone_requests}
            return self.respond(200, json.dumps(stats), "application/json")
        if path == "/sse.js" and method == "GET":
            return self.respond(200, self.script(), "text/javascript")
        if path == "/sse.mjs" and method == "GET":
            return self.respond(200, self.script() + MODULE_SUFFIX, "text/javascript")
        if method == "GET":
            return self.static(path)
        return self.respond(404, "not found")

    def respond(self, status, text, content_type="text/plain; charset=utf-8", extra=()):
        payload = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-cache")
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def script(self):
        with open(self.state.script_path, encoding="utf-8") as file:
            return file.read()

    def static(self, path):
        name = os.path.normpath(urllib.parse.unquote(path).lstrip("/"))
        full = os.path.join(self.state.static_dir, name)
        if name.startswith("..") or not os.path.isfile(full):
            return self.respond(404, "not found")
        with open(full, encoding="utf-8") as file:
            text = file.read()
        self.respond(200, text, STATIC_TYPES.get(os.path.splitext(name)[1], "application/octet-stream"))

    # Streams

    def client_gone(self):
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def cursor(self, query):
        value = self.headers.get("Last-Event-ID")
        if value is None:
            value = query.get("lastEventId")
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            return 0

    def start_stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Accel-Buffering", "no")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def write_chunk(self, payload):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(payload), payload))

    def events(self, query):
        state = self.state
        with state.lock:
            state.requests += 1
            if state.gone:
                state.gone_requests += 1
        if state.gone:
            self.send_response(204)
            self.end_headers()
            return
        with state.lock:
            state.open += 1
        try:
            if query.get("transport") == "poll":
                self.poll(query)
            else:
                self.stream(query)
        except OSError:
            self.close_connection = True
        finally:
            with state.lock:
                state.open -= 1

    def stream(self, query):
        if query.get("hold") in ("1", "2"):
            return self.hold(query["hold"] == "1")
        broadcaster = self.state.broadcaster
        topic = query.get("topic", "")
        cursor = self.cursor(query)
        with broadcaster.condition:
            generation = broadcaster.generation
            if cursor is None:
                cursor = broadcaster.newest() or 0
                backlog, complete = [], True
            else:
                backlog, complete = broadcaster.after(topic, cursor)
        self.start_stream()
        self.write_chunk(RETRY_PREFIX)
        if not complete:
            self.write_chunk(encode_event(cursor, "sse-replay-unavailable", str(cursor)))
        while True:
            if backlog:
                self.write_chunk(b"".join(encode_event(e[0], e[2], e[3]) for e in backlog))
                cursor = backlog[-1][0]
            if self.client_gone():
                self.close_connection = True
                return
            with broadcaster.condition:
                if broadcaster.generation == generation:
                    backlog, _ = broadcaster.after(topic, cursor)
                    if not backlog:
                        broadcaster.condition.wait(WAKE_INTERVAL)
                        backlog, _ = broadcaster.after(topic, cursor)
                ended = broadcaster.generation != generation
            if ended:
                # A clean end of the chunked body, then the connection goes as well.
                self.wfile.write(b"0\r\n\r\n")
                self.close_connection = True
                return

    def hold(self, send_head):
        """A proxy that buffers: the head of a stream (or not even that), then nothing until a drop."""
        broadcaster = self.state.broadcaster
        with broadcaster.condition:
            generation = broadcaster.generation
        if send_head:
            self.start_stream()
        while not self.client_gone():
            with broadcaster.condition:
                if broadcaster.generation != generation:
                    break
                broadcaster.condition.wait(WAKE_INTERVAL)
        self.close_connection = True

    def poll(self, query):
        broadcaster = self.state.broadcaster
        topic = query.get("topic", "")
        cursor = self.cursor(query)
        deadline = time.monotonic() + POLL_TIMEOUT
        with broadcaster.condition:
            generation = broadcaster.generation
            if cursor is None and broadcaster.newest() is not None:
                return self.poll_answer([], broadcaster.newest())
            # Without a cursor and before any event, the poll waits for the first one.
            since = cursor if cursor is not None else 0
        while True:
            with broadcaster.condition:
                events, _ = broadcaster.after(topic, since)
                if not events and broadcaster.generation == generation:
                    broadcaster.condition.wait(min(WAKE_INTERVAL, max(0, deadline - time.monotonic())))
                    events, _ = broadcaster.after(topic, since)
                dropped = broadcaster.generation != generation
                newest = broadcaster.newest()
            if dropped:
                # Dropped while waiting: the connection closes with no response at all.
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if events or time.monotonic() >= deadline:
                return self.poll_answer(events, newest)
            if self.client_gone():
                self.close_connection = True
                return

    def poll_answer(self, events, newest):
        body = RETRY_PREFIX + b"".join(encode_event(e[0], e[2], e[3]) for e in events)
        if not events and newest is not None:
            body += b"id: %d\n\n" % newest
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Accel-Buffering", "no")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def echo(self, body):
        broadcaster = self.state.broadcaster
        with broadcaster.condition:
            generation = broadcaster.generation
        payload = json.dumps({"method": self.command, "token": self.headers.get("X-Token"), "body": body})
        try:
            self.start_stream()
            self.write_chunk(RETRY_PREFIX + encode_event("echo", "echo", payload))
            while not self.client_gone():
                with broadcaster.condition:
                    if broadcaster.generation != generation:
                        break
                    broadcaster.condition.wait(WAKE_INTERVAL)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64


def serve(state, port):
    server = Server(("127.0.0.1", port), Handler)
    state.server = server
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return server.server_address[1]


def restart(state, down):
    """Close the listener and every connection, stay down, listen again on the same port."""
    port = state.server.server_address[1]
    state.server.shutdown()
    state.server.server_close()
    state.broadcaster.end_all()
    with state.lock:
        connections = list(state.connections)
    for connection in connections:
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    time.sleep(down)
    serve(state, port)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--static", default=HERE)
    parser.add_argument("--script", default=DEFAULT_SCRIPT)
    args = parser.parse_args()
    state = State(os.path.abspath(args.script), args.static)
    Handler.state = state
    port = serve(state, args.port)
    print(f"listening on {port}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
