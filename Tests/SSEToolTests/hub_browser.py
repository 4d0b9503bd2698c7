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

"""Headless Chromium subscribes to `sse hub` as a page of the hub's origin would: it turns its
token into the hub's HttpOnly cookie (POST /cookie), then opens the browser script's
SSEEventSource on a native EventSource (which can send no header: the cookie is its only
credential) for users/alice, users/bob and news. This script then publishes, as a backend does
(urllib, the publisher's token): a private update for each user, a public one, and a last public
one; it prints {"received": [...], "protocol": "h2", "connections": 1, "cookieVisible": false} once
the last came.

    hub_browser.py HUB_URL SUBSCRIBER_TOKEN PUBLISHER_TOKEN
"""

import json
import os
import ssl
import sys
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Browser"))
import cdp  # noqa: E402


def publish(hub, token, fields):
    request = urllib.request.Request(
        hub + "/publish",
        data=urllib.parse.urlencode(fields).encode(),
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(request, context=context, timeout=30) as response:
        return response.read().decode().strip()


def main():
    hub, subscriber, publisher = sys.argv[1:4]
    browser = cdp.Browser(extra_arguments=["--ignore-certificate-errors"])
    try:
        tab = browser.new_tab(hub + "/")
        tab.wait_for("location.protocol === 'https:' && document.readyState === 'complete'", "the hub's page", 15)
        tab.evaluate("""new Promise((resolve, reject) => {
            const script = document.createElement("script");
            script.src = "/sse.js";
            script.onload = resolve;
            script.onerror = reject;
            document.head.appendChild(script);
        })""")
        status = tab.evaluate(
            "fetch('/cookie', {method: 'POST', headers: {Authorization: 'Bearer ' + %s}}).then(r => r.status)"
            % json.dumps(subscriber)
        )
        if status != 204:
            raise SystemExit(f"POST /cookie answered {status}")
        tab.evaluate("""(() => {
            globalThis.received = [];
            const source = new SSEEventSource("/events?topic=users/alice,users/bob,news", {transport: "eventsource"});
            source.onmessage = (event) => received.push(event.data);
            globalThis.source = source;
        })()""")
        tab.wait_for("source.readyState === 1", "the stream to open", 15)
        publish(hub, publisher, [("topic", "users/alice"), ("data", "for alice"), ("private", "on")])
        publish(hub, publisher, [("topic", "users/bob"), ("data", "for bob"), ("private", "on")])
        publish(hub, publisher, [("topic", "news"), ("data", "for everyone")])
        publish(hub, publisher, [("topic", "users/bob"), ("data", "last")])
        tab.wait_for("received.includes('last')", "the last update", 15)
        # Resource timing has no entry for an EventSource: the page's own protocol, and the hub's
        # count of connections while the stream is open (one: the stream, the fetches and the
        # page share one HTTP/2 connection; HTTP/1.1 would need two at least).
        result = tab.evaluate("""fetch("/metrics").then(r => r.text()).then(metrics => ({
            received,
            protocol: performance.getEntriesByType("navigation")[0].nextHopProtocol,
            connections: Number((metrics.match(/^sse_connections ([0-9.]+)$/m) || [])[1]),
            cookieVisible: document.cookie.includes("sse_token"),
        }))""")
        print(json.dumps(result))
    finally:
        browser.quit()


if __name__ == "__main__":
    main()
