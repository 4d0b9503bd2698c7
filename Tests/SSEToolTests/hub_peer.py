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

"""A second implementation of the hub's publish and subscribe API, written from `sse hub --help`
and the Deploying the hub article with the Python standard library only (urllib, ssl): what a
backend in another language would write.

    hub_peer.py publish URL TOKEN form|json TOPIC[,TOPIC] DATA [private]
        prints "STATUS BODY" (the body is the event's ID when STATUS is 200)
    hub_peer.py subscribe URL TOKEN COUNT [CAFILE]
        prints each of the first COUNT events as a JSON line {"type", "data", "id"}

TOKEN "-" sends no Authorization field.
"""

import json
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request


def context(cafile=None):
    return ssl.create_default_context(cafile=cafile) if cafile else None


def publish(url, token, kind, topics, data, private):
    topics = topics.split(",")
    headers = {}
    if token != "-":
        headers["Authorization"] = "Bearer " + token
    if kind == "json":
        body = {"topic": topics if len(topics) > 1 else topics[0], "data": data}
        if private:
            body["private"] = True
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    else:
        fields = [("topic", topic) for topic in topics] + [("data", data)]
        if private:
            fields.append(("private", "on"))
        payload = urllib.parse.urlencode(fields).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=payload, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            print(response.status, response.read().decode().strip())
    except urllib.error.HTTPError as error:
        print(error.code, error.read().decode().strip())


def subscribe(url, token, count, cafile=None):
    """The event-stream interpretation of the HTML standard (§9.2.6), line by line."""
    headers = {"Accept": "text/event-stream"}
    if token != "-":
        headers["Authorization"] = "Bearer " + token
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=60, context=context(cafile))
    except urllib.error.HTTPError as error:
        print(json.dumps({"status": error.code}), flush=True)
        return
    event_type, data, last_id, received = "", [], "", 0
    for raw in response:
        line = raw.decode("utf-8").rstrip("\n").rstrip("\r")
        if line == "":
            if data:
                print(json.dumps({"type": event_type or "message", "data": "\n".join(data), "id": last_id}),
                      flush=True)
                received += 1
                if received == count:
                    return
            event_type, data = "", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "event":
            event_type = value
        elif name == "data":
            data.append(value)
        elif name == "id" and "\0" not in value:
            last_id = value


def main():
    command = sys.argv[1]
    if command == "publish":
        url, token, kind, topics, data = sys.argv[2:7]
        publish(url, token, kind, topics, data, len(sys.argv) > 7 and sys.argv[7] == "private")
    else:
        url, token, count = sys.argv[2:5]
        subscribe(url, token, int(count), sys.argv[5] if len(sys.argv) > 5 else None)


if __name__ == "__main__":
    main()
