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
"""Open an example's page in headless Chromium and wait until it shows what it should.

    page_check.py http://127.0.0.1:8080/ --until "Number(document.body.dataset.ticks) >= 3" \\
        [--timeout 30] [--print "document.body.dataset.transport"] [--screenshot ticker.png] \\
        [--width 1000 --height 700] [--interrupt PID --then "document.body.dataset.state === 'stopped'"] \\
        [--reload-when "Number(document.getElementById('count').textContent) >= 3"]

Polls the --until expression until it is true, then prints the value of --print as JSON on
standard output and saves the viewport as a PNG. Exits 1, naming what it waited for, with the
page's body.dataset and its uncaught errors, if the expression is not true within --timeout
seconds. With --interrupt, once --until holds it sends SIGINT to that process (Ctrl-C to a running
example) and then waits for --then, with the page still open. With --reload-when, the page is
reloaded (as a person presses F5) once that expression holds, before --until is waited for. Standard library only; the browser is driven through Tests/Browser/cdp.py.
"""

import argparse
import base64
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Browser"))
import cdp  # noqa: E402

# Installed before the page's own scripts: what they throw, and scripts that fail to load.
RECORD_ERRORS = """
window.__pageCheckErrors = [];
addEventListener("error", (event) => {
    const target = event.target;
    window.__pageCheckErrors.push(
        target && target !== window && (target.src || target.href)
            ? `failed to load ${target.src || target.href}`
            : String(event.message)
    );
}, true);
addEventListener("unhandledrejection", (event) => {
    window.__pageCheckErrors.push(`unhandled rejection: ${event.reason}`);
});
"""

DATASET = "document.body ? Object.assign({}, document.body.dataset) : null"
ERRORS = "window.__pageCheckErrors || []"
# Two frames, so what the last event changed is painted before the screenshot.
PAINTED = "new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))))"


class CheckFailed(Exception):
    pass


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the page to open")
    parser.add_argument("--until", required=True, help="a JavaScript expression to wait for")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for --until (30)")
    parser.add_argument("--print", dest="print_expression", help="a JavaScript expression to print as JSON")
    parser.add_argument("--screenshot", help="where to save a PNG of the viewport")
    parser.add_argument("--ignore-certificate-errors", action="store_true",
                        help="accept a self-signed certificate (HTTPS on a test certificate)")
    parser.add_argument("--interrupt", type=int, metavar="PID",
                        help="once --until holds, send SIGINT to this process, then wait for --then")
    parser.add_argument("--then", help="a JavaScript expression to wait for after --interrupt")
    parser.add_argument("--reload-when", help="reload the page once this JavaScript expression holds")
    parser.add_argument("--width", type=int, default=1000, help="viewport width in CSS pixels (1000)")
    parser.add_argument("--height", type=int, default=700, help="viewport height in CSS pixels (700)")
    return parser.parse_args()


def describe(tab):
    """The page's body.dataset and uncaught errors, for a failure message."""
    parts = []
    for label, expression in (("body.dataset", DATASET), ("errors", ERRORS)):
        try:
            parts.append(f"{label}: {json.dumps(tab.evaluate(expression, timeout=5))}")
        except cdp.CDPError as error:
            parts.append(f"{label}: <{error}>")
    return "; ".join(parts)


def wait_until(tab, expression, timeout):
    deadline = time.monotonic() + timeout
    problem = "the expression was false"
    while True:
        try:
            if tab.evaluate(f"Boolean({expression})", timeout=max(1.0, deadline - time.monotonic())):
                return
            problem = "the expression was false"
        except cdp.CDPError as error:
            # Also what a page still loading, without its globals, answers.
            problem = str(error).splitlines()[0]
        if time.monotonic() >= deadline:
            raise CheckFailed(
                f"timed out after {timeout:g} s waiting for {expression!r} ({problem}); {describe(tab)}"
            )
        time.sleep(0.1)


def check(arguments):
    browser = cdp.Browser(
        extra_arguments=["--ignore-certificate-errors"] if arguments.ignore_certificate_errors else []
    )
    try:
        tab = browser.new_tab("about:blank")
        tab.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": arguments.width, "height": arguments.height, "deviceScaleFactor": 1, "mobile": False},
        )
        tab.send("Page.enable")
        tab.send("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_ERRORS})
        navigation = tab.send("Page.navigate", {"url": arguments.url}, timeout=30)
        if navigation.get("errorText"):
            raise CheckFailed(f"could not open {arguments.url}: {navigation['errorText']}")
        if arguments.reload_when:
            wait_until(tab, arguments.reload_when, arguments.timeout)
            tab.send("Page.reload", {}, timeout=30)
        wait_until(tab, arguments.until, arguments.timeout)
        if arguments.interrupt is not None:
            os.kill(arguments.interrupt, signal.SIGINT)
            if arguments.then:
                wait_until(tab, arguments.then, arguments.timeout)
        if arguments.print_expression is not None:
            print(json.dumps(tab.evaluate(arguments.print_expression)))
        if arguments.screenshot:
            tab.evaluate(PAINTED, timeout=5)
            shot = tab.send("Page.captureScreenshot", {"format": "png"}, timeout=30)
            directory = os.path.dirname(os.path.abspath(arguments.screenshot))
            os.makedirs(directory, exist_ok=True)
            with open(arguments.screenshot, "wb") as file:
                file.write(base64.b64decode(shot["data"]))
    finally:
        browser.quit()


def main():
    arguments = parse_arguments()
    try:
        check(arguments)
    except (CheckFailed, cdp.CDPError, OSError) as error:
        print(f"page_check: {arguments.url}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
