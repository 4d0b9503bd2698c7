//===----------------------------------------------------------------------===//
//
// This source file is part of the swift-sse open source project
//
// Copyright (c) 2026 the swift-sse project authors
// Licensed under Apache License v2.0
//
// See LICENSE.txt for license information
// See CONTRIBUTORS.txt for the list of swift-sse project authors
//
// SPDX-License-Identifier: Apache-2.0
//
//===----------------------------------------------------------------------===//

// A Node `http` SSE server written the way the tutorials write it: an array of responses, a
// broadcast loop that writes `id:` and `data:` to each. Same protocol as sse-load-server:
// GET /events streams; POST /broadcast?count=M&size=B publishes M events of B bytes, each starting
// with its publish time in nanoseconds (wall clock); with after=N it first waits for N
// subscribers, and with end=1 it ends every stream after the last event. With SSE_TLS_CERT and
// SSE_TLS_KEY set, it is an `http2` secure server (HTTP/1.1 too, by ALPN), as Node's docs write one.
const http = require("http");
const http2 = require("http2");
const fs = require("fs");

const clients = new Set();
let nextId = 1;

// Wall-clock nanoseconds: the monotonic clock, offset once to the wall clock (to within 1 ms).
const offset = BigInt(Date.now()) * 1000000n - process.hrtime.bigint();
function nowNanoseconds() {
  return (process.hrtime.bigint() + offset).toString();
}

function handle(req, res) {
  const url = new URL(req.url, "http://localhost");
  if (req.method === "GET" && url.pathname === "/events") {
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache",
      "X-Accel-Buffering": "no",
    });
    // Send the head now, as tutorials do, so that the stream opens before its first event.
    res.flushHeaders();
    clients.add(res);
    req.on("close", () => clients.delete(res));
    return;
  }
  if (req.method === "GET" && url.pathname === "/own") {
    // One connection's own stream, as a tutorial writes it: res.write per event.
    const count = Number(url.searchParams.get("count") ?? 50000);
    const size = Number(url.searchParams.get("size") ?? 64);
    res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache" });
    const data = "x".repeat(size);
    for (let i = 1; i <= count; i++) res.write(`id: ${i}\ndata: ${data}\n\n`);
    res.end();
    return;
  }
  if (req.method === "POST" && url.pathname === "/broadcast") {
    const count = Number(url.searchParams.get("count") ?? 1000);
    const size = Number(url.searchParams.get("size") ?? 64);
    const after = Number(url.searchParams.get("after") ?? 0);
    const end = url.searchParams.get("end") === "1";
    res.writeHead(202).end(`publishing ${count}\n`);
    const publish = () => {
      if (clients.size < after) {
        setTimeout(publish, 1);
        return;
      }
      for (let i = 0; i < count; i++) {
        const stamp = nowNanoseconds();
        const data = stamp + " " + "x".repeat(Math.max(0, size - stamp.length - 1));
        const event = `id: ${nextId++}\ndata: ${data}\n\n`;
        for (const client of clients) client.write(event);
      }
      if (end) {
        for (const client of clients) client.end();
        clients.clear();
      }
    };
    publish();
    return;
  }
  res.writeHead(404).end();
}

const server = process.env.SSE_TLS_CERT
  ? http2.createSecureServer(
      { cert: fs.readFileSync(process.env.SSE_TLS_CERT), key: fs.readFileSync(process.env.SSE_TLS_KEY), allowHTTP1: true },
      handle,
    )
  : http.createServer(handle);

server.listen(Number(process.argv[2] ?? 8080), "127.0.0.1", () => {
  console.log(`node server: listening on 127.0.0.1:${server.address().port}`);
});
