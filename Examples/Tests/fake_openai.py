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
"""A fake OpenAI-compatible streaming chat API, for the typewriter's --upstream tests.

    fake_openai.py [PORT]        # prints the port it listens on (127.0.0.1) as its first line

POST /v1/chat/completions with {"model", "messages": [{"role", "content"}], "stream": true} and
"Authorization: Bearer KEY" (KEY is $FAKE_OPENAI_KEY, "test-key" by default) streams, as OpenAI
does, one chat.completion.chunk per word of "Echo: " + the last user message, 20 ms apart, then a
chunk with finish_reason "stop" and `data: [DONE]`. The last user message asks for a failure:

    FAIL_AFTER_3    the connection is closed after 3 tokens, mid-body, without [DONE]
    ERROR_500       a 500 JSON error at once
    STALL_AFTER_2   nothing more after 2 tokens for 60 s, then the connection is closed

(an answer shorter than the count fails or stalls after its last token). GET /requests answers
{"count": N, "abandoned": A, "tokens": [T, …]}: the chat completion requests received so far,
refused ones included (a test uses it to show that a browser's reconnection never starts a second
upstream call), those whose client went away before the answer's end (a write failed: a stopped
answer is not paid for), and for each streamed request the tokens written before it ended or
its client went. Standard library only.
"""

import json
import os
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN_INTERVAL = 0.02
STALL = 60.0

requests_lock = threading.Lock()
requests_received = 0
requests_abandoned = 0
tokens_written = []


def last_user_message(messages):
    """The text of the last message whose role is "user": a string, or OpenAI's text parts."""
    for message in reversed(messages if isinstance(messages, list) else []):
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, list):
            return "".join(part.get("text", "") for part in content if isinstance(part, dict))
        return content if isinstance(content, str) else ""
    return ""


def chunk_event(delta, finish_reason):
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 and a chunked body, so that a connection closed mid-answer is a truncated body to
    # the client, not an answer that merely ended.
    protocol_version = "HTTP/1.1"
    server_version = "fake-openai"

    def log_message(self, format, *args):
        pass

    def send_json(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_error_json(self, status, message, kind, code=None):
        self.send_json(status, {"error": {"message": message, "type": kind, "param": None, "code": code}})

    def do_GET(self):
        if self.path.split("?", 1)[0] == "/requests":
            with requests_lock:
                counts = {"count": requests_received, "abandoned": requests_abandoned, "tokens": list(tokens_written)}
            self.send_json(200, counts)
        else:
            self.send_error_json(404, f"Unknown path {self.path}.", "invalid_request_error")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if self.path.split("?", 1)[0] != "/v1/chat/completions":
            self.send_error_json(404, f"Unknown path {self.path}.", "invalid_request_error")
            return
        global requests_received
        with requests_lock:
            requests_received += 1

        expected = "Bearer " + os.environ.get("FAKE_OPENAI_KEY", "test-key")
        if self.headers.get("Authorization", "") != expected:
            self.send_error_json(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
            return
        try:
            request = json.loads(raw or b"null")
        except ValueError:
            request = None
        if not isinstance(request, dict) or not isinstance(request.get("messages"), list):
            self.send_error_json(400, "Expected JSON with a messages array.", "invalid_request_error")
            return
        if request.get("stream") is not True:
            self.send_error_json(400, "This fake only streams: send \"stream\": true.", "invalid_request_error")
            return

        prompt = last_user_message(request["messages"])
        if "ERROR_500" in prompt:
            self.send_error_json(500, "The server had an error while processing your request.", "server_error")
            return
        with requests_lock:
            slot = len(tokens_written)
            tokens_written.append(0)
        try:
            self.stream(prompt, slot)
        except (BrokenPipeError, ConnectionResetError):
            # The client went away; there is nobody left to answer.
            global requests_abandoned
            with requests_lock:
                requests_abandoned += 1
            self.close_connection = True

    def stream(self, prompt, slot):
        tokens = re.findall(r"\S+\s*", "Echo: " + prompt)
        stall = "STALL_AFTER_2" in prompt and "FAIL_AFTER_3" not in prompt
        limit = 3 if "FAIL_AFTER_3" in prompt else 2 if stall else None

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        for index, token in enumerate(tokens[:limit]):
            if index > 0:
                time.sleep(TOKEN_INTERVAL)
            self.write_chunk(chunk_event({"content": token}, None))
            self.wfile.flush()
            with requests_lock:
                tokens_written[slot] += 1

        if limit is not None:
            if stall:
                time.sleep(STALL)
            self.abort()
            return
        time.sleep(TOKEN_INTERVAL)
        self.write_chunk(chunk_event({}, "stop"))
        self.write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def write_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def abort(self):
        """Closes the connection mid-body: no [DONE], no last chunk."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
