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
"""A fault-injecting HTTP/1.1 reverse proxy for run_browser_tests.py, standard library only.

    proxy = FaultProxy(server.port)  # on 127.0.0.1, a port of its own: proxy.port, proxy.origin
    proxy.set_mode("hold-body")      # "pass", "hold-all", "hold-body", or "charset" with charset=...
    proxy.refuse(status=503, retry_after="2", times=1)
    proxy.blackhole()
    proxy.requests                   # what reached /events and /echo, in order
    proxy.stop()

It stands between Chromium and the SSE server as the intermediaries a page meets in the wild do
when they misbehave: one that buffers a response until it ends (the whole of it, or the body
after the head), one that labels a stream with another charset, one that answers streams itself
with an error and `Retry-After`, and a path that goes dead without a FIN. nginx (run_browser_tests.py)
shows one such proxy as shipped; this one does each fault on demand, and only to what the test
aims at.

A stream request is one to /events or /echo without `transport=poll` in its query. Modes and
refusals apply to stream requests only, and a mode to the exchanges that start while it is set;
long polls and every other path (the page, the script, /publish, /control/...) pass untouched.
`blackhole()` takes every exchange open on /events or /echo, polls included.

Each client connection carries one exchange: the request goes upstream with `Connection: close`,
its body framed by Content-Length, and the response comes back as the upstream sent it, ended by
the upstream's EOF, its head carrying `Connection: close`. An upstream that cannot be reached, or
that ends before a whole head, closes the client's connection without an answer, as the network
would: a 502 of the proxy's own would be an HTTP error, which the script treats as such. The
client leaving closes the upstream connection at once, whatever the mode. Every wait is bounded
or looks at its sockets at least every 250 ms, and a held response keeps at most 8 MiB.
"""

import http
import re
import select
import socket
import threading
import time
import urllib.parse

