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
"""Runs sse.js in headless Chromium against an SSE test server, every transport, every failure.

    python3 Tests/Browser/run_browser_tests.py --server-command "<command>"

The server command (default: independent_server.py next to this file, written from the docs) gets
`--port 0 --static <this folder>` appended and must print `listening on PORT`. Each scenario opens fresh tabs on a topic
of its own, publishes through the server, and checks that every page received exactly the
published events in order. One line per scenario; the exit status is 1 if any failed. Without
nginx the scenarios through it are skipped; without Chromium nothing runs and the exit status is 77.

With `--tls-certificate PEM --tls-key PEM` the server gets the same two options and serves HTTPS,
which Chromium (told to ignore certificate errors) speaks HTTP/2 to: the scenarios that reach the
server directly run over it, and each page checks that its document came over `h2`, as did every
request to /events that got a response. The scenarios through intermediaries (cleartext nginx and
fault_proxy.py) are left out.

With `--auth` (a server with the fixture's /auth routes), also streams authorized by a bearer
header, a ticket or a cookie, whose credentials expire mid-stream.

Besides /events (a stream, or a long poll with transport=poll), /echo, /publish, /control/* and the
script at /sse.js and /sse.mjs, the suite puts intermediaries in front of the server: stock nginx;
nginx that gzips event streams and ignores `X-Accel-Buffering`; and fault_proxy.py, which holds
streams (their body, or the whole response), refuses them with a status and `Retry-After`, labels
them with another charset, or goes silent without closing.
"""

import argparse
import gzip
import http.client
import json
import os
import queue
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

import cdp
import sse_script
from fault_proxy import FaultProxy

HERE = os.path.dirname(os.path.abspath(__file__))
POLICY_TABLE = os.path.join(HERE, "..", "Shared", "reconnection-policy.json")
TRANSPORTS = ["eventsource", "fetch", "xhr", "longpoll"]
SCENARIO_TIMEOUT = 30.0
GZIP_LIMIT = 10 * 1024
# The `retry:` the test server sends; the 204 scenario waits a few of these for requests that must not come.
SERVER_RETRY = 0.5


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class NotSent(Exception):
    """The request never reached the server."""


class Skipped(Exception):
    """A scenario that cannot run here; the message says what it needs."""


# Debian installs nginx in /usr/sbin, which is not on a user's PATH.
SBIN = os.pathsep.join(["/usr/local/sbin", "/usr/sbin", "/sbin"])


def executable(name):
    """The path of the executable `name` (a path, or a name looked up on PATH, then in sbin), or None."""
    return shutil.which(name) or shutil.which(name, path=SBIN)


NEEDS_NGINX = "needs nginx (apt-get install nginx)"
NEEDS_CHROMIUM = "needs chromium: apt-get install chromium"


