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

"""A client of a generation, written from the article "Generations that outlive their connections"
(Sources/SSEStreaming/Docs.docc/ResumableGenerations.md), not from the package's code: the second
implementation its tests hold the servers to. Standard library only.

    python3 generation_client.py URL --drop-after N [--resume-url URL2]

Opens URL (a generation's stream), reads events with its own parser, closes the connection after N
events and reconnects with the last event ID it saw, as a browser that lost its network would; reads
until the end event (`sse-generation-end`), then asks once more with the end event's ID, which must be
answered 204. With --resume-url it reconnects, and asks once more, there: another instance of the same
generations, as a browser sent elsewhere by a load balancer. Prints one line of JSON: the data and IDs of the events (the end event apart), the end
event's data, the status of the last request, and how many times it reconnected.
"""

import argparse
import json
import sys
import urllib.error
import urllib.request

END = "sse-generation-end"


def events(response):
    """The events of a text/event-stream response, as (type, data, id) with id None when absent."""
    kind, data, event_id = "message", [], None
    for raw in response:
        line = raw.decode("utf-8").rstrip("\r\n")
        if line == "":
            if data:
                yield kind, "\n".join(data), event_id
            kind, data, event_id = "message", [], None
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            kind = value
        elif field == "data":
            data.append(value)
        elif field == "id":
            event_id = value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--drop-after", type=int, required=True)
    parser.add_argument("--resume-url")
    arguments = parser.parse_args()
    resume_url = arguments.resume_url or arguments.url

    received, ids, end, last_id, reconnects = [], [], None, None, 0
    while end is None:
        url = arguments.url if reconnects == 0 else resume_url
        request = urllib.request.Request(url, headers={"Accept": "text/event-stream"})
        if last_id is not None:
            request.add_header("Last-Event-ID", last_id)
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status == 204:
                print(json.dumps({"error": "204 before the end", "received": received}))
                return 1
            for kind, data, event_id in events(response):
                if event_id is not None:
                    last_id = event_id
                if kind == END:
                    end = data
                    break
                received.append(data)
                ids.append(event_id)
                if reconnects == 0 and len(received) == arguments.drop_after:
                    break
        if end is None:
            reconnects += 1

    # The article: a client that has the end event and asks again gets 204, and stops.
    request = urllib.request.Request(resume_url, headers={"Last-Event-ID": last_id})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    print(json.dumps({"data": received, "ids": ids, "end": json.loads(end), "lastStatus": status,
                      "reconnects": reconnects}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
