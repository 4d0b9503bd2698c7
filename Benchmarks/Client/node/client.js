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

// A Node SSE client written the way the tutorials write it: fetch, a TextDecoder over the body
// stream, a buffer split on "\n\n", "data:" lines joined. Counts the firehose's events and prints
// events/s and MB/s like sse-client-bench.
const url = process.argv[2];

async function run(index) {
  const start = process.hrtime.bigint();
  const response = await fetch(url);
  const decoder = new TextDecoder();
  let buffer = "";
  let events = 0;
  let bytes = 0;
  for await (const chunk of response.body) {
    bytes += chunk.length;
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split("\n").filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, "")).join("\n");
      if (data.length > 0) events++;
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({
    client: "Node fetch + split", run: index, events,
    eventsPerSecond: Math.round(events / seconds), megabytesPerSecond: +(bytes / seconds / 1e6).toFixed(1),
  }));
}

(async () => { for (let index = 1; index <= 3; index++) await run(index); })();