class Server:
    """The SSE server under test, started from a command line."""

    def __init__(self, command, tls=None):
        """`tls`: the paths of a certificate chain and its key, or None for cleartext."""
        extra = ["--tls-certificate", tls[0], "--tls-key", tls[1]] if tls else []
        self.process = subprocess.Popen(
            shlex.split(command) + ["--port", "0", "--static", HERE] + extra,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
        )
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.process.stdout], daemon=True).start()
        try:
            first = lines.get(timeout=60)
        except queue.Empty:
            self.stop()
            raise Failure(f"the server did not print `listening on PORT` within 60 s: {command}")
        words = first.split()
        if words[:2] != ["listening", "on"] or len(words) != 3:
            self.stop()
            raise Failure(f"the server's first line is not `listening on PORT`: {first!r}")
        self.port = int(words[2])
        self.tls = tls is not None
        self.origin = f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def request(self, method, path, body=None, timeout=5.0):
        if self.tls:
            # The suite's own test certificate, on loopback.
            connection = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                                     context=ssl._create_unverified_context())
        else:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            try:
                connection.connect()
            except OSError as error:
                raise NotSent(f"could not connect to the server: {error}") from error
            connection.request(method, path, body=body.encode() if isinstance(body, str) else body)
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()

    def post(self, path, body=None, retry_until=None):
        """POSTs, retrying refused connections until `retry_until` (a monotonic time).

        Only a failed connect is retried: a request that reached the server may have taken effect.
        """
        while True:
            try:
                status, text = self.request("POST", path, body)
                check(status == 200, f"POST {path} answered {status}: {text}")
                return text
            except NotSent:
                if retry_until is None or time.monotonic() >= retry_until:
                    raise
                time.sleep(0.02)

    def wait_until_down(self, until):
        """Returns once a connection to the server fails."""
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:
                return
            check(time.monotonic() < until, "the server kept accepting connections after /control/restart")
            time.sleep(0.01)

    def stats(self):
        status, text = self.request("GET", "/control/stats")
        check(status == 200, f"GET /control/stats answered {status}")
        return json.loads(text)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Nginx:
    """Stock nginx in front of the server: proxy_buffering stays at its default (on). `extra` goes
    into its location block."""

    def __init__(self, executable, upstream_port, extra=""):
        self.directory = tempfile.mkdtemp(prefix="swift-sse-nginx-")
        # nginx's workers drop root for `nobody`, and write their temp files here.
        os.chmod(self.directory, 0o777)
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        d = self.directory
        with open(os.path.join(d, "nginx.conf"), "w") as conf:
            conf.write(f"""
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{self.port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream_port};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            {extra}
        }}
    }}
}}
""")
        self.process = subprocess.Popen(
            [executable, "-p", d, "-c", "nginx.conf", "-e", f"{d}/error.log", "-g", "daemon off;"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() >= deadline:
                    raise Failure(f"nginx did not start listening on {self.port}: {self.error_log()}")
                time.sleep(0.05)

    def error_log(self):
        try:
            with open(os.path.join(self.directory, "error.log")) as log:
                return log.read()[-2000:]
        except OSError:
            return ""

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Scenario:
    """One scenario's tabs, topic and deadline; every wait in it ends by the deadline."""

    counter = 0

    def __init__(self, suite, name):
        Scenario.counter += 1
        self.suite = suite
        self.server = suite.server
        self.browser = suite.browser
        self.topic = f"{name.replace('/', '-')}-{Scenario.counter}"
        self.deadline = time.monotonic() + SCENARIO_TIMEOUT
        self.tabs = []
        self.published = []  # (id, data) in publishing order
        self.sentinels = 0

    def remaining(self, at_most=None):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"the scenario ran past its {SCENARIO_TIMEOUT:.0f} s")
        return left if at_most is None else min(left, at_most)

    def open_page(self, origin=None, wait_open=True, **query):
        query.setdefault("topic", self.topic)
        for name in ("reconnection", "headers"):
            if name in query:
                query[name] = json.dumps(query[name])
        url = f"{origin or self.server.origin}/page.html?{urllib.parse.urlencode(query)}"
        tab = self.browser.new_tab(url)
        self.tabs.append(tab)
        tab.wait_for("window.source !== undefined || window.pageError", "the page to create its SSEEventSource",
                     self.remaining())
        self.check_page(tab)
        if wait_open:
            self.wait(tab, "window.source.readyState === 1", "readyState OPEN")
        return tab

    def wait(self, tab, expression, what, at_most=None):
        try:
            return tab.wait_for(expression, what, self.remaining(at_most))
        except TimeoutError as error:
            raise Failure(f"{error}; page: {self.describe(tab)}") from None

    def describe(self, tab):
        try:
            return tab.evaluate(
                "JSON.stringify({readyState: source.readyState, transport: source.transport,"
                " data: received.map(e => e.data), states: states.map(s => s.kind), pageError})"
            )
        except cdp.CDPError as error:
            return f"<{error}>"

    def check_page(self, tab):
        error = tab.evaluate("window.pageError")
        check(error is None, f"the page reported an error: {error}")
        if self.server.tls:
            protocols = tab.evaluate(
                "[performance.getEntriesByType('navigation')[0].nextHopProtocol].concat(performance"
                ".getEntriesByType('resource').filter(e => e.name.includes('/events') && e.responseStart > 0)"
                ".map(e => e.nextHopProtocol))")
            check(all(protocol == "h2" for protocol in protocols),
                  f"the page and its answered requests to /events came over {protocols}, not all h2")

    def publish(self, data, retry_until=None):
        event_id = self.server.post(f"/publish?topic={self.topic}", data, retry_until=retry_until)
        self.published.append((event_id, data))
        return event_id

    def publish_many(self, label, count):
        for index in range(count):
            self.publish(f"{label}-{index}")

    def errors(self, tab):
        return tab.evaluate("states.filter(s => s.kind === 'error').length")

    def expect_all(self, tabs):
        """Each tab has received exactly every published event, in order, and then nothing.

        A sentinel published last and received last shows nothing else was still on its way.
        """
        self.sentinels += 1
        self.publish(f"sentinel-{self.sentinels}")
        expected = list(self.published)
        for tab in tabs:
            self.wait(tab, f"received.some(e => e.data === 'sentinel-{self.sentinels}')",
                      f"the sentinel event sentinel-{self.sentinels}")
            got = tab.evaluate("received.filter(e => e.type === 'message').map(e => [e.lastEventId, e.data])")
            got = [tuple(pair) for pair in got]
            if got != expected:
                missing = [event for event in expected if event not in got]
                extra = [event for event in got if event not in expected or got.count(event) > 1]
                raise Failure(f"events differ: missing {missing}, unexpected or repeated {extra}, got {got}")
            self.check_page(tab)

    def close(self):
        for tab in self.tabs:
            try:
                tab.close()
            except cdp.CDPError:
                pass


# Scenarios: each takes the Scenario and its argument and raises Failure.


def scenario_live(s, transport):
    tab = s.open_page(transport=transport)
    check(tab.evaluate("source.transport") == transport, f"transport is {tab.evaluate('source.transport')}")
    s.publish_many("live", 5)
    s.expect_all([tab])


def scenario_drop(s, transport):
    tab = s.open_page(transport=transport)
    # Until its first event the page has no cursor, and nothing published before a drop could be
    # recovered from a server that dropped it unsent.
    s.publish("first")
    s.wait(tab, "received.length >= 1", "the first event")
    for round_ in range(3):
        s.publish_many(f"before-drop{round_}", 2)
        s.server.post("/control/drop")
        s.publish_many(f"after-drop{round_}", 2)
        s.wait(tab, f"received.length >= {len(s.published)}", f"{len(s.published)} events after drop {round_ + 1}")
    s.expect_all([tab])
    # A poll waiting when it was dropped may be retried by the browser itself, unseen by the page.
    if transport != "longpoll":
        check(s.errors(tab) >= 3, f"expected an error per drop, saw {s.errors(tab)}")


def scenario_restart(s, transport):
    tab = s.open_page(transport=transport)
    s.publish_many("early", 2)
    s.wait(tab, "received.length >= 2", "the first events")
    s.publish_many("right-before", 2)
    s.server.post("/control/restart?down=1000")
    s.server.wait_until_down(time.monotonic() + s.remaining(5))
    s.publish("right-after-0", retry_until=time.monotonic() + s.remaining(10))
    s.publish("right-after-1")
    s.expect_all([tab])
    check(s.errors(tab) >= 1, "the restart went unnoticed: no error event")


# Errors after the drop in scenario_offline until the next retry is 50 s or more away. Native
# EventSource never sees `retry:`, so the configured 20 s applies at once. The others use the
# server's 500 ms: the dropped connection had delivered an event (a poll: had been answered), so it
# retries after 500 ms, and the failure while offline after 50 s.
OFFLINE_ERRORS = {"eventsource": 1, "fetch": 2, "xhr": 2, "longpoll": 2}


def scenario_offline(s, transport):
    # Catching up within 10 s of going online is only possible through the `online` event.
    reconnection = {"initialReconnectionTime": 20000, "multiplier": 100, "maximumDelay": 60000, "jitter": 0}
    tab = s.open_page(transport=transport, reconnection=reconnection)
    s.publish("online-0")
    s.wait(tab, "received.length >= 1", "the first event")
    errors_before = s.errors(tab)
    tab.set_offline(True)
    # DevTools' offline mode fails new requests but leaves open ones alone, so the drop stands in
    # for the connection the network would have taken down.
    s.server.post("/control/drop")
    failures = OFFLINE_ERRORS[transport]
    s.wait(tab, f"states.filter(s => s.kind === 'error').length >= {errors_before + failures}",
           f"{failures} error(s) while offline, so a long backoff is pending")
    s.publish_many("offline", 3)
    check(tab.evaluate("received.length") == 1, "events arrived while offline")
    tab.set_offline(False)
    s.wait(tab, f"received.length >= {len(s.published)}", "catching up within 10 s of going online", at_most=10)
    s.expect_all([tab])


def scenario_nginx(s, transport):
    tab = s.open_page(origin=s.suite.nginx().origin, transport=transport)
    for index in range(4):
        s.publish(f"through-nginx-{index}")
        s.wait(tab, f"received.length >= {index + 1}", f"event {index} to pass nginx while the stream is open",
               at_most=5)
    s.expect_all([tab])


def scenario_gone(s, transport):
    tab = s.open_page(transport=transport)
    try:
        gone_before = s.server.stats()["goneRequests"]
        s.server.post("/control/gone")
        s.server.post("/control/drop")
        s.wait(tab, "source.readyState === 2", "readyState CLOSED after 204")
        check(s.errors(tab) >= 1, "no error event on 204")
        # Nothing to wait for: requests that must not come. A few retry intervals give them the chance.
        time.sleep(4 * SERVER_RETRY)
        gone = s.server.stats()["goneRequests"] - gone_before
        # Native EventSource cannot tell 204 from an error: its 204 is confirmed once with fetch.
        expected = 2 if transport == "eventsource" else 1
        check(gone == expected, f"{gone} requests answered 204, expected {expected}")
        check(tab.evaluate("source.readyState") == 2, "left CLOSED")
    finally:
        s.server.post("/control/back")


def wait_for_open_streams(s, count):
    deadline = time.monotonic() + s.remaining(10)
    while True:
        open_streams = s.server.stats()["open"]
        if open_streams == count:
            return
        if time.monotonic() >= deadline:
            raise Failure(f"the server has {open_streams} open streams, expected {count}")
        time.sleep(0.05)


def scenario_shared(s, mode):
    tabs = [s.open_page(shared="1", sharedMode=mode)]
    tabs += [s.open_page(shared="1", sharedMode=mode) for _ in range(2)]
    wait_for_open_streams(s, 1)
    for tab in tabs:
        check(tab.evaluate("source.transport") == "fetch", f"transport is {tab.evaluate('source.transport')}")
    if mode == "locks":
        name = json.dumps("swift-sse " + tabs[0].evaluate("source.url"))
        locks = tabs[1].evaluate(f"navigator.locks.query().then(q => [q.held.filter(l => l.name === {name}).length,"
                                 f" q.pending.filter(l => l.name === {name}).length])")
        check(locks == [1, 2], f"expected one leader and two tabs waiting for the lock, got {locks}")
    s.publish_many("shared", 5)
    s.expect_all(tabs)
    # The first tab holds the lock (locks mode) or is just one of the worker's ports.
    tabs[0].close()
    s.publish_many("after-close", 5)
    s.expect_all(tabs[1:])
    wait_for_open_streams(s, 1)


# Cases of scenario_buffered: page options, what the proxy in front holds (`hold-body`: the head
# passes; `hold-all`: not even that), and the transport in the end. Auto mode starts with fetch,
# then XHR, then the native EventSource.
BUFFERED = {
    "fetch-hold-body": ({}, "hold-body", "longpoll"),
    "fetch-hold-all": ({}, "hold-all", "longpoll"),
    "xhr-hold-body": ({"hide": "ReadableStream"}, "hold-body", "longpoll"),
    "xhr-hold-all": ({"hide": "ReadableStream"}, "hold-all", "longpoll"),
    "eventsource-hold-body": ({"hide": "ReadableStream,XMLHttpRequest"}, "hold-body", "longpoll"),
    "eventsource-hold-all": ({"hide": "ReadableStream,XMLHttpRequest"}, "hold-all", "longpoll"),
    "forced-fetch": ({"transport": "fetch"}, "hold-body", "fetch"),
    "healthy": ({}, "pass", "fetch"),
}
# Long enough for the harness to publish while a stream is held, before long polling replaces it.
HELD_TIMEOUT = 5000
# Short, for the cases that must not switch: a few of these give a wrong switch its chance.
BUFFER_TIMEOUT = 300


def first_transport(options):
    hidden = options.get("hide", "")
    if "transport" in options:
        return options["transport"]
    if "XMLHttpRequest" in hidden:
        return "eventsource"
    return "xhr" if "ReadableStream" in hidden else "fetch"


def wait_for_position(s, proxy):
    """Waits until the server has answered the page's first poll without a cursor (the one sent
    beside its stream), so that what is published next is after the position of the page's request."""
    deadline = time.monotonic() + s.remaining(10)
    while True:
        for record in proxy.requests:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(record["target"]).query)
            if query.get("topic") == [s.topic] and query.get("transport") == ["poll"] and record.get("responded"):
                return
        check(time.monotonic() < deadline, "no poll for the cursor beside the stream: " + "; ".join(
            f"{record['target']} responded {record['responded']}" for record in proxy.requests
            if f"topic={s.topic}" in record["target"]))
        time.sleep(0.02)


