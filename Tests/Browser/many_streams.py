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
"""Many EventSources from one page, in headless Chromium: over HTTPS (HTTP/2) every one of them
opens and receives every event; over cleartext HTTP/1.1 six open and the seventh stalls, the
browser's six-connection limit per origin.

Usage: many_streams.py HTTPS_BASE HTTP_BASE COUNT

Both servers serve the page at /?n=COUNT (it opens COUNT streams of /events and counts their
`open` and `message` events), POST /publish (one event to every stream) and GET /stats
({"subscribers": …, "connections": …}). Exits 0 when both halves hold, 1 with the reason when not.
"""

import json
import ssl
import sys
import time
import urllib.request

from cdp import Browser, CDPError

# The test certificate is made by openssl for this run and trusted by no system: the script's own
# requests skip verification, as Chromium does with --ignore-certificate-errors.
UNVERIFIED = ssl._create_unverified_context()


def request(base, path, method="GET"):
    data = b"" if method == "POST" else None
    context = UNVERIFIED if base.startswith("https") else None
    with urllib.request.urlopen(
        urllib.request.Request(base + path, data=data, method=method), context=context, timeout=10
    ) as response:
        return response.read()


def stats(base, expected):
    """The server's subscribers and connections, less the connection of this request itself,
    once they are `expected` (a publish's connection, closed by urllib, may take a moment to be
    counted out), or as they are after 10 s."""
    deadline = time.monotonic() + 10
    while True:
        figures = json.loads(request(base, "/stats"))
        figures["connections"] -= 1
        if all(figures[key] == value for key, value in expected.items()) or time.monotonic() > deadline:
            return figures
        time.sleep(0.05)


def main():
    https, http, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    browser = Browser(extra_arguments=["--ignore-certificate-errors"])
    try:
        tab = browser.new_tab(f"{https}/?n={count}")
        tab.wait_for(f"window.opened === {count}", f"all {count} streams open over HTTPS", timeout=30)
        protocol = tab.evaluate("performance.getEntriesByType('navigation')[0].nextHopProtocol")
        if protocol != "h2":
            raise AssertionError(f"the page came over {protocol}, not h2")
        for round in range(1, 4):
            request(https, "/publish", "POST")
            tab.wait_for(
                f"window.received.every(n => n >= {round})", f"event {round} on all {count} streams", timeout=30
            )
        # Chromium may hold a spare connection it opened speculatively (a preconnect) beside the
        # one its streams share; fewer than six (HTTP/1.1's limit, which would carry six streams)
        # is what proves the streams share connections.
        over_http2 = stats(https, {"subscribers": count, "connections": 1})
        if over_http2["subscribers"] != count or not 1 <= over_http2["connections"] < 6:
            raise AssertionError(f"over HTTP/2 the server saw {over_http2}, not {count} streams on fewer than 6 connections")
        print(f"HTTP/2: {count} streams open on {over_http2['connections']} connection(s), each got every event")
        tab.close()

        tab = browser.new_tab(f"{http}/?n={count}")
        tab.wait_for("window.opened === 6", "six streams open over HTTP/1.1", timeout=30)
        request(http, "/publish", "POST")
        tab.wait_for(
            "window.received.filter(n => n >= 1).length === 6", "the event on the six open streams", timeout=30
        )
        opened = tab.evaluate("window.opened")
        over_http1 = stats(http, {"subscribers": 6})
        if opened != 6 or over_http1["subscribers"] != 6:
            raise AssertionError(f"over HTTP/1.1 {opened} streams opened and the server saw {over_http1}, not 6")
        print(f"HTTP/1.1: 6 of {count} streams open on {over_http1['connections']} connections; the seventh stalls")
        tab.close()
    except (AssertionError, CDPError, TimeoutError, OSError) as error:
        print(f"FAILED: {error}")
        print(browser.log_tail())
        return 1
    finally:
        browser.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