MODES = ("pass", "hold-all", "hold-body", "charset")
PATHS = ("/events", "/echo")
TICK = 0.25  # the longest any wait goes without looking at its sockets and at stop()
IO_TIMEOUT = 30.0  # a bound on connecting upstream and on every write
IDLE_LIMIT = 60.0  # how long a client connection may go without a whole request head
LINGER = 1.0  # how long a client gets to close first after its answer, so unread bytes cause no reset
STOP_JOIN = 3.0
HEAD_LIMIT = 64 * 1024
HOLD_LIMIT = 8 * 1024 * 1024
RECV_SIZE = 64 * 1024
MAX_EXCHANGES = 512
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
TARGET = re.compile(r"/[\x21-\x7e]*")
VERSION = re.compile(r"HTTP/1\.[01]")
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class BadRequest(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


class Blackholed(Exception):
    """The exchange was taken by blackhole(): nothing more is forwarded."""


def parse_request(head):
    """The request line and header lines of a request head, its header fields and body length.

    The head is the text before the blank line. Anything this proxy could not forward faithfully
    raises BadRequest: a malformed line, a target other than a path, a body not framed by a single
    Content-Length.
    """
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not TOKEN.fullmatch(parts[0]) or not TARGET.fullmatch(parts[1]) \
            or not VERSION.fullmatch(parts[2]):
        raise BadRequest(400, "malformed request line")
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not TOKEN.fullmatch(name) or CONTROL.search(value):
            raise BadRequest(400, "malformed header field")
        name, value = name.lower(), value.strip(" \t")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    if "transfer-encoding" in headers:
        raise BadRequest(411, "send a Content-Length")
    lengths = {value.strip() for value in headers.get("content-length", "0").split(",")}
    if len(lengths) != 1 or not re.fullmatch(r"[0-9]{1,15}", next(iter(lengths))):
        raise BadRequest(400, "malformed Content-Length")
    return lines, headers, int(lengths.pop())


def without_fields(lines, names):
    """The header lines whose field name is not in `names` (lower-case)."""
    return [line for line in lines if line.split(":", 1)[0].strip().lower() not in names]


def response_head(head, charset):
    """The upstream's response head, the blank line included, as the client gets it.

    `Connection: close` replaces Connection and Keep-Alive; with a charset, a Content-Type
    becomes `text/event-stream; charset=<charset>`.
    """
    lines = head.decode("latin-1").split("\r\n")
    fields = without_fields(lines[1:], {"connection", "keep-alive"})
    if charset is not None:
        untyped = without_fields(fields, {"content-type"})
        if len(untyped) < len(fields):
            fields = untyped + [f"Content-Type: text/event-stream; charset={charset}"]
    return ("\r\n".join([lines[0]] + fields + ["Connection: close"]) + "\r\n\r\n").encode("latin-1")


def receive(sock):
    """The next bytes from a socket that polled readable: b"" at EOF or when the socket broke,
    None when nothing came after all (the sockets do not block)."""
    try:
        return sock.recv(RECV_SIZE)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def shut(sock, how=socket.SHUT_RDWR):
    if sock is not None:
        try:
            sock.shutdown(how)
        except OSError:
            pass


def close(sock):
    if sock is not None:
        try:
            sock.close()
        except OSError:
            pass


class FaultProxy:
    """The listening proxy, its faults, and the exchanges in progress, under one lock."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.lock = threading.Lock()
        self.mode, self.charset = "pass", None
        self.refusal = None  # [status, Retry-After or None, stream requests left to refuse]
        self.log = []
        self.exchanges = set()
        self.stopping = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.accepter = threading.Thread(target=self.accept, name=f"fault-proxy-{self.port}", daemon=True)
        self.accepter.start()

    # The faults.

    def set_mode(self, mode, charset=None):
        """How the stream requests that start from now on are answered; see the module's docstring."""
        if mode not in MODES:
            raise ValueError(f"mode {mode!r} is not one of {', '.join(MODES)}")
        if (mode == "charset") != (charset is not None):
            raise ValueError("a charset goes with the mode `charset`, and only with it")
        if charset is not None and not TOKEN.fullmatch(charset):
            raise ValueError(f"charset {charset!r} is not a token")
        with self.lock:
            self.mode, self.charset = mode, charset

    def refuse(self, status=503, retry_after="2", times=1):
        """Answers the next `times` stream requests with `status` itself, without asking upstream."""
        if not 100 <= status <= 599:
            raise ValueError(f"status {status} is not an HTTP status")
        if retry_after is not None and CONTROL.search(retry_after):
            raise ValueError(f"Retry-After {retry_after!r} holds a control character")
        with self.lock:
            self.refusal = [status, retry_after, times] if times > 0 else None

    def reset(self):
        """Back to passing everything: the mode and any refusals left (between scenarios)."""
        with self.lock:
            self.mode, self.charset, self.refusal = "pass", None, None

    def blackhole(self):
        """Every exchange open on /events or /echo stops forwarding, its sockets left open.

        Once this returns, none of them sends another byte either way, nor a FIN: each waits for
        its client to leave (or stop()). Requests that come later are not affected. Returns how
        many exchanges it took.
        """
        with self.lock:
            taken = [exchange for exchange in self.exchanges if exchange.path in PATHS]
        for exchange in taken:
            with exchange.send_lock:
                exchange.blackholed = True
        return len(taken)

    @property
    def requests(self):
        """The requests to /events and /echo so far, in arrival order, each a dict:
        {"at": time.monotonic(), "method", "target", "headers" (lower-case names), "answered",
        "responded"}, where "answered" is the status the proxy refused the request with, or None, and
        "responded" when the upstream's response head arrived (time.monotonic()), or None."""
        with self.lock:
            return list(self.log)

    # The connections.

    def accept(self):
        try:
            poller = select.poll()
            poller.register(self.listener, select.POLLIN)
            while not self.stopping.is_set():
                if not poller.poll(TICK * 1000):
                    continue
                try:
                    client, _ = self.listener.accept()
                except OSError:  # gone before it was accepted
                    continue
                exchange = Exchange(self, client)
                with self.lock:
                    admitted = not self.stopping.is_set() and len(self.exchanges) < MAX_EXCHANGES
                    if admitted:
                        self.exchanges.add(exchange)
                if admitted:
                    exchange.thread.start()
                else:
                    close(client)
        except (OSError, ValueError):  # the listener was closed under it by stop()
            pass
        finally:
            close(self.listener)

    def stop(self):
        """Closes the listener and every connection; returns once the threads ended, or after a few seconds."""
        with self.lock:
            self.stopping.set()
            exchanges = list(self.exchanges)
        for exchange in exchanges:
            shut(exchange.client)  # wakes a write blocked on a client that does not read
            shut(exchange.upstream)
        deadline = time.monotonic() + STOP_JOIN
        self.accepter.join(max(0.0, deadline - time.monotonic()))
        for exchange in exchanges:
            exchange.thread.join(max(0.0, deadline - time.monotonic()))
        close(self.listener)
        for exchange in exchanges:
            close(exchange.client)
            close(exchange.upstream)


class Exchange:
    """One client connection: one request, forwarded upstream or refused, and its answer."""

    def __init__(self, proxy, client):
        self.proxy = proxy
        self.client = client
        self.upstream = None
        self.path = None  # set with the request head, under the proxy's lock
        self.record = None  # its entry in the log, for a request to /events or /echo
        self.blackholed = False  # set and read under send_lock
        self.send_lock = threading.Lock()
        self.poller = select.poll()
        self.thread = threading.Thread(target=self.run, name="fault-proxy-exchange", daemon=True)

    def run(self):
        try:
            self.client.setblocking(False)
            self.poller.register(self.client, select.POLLIN)
            try:
                self.serve()
            except Blackholed:
                self.hang()
        except (OSError, ValueError):  # a socket broke, or stop() closed it
            pass
        finally:
            close(self.upstream)
            close(self.client)
            with self.proxy.lock:
                self.proxy.exchanges.discard(self)

    def ready(self, timeout=TICK):
        """The sockets among client and upstream with something to read (or an EOF) within `timeout`."""
        ready = {fd for fd, _ in self.poller.poll(timeout * 1000)}
        return [sock for sock in (self.client, self.upstream) if sock is not None and sock.fileno() in ready]

    def send(self, sock, data, end=False):
        """Writes `data`, then a FIN when `end`, unless the exchange is or gets blackholed.

        Each write is checked against blackhole() under send_lock, and the waits for a socket to
        take more happen outside it, so that blackhole() never waits on a reader that does not read.
        """
        view = memoryview(data)
        deadline = time.monotonic() + IO_TIMEOUT
        poller = select.poll()
        poller.register(sock, select.POLLOUT)
        while True:
            with self.send_lock:
                if self.blackholed:
                    raise Blackholed()
                try:
                    view = view[sock.send(view):] if view else view
                except BlockingIOError:
                    pass
                if not view:
                    if end:
                        shut(sock, socket.SHUT_WR)
                    return
            if self.proxy.stopping.is_set() or time.monotonic() >= deadline:
                raise TimeoutError("the peer took no more bytes")
            poller.poll(TICK * 1000)

    def serve(self):
        proxy = self.proxy
        try:
            head, rest = self.read_head()
            if head is None:
                return
            lines, headers, length = parse_request(head)
        except BadRequest as error:
            self.answer(error.status, [("Content-Type", "text/plain; charset=utf-8")], str(error).encode())
            return
        method, target, _ = lines[0].split(" ")
        path, _, query = target.partition("?")
        stream = path in PATHS and ("transport", "poll") not in urllib.parse.parse_qsl(query, keep_blank_values=True)
        refused = None
        with proxy.lock:
            mode, charset = (proxy.mode, proxy.charset) if stream else ("pass", None)
            if stream and proxy.refusal:
                refused = proxy.refusal[:2]
                proxy.refusal[2] -= 1
                if proxy.refusal[2] == 0:
                    proxy.refusal = None
            if path in PATHS:
                self.path = path
                self.record = {"at": time.monotonic(), "method": method, "target": target, "headers": headers,
                               "answered": refused[0] if refused else None, "responded": None}
                proxy.log.append(self.record)
        if refused:
            status, retry_after = refused
            fields = [("Retry-After", retry_after)] if retry_after is not None else []
            self.answer(status, fields + [("Cache-Control", "no-store")], b"")
            return
        try:
            self.upstream = socket.create_connection(("127.0.0.1", proxy.upstream_port), timeout=IO_TIMEOUT)
        except OSError:
            return
        self.upstream.setblocking(False)
        self.poller.register(self.upstream, select.POLLIN)
        forwarded = [lines[0]] + without_fields(lines[1:], {"connection"}) + ["Connection: close"]
        self.send(self.upstream, ("\r\n".join(forwarded) + "\r\n\r\n").encode("latin-1") + rest[:length])
        self.relay(mode, charset, length - min(length, len(rest)))

    def read_head(self):
        """The request head (before its blank line) and the bytes after it; (None, None) if the
        client left or idled first. A head over the limit raises BadRequest."""
        data = b""
        deadline = time.monotonic() + IDLE_LIMIT
        while b"\r\n\r\n" not in data:
            if len(data) > HEAD_LIMIT:
                raise BadRequest(400, "request head too large")
            if self.proxy.stopping.is_set() or time.monotonic() >= deadline:
                return None, None
            if self.ready():
                chunk = receive(self.client)
                if chunk == b"":
                    return None, None
                data = (data + (chunk or b"")).lstrip(b"\r\n")  # empty lines before a request line are allowed
        head, _, rest = data.partition(b"\r\n\r\n")
        if len(head) > HEAD_LIMIT:
            raise BadRequest(400, "request head too large")
        return head, rest

    def relay(self, mode, charset, body_left):
        """Forwards the rest of the request body and the response, as the mode says, until either side ends."""
        pending = b""  # the response head, until it is whole
        head_done = False
        held = bytearray()
        holding = mode in ("hold-all", "hold-body")
        while not self.proxy.stopping.is_set():
            if self.blackholed:
                raise Blackholed()
            ready = self.ready()
            if self.client in ready:
                data = receive(self.client)
                if data == b"":
                    return  # the client left: run() closes upstream at once
                if data and body_left:
                    self.send(self.upstream, data[:body_left])
                    body_left -= min(body_left, len(data))
            if self.upstream not in ready:
                continue
            data = receive(self.upstream)
            if data is None:
                continue
            if not data:
                self.drop_upstream()
                if head_done:
                    self.send(self.client, bytes(held), end=True)
                    self.linger()
                return
            if head_done:
                if holding:
                    held += data
                else:
                    self.send(self.client, data)
            else:
                pending += data
                if b"\r\n\r\n" not in pending:
                    if len(pending) > HEAD_LIMIT:
                        return
                    continue
                head, _, body = pending.partition(b"\r\n\r\n")
                head, head_done = response_head(head, charset), True
                if self.record is not None:
                    with self.proxy.lock:
                        self.record["responded"] = time.monotonic()
                if mode == "hold-all":
                    held += head + body
                elif mode == "hold-body":
                    self.send(self.client, head)
                    held += body
                else:
                    self.send(self.client, head + body)
            if len(held) > HOLD_LIMIT:
                return

    def answer(self, status, fields, body):
        """A response of the proxy's own, then a gentle close."""
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = ""
        lines = [f"HTTP/1.1 {status} {reason}".rstrip()] + [f"{name}: {value}" for name, value in fields]
        lines += [f"Content-Length: {len(body)}", "Connection: close"]
        self.send(self.client, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body, end=True)
        self.linger()

    def linger(self):
        """After the FIN: reads what the client still sends until it closes, for up to LINGER.

        Closing with unread bytes would reset the connection, and a reset can reach the client
        before the answer does.
        """
        deadline = time.monotonic() + LINGER
        while not self.proxy.stopping.is_set() and time.monotonic() < deadline:
            if self.client in self.ready(min(TICK, max(0.0, deadline - time.monotonic()))):
                if receive(self.client) == b"":
                    return

    def drop_upstream(self):
        """Stops watching the upstream connection and closes it, so that its EOF wakes no more waits."""
        upstream, self.upstream = self.upstream, None
        self.poller.unregister(upstream)
        close(upstream)

    def hang(self):
        """A blackholed exchange: no byte and no FIN either way, until the client leaves or stop()."""
        if self.upstream is not None:
            self.poller.unregister(self.upstream)  # its bytes stay unread, as behind a dead path
        while not self.proxy.stopping.is_set():
            if self.client in self.ready() and receive(self.client) == b"":
                return