def expect_held_then_polling(s, tab, proxy):
    """Events published while the stream is held, then after long polling replaced it: all arrive."""
    wait_for_position(s, proxy)
    s.publish_many("while-held", 2)
    check(tab.evaluate("source.transport") != "longpoll",
          "long polling had replaced the stream before the events meant for the held stream were published")
    s.wait(tab, "source.transport === 'longpoll' && source.readyState === 1 && source.lastEventId !== ''",
           "long polling with a cursor")
    s.publish_many("polled", 2)
    s.expect_all([tab])
    check(s.errors(tab) == 0, f"{s.errors(tab)} error events: long polling replaces a held stream without one")


def scenario_buffered(s, case):
    """A proxy that holds streams until they end (their body, or the whole response): auto mode
    moves to long polling from each stream transport and loses nothing published after the page
    asked, even while the stream was held; a forced transport and a healthy stream stay."""
    options, mode, expected = BUFFERED[case]
    proxy = s.suite.proxy()
    proxy.set_mode(mode)
    # An event before the page comes: a poll without a cursor is answered at once with its ID.
    s.server.post(f"/publish?topic={s.topic}", "before-the-page")
    timeout = HELD_TIMEOUT if expected == "longpoll" else BUFFER_TIMEOUT
    tab = s.open_page(origin=proxy.origin, bufferTimeout=timeout, wait_open=False, **options)
    first = first_transport(options)
    check(tab.evaluate("firstTransport") == first, f"started with {tab.evaluate('firstTransport')}, not {first}")
    if expected == "longpoll":
        expect_held_then_polling(s, tab, proxy)
        return
    s.wait(tab, "source.readyState === 1", "readyState OPEN")
    # Nothing to wait for: a switch that must not come. A few timeouts give it the chance.
    time.sleep(4 * timeout / 1000)
    check(tab.evaluate("source.transport") == expected, f"transport is {tab.evaluate('source.transport')}")
    if mode == "pass":
        s.publish_many("buffered", 3)
        s.expect_all([tab])


