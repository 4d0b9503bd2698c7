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
"""Drive headless Chromium over the DevTools protocol, standard library only.

The browser talks over --remote-debugging-pipe: it reads commands from fd 3 and writes replies
and events to fd 4, each a JSON message ended by a NUL byte. Tabs are attached with flattened
sessions, so one pipe carries every tab. Every wait is bounded and says what it waited for.
"""

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time


class CDPError(Exception):
    pass


class Browser:
    def __init__(self, executable="chromium", command_timeout=15.0, extra_arguments=()):
        self.command_timeout = command_timeout
        self.profile = tempfile.mkdtemp(prefix="swift-sse-chromium-")
        self.log_path = os.path.join(self.profile, "chromium.log")
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()

        def wire_pipe():
            os.dup2(commands_read, 3)
            os.dup2(replies_write, 4)

        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [
                    executable,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--remote-debugging-pipe",
                    f"--user-data-dir={self.profile}",
                    "--no-first-run",
                    "--no-default-browser-check",
                    "--disable-extensions",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    # Tabs in the background must keep their timers and connections going.
                    "--disable-background-timer-throttling",
                    "--disable-renderer-backgrounding",
                    "--disable-backgrounding-occluded-windows",
                    *extra_arguments,
                    "about:blank",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                preexec_fn=wire_pipe,
                pass_fds=(3, 4),
            )
        os.close(commands_read)
        os.close(replies_write)
        self._condition = threading.Condition()
        self._write_lock = threading.Lock()
        self._replies_by_id = {}
        self._events = []
        self._next_id = 0
        self._closed = False
        threading.Thread(target=self._read_loop, daemon=True).start()
        self.send("Browser.getVersion", timeout=30)

    def _read_loop(self):
        buffer = b""
        while True:
            try:
                data = os.read(self._replies, 1 << 16)
            except OSError:
                data = b""
            if not data:
                with self._condition:
                    self._closed = True
                    self._condition.notify_all()
                return
            buffer += data
            *messages, buffer = buffer.split(b"\0")
            with self._condition:
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        self._replies_by_id[message["id"]] = message
                    else:
                        self._events.append(message)
                self._condition.notify_all()

    def send(self, method, params=None, session=None, timeout=None):
        timeout = timeout or self.command_timeout
        with self._condition:
            self._next_id += 1
            message_id = self._next_id
        message = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        with self._write_lock:
            os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._condition:
            while message_id not in self._replies_by_id:
                remaining = deadline - time.monotonic()
                if self._closed:
                    raise CDPError(f"the browser went away while waiting for the reply to {method}")
                if remaining <= 0:
                    raise CDPError(f"timed out after {timeout:.0f} s waiting for the reply to {method}")
                self._condition.wait(remaining)
            reply = self._replies_by_id.pop(message_id)
        if "error" in reply:
            raise CDPError(f"{method} failed: {reply['error'].get('message')}")
        return reply.get("result", {})

    def new_tab(self, url):
        target = self.send("Target.createTarget", {"url": url})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        return Tab(self, target, session)

    def quit(self):
        try:
            self.send("Browser.close", timeout=5)
        except CDPError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        os.close(self._commands)
        shutil.rmtree(self.profile, ignore_errors=True)

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, errors="replace") as log:
                return "".join(log.readlines()[-lines:])
        except OSError:
            return ""


class Tab:
    def __init__(self, browser, target, session):
        self.browser = browser
        self.target = target
        self.session = session
        self.closed = False

    def send(self, method, params=None, timeout=None):
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    def evaluate(self, expression, timeout=None):
        """The value of a JavaScript expression (awaited if it is a promise), as JSON data."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise CDPError(f"evaluating {expression!r} threw: {text}")
        return result["result"].get("value")

    def wait_for(self, expression, what, timeout, interval=0.05):
        """Polls `expression` until it is truthy; returns its value or raises naming `what`."""
        deadline = time.monotonic() + timeout
        value = None
        while True:
            try:
                value = self.evaluate(expression, timeout=max(1.0, deadline - time.monotonic()))
            except CDPError as error:
                # A page that is still loading has no globals yet.
                value = f"<{error}>"
            if value and not (isinstance(value, str) and value.startswith("<")):
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"timed out after {timeout:.1f} s waiting for {what} (last: {value!r})")
            time.sleep(interval)

    def set_offline(self, offline):
        self.send("Network.enable")
        self.send(
            "Network.emulateNetworkConditions",
            {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )

    def close(self):
        if not self.closed:
            self.closed = True
            self.browser.send("Target.closeTarget", {"targetId": self.target})
