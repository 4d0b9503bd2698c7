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

// Event stream parsing cases for sse.js, run in the page by run_browser_tests.py. Each case's bytes
// go through the fetch transport (window.fetch is replaced by one that streams them) whole, one byte
// per read, and at every two-read split; the events and the final lastEventId must match.
// Evaluates to a promise of the list of failures.
(async () => {
    // [name, stream, expected [type, data, lastEventId] events, expected final lastEventId]
    const cases = [
        ["LF", "data: a\n\n", [["message", "a", ""]], ""],
        ["CRLF", "data: a\r\ndata: b\r\n\r\n", [["message", "a\nb", ""]], ""],
        ["CR", "data: a\rdata: b\r\r", [["message", "a\nb", ""]], ""],
        ["mixed line ends", "data: a\r\n\rdata: b\n\r\ndata: c\r\r", [["message", "a", ""], ["message", "b", ""], ["message", "c", ""]], ""],
        ["BOM", "\uFEFFdata: bom\n\n", [["message", "bom", ""]], ""],
        ["second BOM is not one", "\uFEFF\uFEFFdata: x\n\ndata: y\n\n", [["message", "y", ""]], ""],
        ["space after colon", "data:a\n\ndata:  b\n\n", [["message", "a", ""], ["message", " b", ""]], ""],
        ["field without colon", "data\n\n", [["message", "", ""]], ""],
        ["empty data lines", "data:\ndata:\n\n", [["message", "\n", ""]], ""],
        ["final LF only removed", "data: a\ndata:\n\n", [["message", "a\n", ""]], ""],
        ["comments and unknown fields", ": hi\nfoo: bar\nretry: x\ndata: a\n:\n\n", [["message", "a", ""]], ""],
        ["event type", "event: custom\ndata: a\n\ndata: b\n\n", [["custom", "a", ""], ["message", "b", ""]], ""],
        ["type without data resets", "event: custom\n\ndata: b\n\n", [["message", "b", ""]], ""],
        ["ids", "id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n", [["message", "a", "1"], ["message", "b", "1"], ["message", "c", ""]], ""],
        ["id with NUL ignored", "id: 1\ndata: a\n\nid: 2\u0000x\ndata: b\n\n", [["message", "a", "1"], ["message", "b", "1"]], "1"],
        ["id-only block", "id: 7\n\ndata: x\n\nid: 9\n\n", [["message", "x", "7"]], "9"],
        ["unfinished event discarded", "data: a\n\ndata: b", [["message", "a", ""]], ""],
        ["unfinished id kept", "id: 3\ndata: a\n\nid: 4\ndata: b\n", [["message", "a", "3"]], "3"],
        ["retry field", "retry: 1000\ndata: a\n\n", [["message", "a", ""]], ""],
        ["unicode", "data: h\u00e9llo \u20ac \ud83d\ude00\n\n", [["message", "h\u00e9llo \u20ac \ud83d\ude00", ""]], ""],
        ["colon in value", "data: a: b:c\n\n", [["message", "a: b:c", ""]], ""],
    ];

    const realFetch = window.fetch;
    const run = (chunks) =>
        new Promise((resolve) => {
            window.fetch = () =>
                Promise.resolve(
                    new Response(
                        new ReadableStream({
                            start(controller) {
                                chunks.forEach((chunk) => controller.enqueue(chunk));
                                controller.close();
                            },
                        }),
                        { status: 200, headers: { "Content-Type": "text/event-stream" } }
                    )
                );
            const events = [];
            const source = new SSEEventSource("/parser-case", { transport: "fetch" });
            const record = (event) => events.push([event.type, event.data, event.lastEventId]);
            source.onmessage = record;
            source.addEventListener("custom", record);
            // The stream's end is an error (the source would reconnect): the case is over.
            source.onerror = () => {
                source.close();
                resolve({ events, lastEventId: source.lastEventId });
            };
        });

    const failures = [];
    try {
        for (const [name, text, expectedEvents, expectedId] of cases) {
            const bytes = new TextEncoder().encode(text);
            const splits = [[bytes], Array.from(bytes, (byte) => new Uint8Array([byte]))];
            for (let at = 1; at < bytes.length; at++) splits.push([bytes.slice(0, at), bytes.slice(at)]);
            for (const chunks of splits) {
                const result = await run(chunks);
                const got = JSON.stringify(result);
                const expected = JSON.stringify({ events: expectedEvents, lastEventId: expectedId });
                if (got !== expected) {
                    failures.push(`${name} in ${chunks.length} reads (${chunks.map((c) => c.length)}): ${got}, expected ${expected}`);
                    break;
                }
            }
        }
    } finally {
        window.fetch = realFetch;
    }
    return failures;
})();