def scenario_held_forced(s, mode):
    """A forced stream transport behind a proxy that holds it is never stuck silently: the idle
    timeout ends each attempt with an `error` event, and the page tries again."""
    proxy = s.suite.proxy()
    proxy.set_mode(mode)
    # A cursor from the start, so that what is published while every attempt is held is owed to the page.
    start = s.server.post(f"/publish?topic={s.topic}", "before-the-page")
    tab = s.open_page(origin=proxy.origin, transport="fetch", idleTimeout=1500, wait_open=False,
                      lastEventId=start, reconnection={"initialReconnectionTime": 200})
    s.publish("while-held")
    s.wait(tab, "states.filter(s => s.kind === 'error').length >= 2 && source.readyState !== 2",
           "error events from the idle timeout, and more attempts")
    proxy.set_mode("pass")
    s.publish_many("released", 3)
    s.expect_all([tab])


def scenario_refused(s, transport):
    """503 with Retry-After: 2, from a proxy in front: the next request waits the 2 s (the backoff
    would be 200 ms), and the transport stays. A native EventSource cannot read the status: it gives
    up, and the script asks again with fetch after the backoff, which reads the 503 and waits; then
    the native EventSource takes over again."""
    proxy = s.suite.proxy()
    times = 2 if transport == "eventsource" else 1
    proxy.refuse(status=503, retry_after="2", times=times)
    tab = s.open_page(origin=proxy.origin, transport=transport, reconnection={"initialReconnectionTime": 200})
    s.publish_many("after-503", 3)
    s.expect_all([tab])
    streams = [record for record in proxy.requests if f"topic={s.topic}" in record["target"]]
    refused = [index for index, record in enumerate(streams) if record["answered"] == 503]
    check(len(refused) == times and len(streams) > refused[-1] + 1, f"requests: {streams}")
    gap = streams[refused[-1] + 1]["at"] - streams[refused[-1]]["at"]
    check(gap >= 1.95, f"the request after `503, Retry-After: 2` came {gap:.2f} s later")
    check(tab.evaluate("source.transport") == transport, f"transport is {tab.evaluate('source.transport')}")


