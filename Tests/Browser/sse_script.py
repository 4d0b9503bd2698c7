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
"""The browser script as the build serves it, for the test servers and the browser suite.

    python3 Tests/Browser/sse_script.py      # prints it

sse.js is written in parts (Sources/SSELongPolling/Assets/sse.js/, one file each: parser, policy,
transports, connection, sharing, the EventSource face). The SSEEmbedAssets plugin joins them in
name order and keeps the code: the first part's leading comment stays, every other line holding
only a `//` comment goes. This does the same, and BrowserTests checks that both agree.
"""

import os
import sys

PARTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Sources", "SSELongPolling", "Assets",
                     "sse.js")


def part_names():
    return sorted(name for name in os.listdir(PARTS) if not name.startswith("."))


def read_part(name):
    with open(os.path.join(PARTS, name), encoding="utf-8", newline="") as part:
        return part.read()


def script():
    """The served script: the parts joined, whole-line comments left out after the leading ones."""
    lines = []
    leading = True
    for line in "".join(read_part(name) for name in part_names()).split("\n"):
        text = line.lstrip(" \t")
        is_comment = text.startswith("//")
        leading = leading and (is_comment or text == "")
        if not is_comment or leading:
            lines.append(line)
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(script())
