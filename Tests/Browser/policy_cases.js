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

// The interface and the reconnection policy of sse.js against scripted responses, run in the page
// by run_browser_tests.py: window.fetch is replaced by one that answers from a list and records
// each request. Evaluates to a promise of the list of failures.
(async () => {
    const failures = [];
    const expect = (condition, message) => {
        if (!condition) failures.push(message);
    };
    const stream = (text) => new Response(text, { status: 200, headers: { "Content-Type": "text/event-stream" } });
    const realFetch = window.fetch;
    let requests = [];
    let answers = [];
    window.fetch = (url, init) => {
        requests.push({ url: String(url), headers: init.headers, at: performance.now() });
        const answer = answers[Math.min(requests.length, answers.length) - 1];
        return Promise.resolve(answer());
    };

    // Resolves when `condition(log)` holds, with `log` the source's events so far; fails after 5 s.
    const observe = (source, condition, what) => {
        const log = [];
        const check = () => condition(log) && resolve(log);
        let resolve;
        const done = new Promise((r) => (resolve = r));
        for (const type of ["open", "message", "error"]) {
            source.addEventListener(type, (event) => {
                log.push({ type, data: event.data, lastEventId: event.lastEventId, readyState: source.readyState });
                check();
            });
        }
        const timeout = new Promise((r) => setTimeout(() => r(null), 5000));
        return Promise.race([done, timeout]).then((result) => {
            if (!result) failures.push(`timed out waiting for ${what}: ${JSON.stringify(log)}`);
            return result || log;
        });
    };
    const fresh = (answerList) => {
        requests = [];
        answers = answerList;
    };
    const settle = (ms) => new Promise((r) => setTimeout(r, ms));

    try {
        // The interface.
        fresh([() => stream("")]);
        let source = new SSEEventSource("/policy?x=1", { transport: "fetch" });
        expect(SSEEventSource.CONNECTING === 0 && SSEEventSource.OPEN === 1 && SSEEventSource.CLOSED === 2, "class constants");
        expect(source.CONNECTING === 0 && source.OPEN === 1 && source.CLOSED === 2, "instance constants");
        expect(source.url === new URL("/policy?x=1", location.href).href, `url ${source.url}`);
        expect(source.withCredentials === false && source.readyState === 0, "withCredentials / readyState");
        expect(source.transport === "fetch", `transport ${source.transport}`);
        source.close();
        expect(source.readyState === 2, "close() leaves CLOSED");

        // The cursor goes with the reconnect as Last-Event-ID, and survives it.
        fresh([() => stream("retry: 10\nid: 5\ndata: a\n\n"), () => stream("data: b\n\n")]);
        source = new SSEEventSource("/policy", { transport: "fetch" });
        let log = await observe(source, (l) => l.filter((e) => e.type === "message").length >= 2, "two messages");
        source.close();
        expect(requests[0].headers["Last-Event-ID"] === undefined, "first request has no Last-Event-ID");
        expect(requests[1] && requests[1].headers["Last-Event-ID"] === "5", "reconnect sends Last-Event-ID: 5");
        expect(JSON.stringify(log.filter((e) => e.type === "message").map((e) => e.lastEventId)) === '["5","5"]',
            `lastEventId persists: ${JSON.stringify(log)}`);

        // A wrong content type is an error; the next attempt may succeed.
        fresh([() => new Response("x", { status: 200, headers: { "Content-Type": "text/plain" } }), () => stream("data: ok\n\n")]);
        source = new SSEEventSource("/policy", { transport: "fetch", retry: { initial: 10 } });
        log = await observe(source, (l) => l.some((e) => e.type === "message"), "a message after a bad content type");
        source.close();
        expect(JSON.stringify(log.map((e) => e.type).slice(0, 3)) === '["error","open","message"]', `order: ${JSON.stringify(log)}`);

        // maxAttempts: attempts that never opened, then CLOSED with one last error.
        fresh([() => new Response("down", { status: 500 })]);
        source = new SSEEventSource("/policy", { transport: "fetch", retry: { initial: 10, maxAttempts: 3 } });
        log = await observe(source, () => source.readyState === 2, "CLOSED after maxAttempts");
        await settle(200);
        expect(requests.length === 3, `${requests.length} requests for maxAttempts 3`);
        expect(log.length === 3 && log.every((e) => e.type === "error"), `events: ${JSON.stringify(log)}`);

        // 204 stops for good after one request and one error.
        fresh([() => new Response(null, { status: 204 })]);
        source = new SSEEventSource("/policy", { transport: "fetch", retry: { initial: 10 } });
        log = await observe(source, () => source.readyState === 2, "CLOSED after 204");
        await settle(200);
        expect(requests.length === 1 && log.length === 1 && log[0].type === "error", `204: ${requests.length} requests, ${JSON.stringify(log)}`);

        // 503 with Retry-After waits that long rather than the (short) backoff.
        fresh([() => new Response("", { status: 503, headers: { "Retry-After": "1" } }), () => stream("data: late\n\n")]);
        source = new SSEEventSource("/policy", { transport: "fetch", retry: { initial: 10 } });
        await observe(source, (l) => l.some((e) => e.type === "message"), "a message after 503");
        source.close();
        expect(requests.length >= 2 && requests[1].at - requests[0].at >= 900, "Retry-After: 1 was not honoured");

        // Long polling: the poll URL, the cursor handed by an id-only block, and "open" only once.
        fresh([() => stream("retry: 10\n\nid: 9\n\n"), () => stream("id: 10\ndata: x\n\n"), () => stream("id: 11\ndata: y\n\n")]);
        source = new SSEEventSource("/policy?topic=t", { transport: "longpoll" });
        log = await observe(source, (l) => l.filter((e) => e.type === "message").length >= 2, "two polled messages");
        source.close();
        const first = new URL(requests[0].url);
        const second = new URL(requests[1].url);
        expect(first.searchParams.get("transport") === "poll" && !first.searchParams.has("lastEventId"), `first poll ${first}`);
        expect(second.searchParams.get("lastEventId") === "9", `second poll ${second}`);
        expect(log.filter((e) => e.type === "open").length === 1, `opens: ${JSON.stringify(log)}`);
    } finally {
        window.fetch = realFetch;
    }
    return failures;
})();