def scenario_silent(s, transport):
    """A connection that goes silent without closing (a half-open socket, a hanging poll): no
    heartbeat within the idle timeout, so the page drops it and resumes from its cursor."""
    proxy = s.suite.proxy()
    # Above the servers' heartbeat (1 s) and their long-poll wait (3 s) in this suite.
    tab = s.open_page(origin=proxy.origin, transport=transport, idleTimeout=4500,
                      reconnection={"initialReconnectionTime": 200})
    s.publish("before-silence")
    s.wait(tab, "received.length >= 1", "the first event")
    errors_before = s.errors(tab)
    # A long-polling page is between two polls now and then, with no exchange to take: the next
    # poll would pass. Taken once one is open.
    until = time.monotonic() + s.remaining(5)
    while proxy.blackhole() == 0:
        check(time.monotonic() < until, "no exchange of the page's reached the proxy to blackhole")
        time.sleep(0.005)
    s.publish_many("while-silent", 3)
    s.expect_all([tab])
    check(s.errors(tab) > errors_before, "the silent connection was never noticed: no error event")


def scenario_charset(s, case):
    """The stream is UTF-8 whatever charset a proxy declares for it."""
    transport, charset = case
    proxy = s.suite.proxy()
    proxy.set_mode("charset", charset=charset)
    tab = s.open_page(origin=proxy.origin, transport=transport)
    for text in ["caf\u00e9", "\u65e5\u672c\u8a9e", "\U0001F600 \u00fc"]:
        s.publish(text)
    s.expect_all([tab])


def scenario_xhr_limit(s, _):
    """XHR's responseText holds the whole response: past xhrTextLimit the page resumes on a new
    request, silently and without losing or repeating an event."""
    proxy = s.suite.proxy()
    tab = s.open_page(origin=proxy.origin, transport="xhr", xhrTextLimit=3000)
    for index in range(20):
        s.publish(f"{index:02d}-" + "x" * 400)
    s.expect_all([tab])
    check(s.errors(tab) == 0, f"{s.errors(tab)} error events for planned restarts")
    streams = [record for record in proxy.requests if f"topic={s.topic}" in record["target"]]
    check(len(streams) >= 2, f"{len(streams)} requests for 8,000 characters with a limit of 3,000")


def scenario_nginx_gzip(s, case):
    """nginx with `gzip on; gzip_types text/event-stream;` in front of a server whose
    `X-Accel-Buffering: no` it ignores: it holds streams. Auto mode moves to long polling and loses
    nothing; a forced fetch is never stuck silently."""
    nginx = s.suite.nginx_gzip()
    proxy = s.suite.proxy()
    if case == "auto":
        s.server.post(f"/publish?topic={s.topic}", "before-the-page")
        tab = s.open_page(origin=nginx.origin, bufferTimeout=HELD_TIMEOUT, wait_open=False)
        expect_held_then_polling(s, tab, proxy)
    else:
        tab = s.open_page(origin=nginx.origin, transport="fetch", idleTimeout=1500, wait_open=False,
                          reconnection={"initialReconnectionTime": 200})
        s.wait(tab, "states.filter(s => s.kind === 'error').length >= 2 && source.readyState !== 2",
               "error events from the idle timeout, and more attempts")


def scenario_cursor(s, mode):
    """The lastEventId option: the first request starts after it, whichever transport or sharing."""
    for index in range(3):
        s.publish(f"before-{index}")
    start = s.published[0][0]
    del s.published[0]
    if mode.startswith("shared-"):
        tab = s.open_page(shared="1", sharedMode=mode[len("shared-"):], lastEventId=start)
    else:
        tab = s.open_page(transport=mode, lastEventId=start)
    check(tab.evaluate("source.transport") == ("fetch" if mode.startswith("shared-") else mode),
          f"transport is {tab.evaluate('source.transport')}")
    s.publish_many("after", 2)
    s.expect_all([tab])


def scenario_worker_fails(s, mode):
    """A SharedWorker script that does not load: Web Locks in auto mode, else a connection per tab."""
    tabs = [s.open_page(shared="1", sharedMode=mode, scriptURL="/no-such-script.js") for _ in range(2)]
    wait_for_open_streams(s, 1 if mode == "auto" else 2)
    if mode == "auto":
        name = json.dumps("swift-sse " + tabs[0].evaluate("source.url"))
        held = tabs[1].evaluate(f"navigator.locks.query().then(q => q.held.filter(l => l.name === {name}).length)")
        check(held == 1, f"{held} tabs hold the lock, expected 1")
    s.publish_many("no-worker", 3)
    s.expect_all(tabs)


def scenario_bfcache(s, others):
    """A tab restored from the back/forward cache joins its SharedWorker again, from its cursor.

    Alone, the tab's leaving closed the connection, and the new one starts from the tab's cursor;
    with another tab, the connection ran on, and the worker hands the events the tab missed.
    """
    # The count below is the server's: first, the streams of earlier scenarios are gone (a
    # SharedWorker can outlive its last tab for a while, longer on a busy machine).
    wait_for_open_streams(s, 0)
    tab = s.open_page(shared="1", sharedMode="worker")
    tabs = [tab] + [s.open_page(shared="1", sharedMode="worker") for _ in range(others)]
    s.publish("before")
    s.wait(tab, "received.length >= 1", "the first event")
    tab.evaluate("location.href = 'about:blank'")
    s.wait(tab, "location.href === 'about:blank'", "the page to go")
    # The tab said it left: alone, the worker closed the connection.
    wait_for_open_streams(s, min(others, 1))
    s.publish_many("while-away", 2)
    tab.evaluate("history.back()")
    s.wait(tab, "window.restored === 1", "the page to come back from the back/forward cache")
    s.expect_all(tabs)


def scenario_echo(s, case):
    transport, headers_as, shared = case
    token, body = "token-42", "hello, body"
    extra = {"headersAs": headers_as} if headers_as else {}
    if shared:
        extra.update(shared="1", sharedMode=shared)
    tab = s.open_page(url="/echo", transport=transport, headers={"X-Token": token}, method="POST", body=body,
                      types="echo", **extra)
    expected_transport = "fetch" if transport == "auto" else transport
    check(tab.evaluate("source.transport") == expected_transport, f"transport is {tab.evaluate('source.transport')}")
    data = s.wait(tab, "received.find(e => e.type === 'echo')?.data", "the echo event")
    echo = json.loads(data)
    check(echo == {"method": "POST", "token": token, "body": body}, f"the server saw {echo}")


def scenario_module(s, _):
    tab = s.open_page(module="1")
    check(tab.evaluate("window.moduleExportsMatch") is True, "the module's exports are not globalThis.SSEEventSource")
    check(tab.evaluate("source.transport") == "fetch", f"transport is {tab.evaluate('source.transport')}")
    s.publish_many("module", 3)
    s.expect_all([tab])


def scenario_in_page(s, cases_file):
    """Runs a file of in-page cases (parser_cases.js, policy_cases.js) that yields its failures."""
    tab = s.open_page(transport="fetch")
    with open(os.path.join(HERE, cases_file), encoding="utf-8") as cases:
        failures = tab.evaluate(cases.read(), timeout=s.remaining())
    check(failures == [], "; ".join(failures or []))


def scenario_policy_table(s, _):
    """The policy part of the script alone against the reconnection table SSEClient passes too."""
    tab = s.open_page(transport="fetch")
    with open(os.path.join(HERE, "policy_table.js"), encoding="utf-8") as cases, \
            open(POLICY_TABLE, encoding="utf-8") as table:
        expression = f"({cases.read()})({json.dumps(sse_script.read_part('2-policy.js'))}, {table.read()})"
    failures = tab.evaluate(expression, timeout=s.remaining())
    check(failures == [], "; ".join(failures or []))


# Authorized streams (--auth): the fixture's /auth routes and test tokens that expire in TOKEN_TTL ms.
TOKEN_TTL = 1500


def scenario_auth(s, case):
    """A stream authorized by a bearer header (fetch, XHR, long polling), by a ticket (native
    EventSource) or by a cookie (native EventSource), whose credentials expire while events are
    published: each expiry ends the stream with sse-auth-expired, the page refreshes and resumes,
    and it gets every event once, in order."""
    transport, way = case
    query = {"url": f"/auth/events?topic={s.topic}", "transport": transport, "types": "sse-auth-expired"}
    if way in ("header", "ticket"):
        query["tokenURL"] = f"/auth/token?subject=alice&ttl={TOKEN_TTL}"
    if way == "ticket":
        query["ticketURL"] = "/auth/tickets"
    if way == "cookie":
        query["loginURL"] = f"/auth/login?subject=alice&ttl={TOKEN_TTL}"
    tab = s.open_page(**query)
    check(tab.evaluate("source.transport") == transport, f"transport is {tab.evaluate('source.transport')}")
    # Before, during and after the expiries (TOKEN_TTL apart): spaced out over three of them.
    for index in range(12):
        s.publish(f"{way}-{index}")
        time.sleep(TOKEN_TTL * 3 / 12 / 1000)
    s.expect_all([tab])
    if transport != "longpoll":
        expiries = tab.evaluate("received.filter(e => e.type === 'sse-auth-expired').length")
        check(expiries >= 1, "no stream ended with sse-auth-expired")
    check(s.errors(tab) == 0, f"{s.errors(tab)} error events; a refresh is not an error")


def scenario_auth_refused(s, _):
    """Without credentials a stream is refused with 401, which the page does not retry."""
    tab = s.open_page(url=f"/auth/events?topic={s.topic}", transport="fetch", wait_open=False)
    s.wait(tab, "source.readyState === 2", "readyState CLOSED after 401")


def gzip_size():
    return len(gzip.compress(sse_script.script().encode(), compresslevel=9, mtime=0))


class Suite:
    def __init__(self, args):
        self.args = args
        tls = (args.tls_certificate, args.tls_key) if args.tls_certificate else None
        self.server = Server(args.server_command, tls)
        # The test certificate is no browser's: --ignore-certificate-errors, as for local development.
        self.browser = cdp.Browser(args.chromium, extra_arguments=["--ignore-certificate-errors"] if tls else [])
        self._nginx = None
        self._nginx_gzip = None
        self._proxy = None

    def nginx(self):
        if self._nginx is None:
            path = executable(self.args.nginx)
            if path is None:
                raise Skipped(NEEDS_NGINX)
            self._nginx = Nginx(path, self.server.port)
        return self._nginx

    def nginx_gzip(self):
        """nginx that gzips event streams itself (it asks the server for identity) and ignores
        `X-Accel-Buffering`, as for a server that does not send it; in front of the fault proxy
        (passing), which logs what reaches the server."""
        if self._nginx_gzip is None:
            path = executable(self.args.nginx)
            if path is None:
                raise Skipped(NEEDS_NGINX)
            extra = ("gzip on; gzip_types text/event-stream; proxy_ignore_headers X-Accel-Buffering;"
                     ' proxy_set_header Accept-Encoding "";')
            self._nginx_gzip = Nginx(path, self.proxy().port, extra=extra)
        return self._nginx_gzip

    def proxy(self):
        if self._proxy is None:
            self._proxy = FaultProxy(self.server.port)
        return self._proxy

    def run(self, name, function, argument):
        """Runs a scenario and prints its line; returns "passed", "failed" or the reason it was skipped."""
        scenario = Scenario(self, name)
        started = time.monotonic()
        try:
            function(scenario, argument)
            print(f"PASS {name} ({time.monotonic() - started:.1f} s)", flush=True)
            return "passed"
        except Skipped as skip:
            print(f"SKIP {name}: skipped: {skip}", flush=True)
            return str(skip)
        except (Failure, NotSent, TimeoutError, cdp.CDPError, OSError) as error:
            print(f"FAIL {name}: {error}", flush=True)
            if self.args.verbose:
                traceback.print_exc()
            return "failed"
        finally:
            scenario.close()
            if self._proxy:
                self._proxy.reset()

    def stop(self):
        self.browser.quit()
        for nginx in (self._nginx, self._nginx_gzip):
            if nginx:
                nginx.stop()
        if self._proxy:
            self._proxy.stop()
        self.server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-command", default=f"{shlex.quote(sys.executable)} "
                        f"{shlex.quote(os.path.join(HERE, 'independent_server.py'))}"
                        " --timeout 3 --heartbeat 1 --padding 2048")
    parser.add_argument("--chromium", default="chromium")
    parser.add_argument("--nginx", default="nginx")
    parser.add_argument("--only", help="run the scenarios whose name contains this")
    parser.add_argument("--tls-certificate", help="a PEM certificate chain: the server serves HTTPS (and HTTP/2)")
    parser.add_argument("--tls-key", help="the PEM private key of --tls-certificate")
    parser.add_argument("--auth", action="store_true",
                        help="also the authorized scenarios (the server has the fixture's /auth routes)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if bool(args.tls_certificate) != bool(args.tls_key):
        parser.error("--tls-certificate and --tls-key go together")

    scenarios = [(f"{name}/{transport}", function, transport)
                 for transport in TRANSPORTS
                 for name, function in [("live", scenario_live), ("drop", scenario_drop),
                                        ("restart", scenario_restart), ("offline", scenario_offline),
                                        ("nginx", scenario_nginx), ("gone", scenario_gone)]]
    scenarios += [("shared/worker", scenario_shared, "worker"), ("shared/locks", scenario_shared, "locks")]
    scenarios += [(f"buffered/{case}", scenario_buffered, case) for case in BUFFERED]
    scenarios += [(f"cursor/{mode}", scenario_cursor, mode) for mode in TRANSPORTS + ["shared-worker", "shared-locks"]]
    scenarios += [("shared/worker-fails-auto", scenario_worker_fails, "auto"),
                  ("shared/worker-fails-worker", scenario_worker_fails, "worker"),
                  ("shared/bfcache-alone", scenario_bfcache, 0), ("shared/bfcache-with-another", scenario_bfcache, 1)]
    scenarios += [(f"echo/{transport}", scenario_echo, (transport, None, None))
                  for transport in ["fetch", "xhr", "auto"]]
    scenarios += [("echo/fetch-Headers", scenario_echo, ("fetch", "Headers", None)),
                  ("echo/xhr-pairs", scenario_echo, ("xhr", "pairs", None)),
                  ("echo/worker-Headers", scenario_echo, ("auto", "Headers", "worker"))]
    scenarios += [(f"held/{mode}-forced-fetch", scenario_held_forced, mode) for mode in ["hold-all", "hold-body"]]
    scenarios += [(f"refused/{transport}", scenario_refused, transport) for transport in ["fetch", "xhr", "eventsource"]]
    scenarios += [(f"silent/{transport}", scenario_silent, transport) for transport in ["fetch", "xhr", "longpoll"]]
    scenarios += [(f"charset/{transport}-{charset}", scenario_charset, (transport, charset))
                  for transport in ["fetch", "xhr"] for charset in ["iso-8859-1", "utf-16le"]]
    scenarios += [("xhr-limit", scenario_xhr_limit, None)]
    scenarios += [(f"nginx-gzip/{case}", scenario_nginx_gzip, case) for case in ["auto", "forced-fetch"]]
    scenarios += [("module", scenario_module, None), ("parser", scenario_in_page, "parser_cases.js"),
                  ("policy", scenario_in_page, "policy_cases.js"), ("policy-table", scenario_policy_table, None)]
    if args.auth:
        scenarios += [(f"auth/{way}-{transport}", scenario_auth, (transport, way))
                      for transport, way in [("fetch", "header"), ("xhr", "header"), ("longpoll", "header"),
                                             ("eventsource", "ticket"), ("eventsource", "cookie"),
                                             ("fetch", "cookie")]]
        scenarios += [("auth/refused", scenario_auth_refused, None)]
    if args.tls_certificate:
        through_intermediaries = {scenario_nginx, scenario_buffered, scenario_held_forced, scenario_refused,
                                  scenario_silent, scenario_charset, scenario_xhr_limit, scenario_nginx_gzip}
        scenarios = [scenario for scenario in scenarios if scenario[1] not in through_intermediaries]
    if args.only:
        scenarios = [scenario for scenario in scenarios if args.only in scenario[0]]

    # Before the server starts: without a browser there is nothing to run, and 77 says "skipped".
    chromium = executable(args.chromium)
    if chromium is None:
        print(NEEDS_CHROMIUM, flush=True)
        return 77
    args.chromium = chromium

    started = time.monotonic()
    outcomes = []
    suite = Suite(args)
    try:
        for name, function, argument in scenarios:
            outcomes.append(suite.run(name, function, argument))
    finally:
        suite.stop()
    size = gzip_size()
    if size <= GZIP_LIMIT:
        outcomes.append("passed")
        print(f"PASS size: sse.js is {size} bytes gzipped (limit {GZIP_LIMIT})")
    else:
        outcomes.append("failed")
        print(f"FAIL size: sse.js is {size} bytes gzipped, over the limit of {GZIP_LIMIT}")
    passed, failed = outcomes.count("passed"), outcomes.count("failed")
    reasons = sorted({outcome for outcome in outcomes if outcome not in ("passed", "failed")})
    skipped = len(outcomes) - passed - failed
    why = f"; skipped: {'; '.join(reasons)}" if reasons else ""
    print(f"{passed} passed, {failed} failed, {skipped} skipped in {time.monotonic() - started:.0f} s{why}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
