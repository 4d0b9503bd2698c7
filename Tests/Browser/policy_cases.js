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
    let pollAnswers = null;
    let counts = { stream: 0, poll: 0 };
    // Streams take `answers` in turn, the last one again and again; polls take `pollAnswers` when given.
    window.fetch = (url, init) => {
        requests.push({ url: String(url), headers: init.headers, at: performance.now() });
        const poll = pollAnswers && new URL(url, location.href).searchParams.get("transport") === "poll";
        const list = poll ? pollAnswers : answers;
        const count = (counts[poll ? "poll" : "stream"] += 1);
        return Promise.resolve(list[Math.min(count, list.length) - 1]());
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
    const fresh = (answerList, pollAnswerList = null) => {
        requests = [];
        answers = answerList;
        pollAnswers = pollAnswerList;
        counts = { stream: 0, poll: 0 };
    };
    const settle = (ms) => new Promise((r) => setTimeout(r, ms));
    // Whether `create` throws a TypeError; a source it makes anyway is closed.
    const throwsTypeError = (create) => {
        try {
            create().close();
            return false;
        } catch (error) {
            return error instanceof TypeError;
        }
    };
    // A stream whose head arrives and then nothing, as through a proxy that buffers.
    const held = () => new Response(new ReadableStream({}), { status: 200, headers: { "Content-Type": "text/event-stream" } });

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
        expect(requests[0].headers["last-event-id"] === undefined, "first request has no Last-Event-ID");
        expect(requests[1] && requests[1].headers["last-event-id"] === "5", "reconnect sends Last-Event-ID: 5");
        expect(JSON.stringify(log.filter((e) => e.type === "message").map((e) => e.lastEventId)) === '["5","5"]',
            `lastEventId persists: ${JSON.stringify(log)}`);

        // A wrong content type, or a status not retried, fails the connection for good (as
        // SSEClient and a native EventSource do): CLOSED and one error, after one request.
        for (const answer of [() => new Response("x", { status: 200, headers: { "Content-Type": "text/plain" } }),
                              () => new Response("no", { status: 404 })]) {
            fresh([answer, () => stream("data: ok\n\n")]);
            source = new SSEEventSource("/policy", { transport: "fetch", reconnection: { initialReconnectionTime: 10 } });
            log = await observe(source, () => source.readyState === 2, "CLOSED after a refusal");
            await settle(200);
            expect(requests.length === 1 && log.length === 1 && log[0].type === "error", `refused: ${requests.length} requests, ${JSON.stringify(log)}`);
        }

        // maximumConsecutiveFailures: that many failures are retried, one more closes for good.
        fresh([() => new Response("down", { status: 500 })]);
        source = new SSEEventSource("/policy", { transport: "fetch", reconnection: { initialReconnectionTime: 10, maximumConsecutiveFailures: 2 } });
        log = await observe(source, () => source.readyState === 2, "CLOSED after maximumConsecutiveFailures");
        await settle(200);
        expect(requests.length === 3, `${requests.length} requests for maximumConsecutiveFailures 2`);
        expect(log.length === 3 && log.every((e) => e.type === "error"), `events: ${JSON.stringify(log)}`);

        // A handler that closes the source on `error` stops it: no request follows.
        fresh([() => new Response("down", { status: 500 })]);
        source = new SSEEventSource("/policy", { transport: "fetch", reconnection: { initialReconnectionTime: 10 } });
        source.onerror = () => source.close();
        await settle(300);
        expect(requests.length === 1 && source.readyState === 2, `close() in onerror: ${requests.length} requests`);

        // The old option name is refused with a TypeError that names the new one.
        expect(throwsTypeError(() => new SSEEventSource("/policy", { retry: { initial: 10 } })), "no TypeError: retry");

        // 204 stops for good after one request and one error.
        fresh([() => new Response(null, { status: 204 })]);
        source = new SSEEventSource("/policy", { transport: "fetch", reconnection: { initialReconnectionTime: 10 } });
        log = await observe(source, () => source.readyState === 2, "CLOSED after 204");
        await settle(200);
        expect(requests.length === 1 && log.length === 1 && log[0].type === "error", `204: ${requests.length} requests, ${JSON.stringify(log)}`);

        // 503 with Retry-After waits that long rather than the (short) backoff.
        fresh([() => new Response("", { status: 503, headers: { "Retry-After": "1" } }), () => stream("data: late\n\n")]);
        source = new SSEEventSource("/policy", { transport: "fetch", reconnection: { initialReconnectionTime: 10 } });
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

        // The lastEventId option is the starting cursor, there from the start.
        fresh([() => stream("")]);
        source = new SSEEventSource("/policy", { transport: "fetch", lastEventId: "7" });
        source.close();
        expect(source.lastEventId === "7", `lastEventId option: source.lastEventId is ${JSON.stringify(source.lastEventId)}`);
        expect(requests[0].headers["last-event-id"] === "7", "lastEventId option: no Last-Event-ID: 7");
        fresh([() => stream("")]);
        new SSEEventSource("/policy", { transport: "longpoll", lastEventId: "7" }).close();
        expect(new URL(requests[0].url).searchParams.get("lastEventId") === "7", `lastEventId option: poll ${requests[0].url}`);

        // Headers, pairs and plain objects all make header fields.
        for (const headers of [new Headers({ "X-A": "1" }), [["X-A", "1"]], { "X-A": "1" }]) {
            fresh([() => stream("")]);
            new SSEEventSource("/policy", { transport: "fetch", headers }).close();
            const sent = requests[0].headers;
            expect(sent["x-a"] === "1" && sent.accept === "text/event-stream", `headers ${headers}: ${JSON.stringify(sent)}`);
        }

        // A floor under every wait after a failure: the server's `retry: 0`, or an initial 0.
        for (const [answer, reconnection] of [[() => stream("retry: 0\n\n"), {}], [() => new Response("", { status: 500 }), { initialReconnectionTime: 0 }]]) {
            fresh([answer]);
            source = new SSEEventSource("/policy", { transport: "fetch", reconnection });
            await settle(450);
            source.close();
            const gaps = requests.slice(1).map((request, index) => Math.round(request.at - requests[index].at));
            expect(requests.length >= 2 && requests.length <= 5 && gaps.every((gap) => gap >= 90),
                `retry floor ${JSON.stringify(reconnection)}: ${requests.length} requests, gaps ${gaps.slice(0, 10)}`);
        }

        // A poll that was answered is followed by the next at once, whatever `retry:` says.
        fresh([() => stream("retry: 0\n\nid: 1\n\n")]);
        source = new SSEEventSource("/policy", { transport: "longpoll" });
        await settle(300);
        source.close();
        expect(requests.length >= 10, `only ${requests.length} polls in 300 ms`);

        // Long polling is GET-only: forcing it with a method or body throws, auto never takes it
        // with a body, and the options are checked even when another tab or a worker connects.
        for (const [options, what] of [
            [{ transport: "longpoll", body: "x" }, "forced long poll with a body"],
            [{ transport: "longpoll", method: "POST" }, "forced long poll with POST"],
            [{ shared: true, transport: "bogus" }, "shared, unknown transport"],
        ]) {
            expect(throwsTypeError(() => new SSEEventSource("/policy", options)), `no TypeError: ${what}`);
        }
        const hidden = { EventSource, XMLHttpRequest, ReadableStream };
        try {
            for (const name of Object.keys(hidden)) window[name] = undefined;
            expect(throwsTypeError(() => new SSEEventSource("/policy", { body: "x" })),
                "no TypeError: auto with a body and only long polling");
            fresh([() => stream("")]);
            source = new SSEEventSource("/policy", {});
            source.close();
            expect(source.transport === "longpoll", `auto without streaming: ${source.transport}`);
        } finally {
            Object.assign(window, hidden);
        }

        // Auto mode takes a stream without a first byte for buffered, and polls instead; not with a
        // body (which a poll cannot carry), and not with a forced transport. Without a cursor, a poll
        // sent with the stream hands the position of the request to the polls that replace it: the
        // first request is that poll, and the next poll starts from its answer.
        for (const [options, expected] of [
            [{ headers: { "X-A": "1" } }, "longpoll"],
            [{ method: "POST", body: "x" }, "fetch"],
            [{ transport: "fetch" }, "fetch"],
        ]) {
            fresh([held], [() => stream("retry: 10\n\nid: 1\n\n"), () => stream("id: 2\ndata: z\n\n")]);
            source = new SSEEventSource("/policy", Object.assign({ bufferTimeout: 50 }, options));
            await settle(300);
            source.close();
            expect(source.transport === expected, `held stream, ${JSON.stringify(options)}: transport ${source.transport}`);
            const urls = requests.map((r) => new URL(r.url));
            const polls = urls.filter((url) => url.searchParams.get("transport") === "poll");
            const described = `held stream, ${JSON.stringify(options)}: requests ${JSON.stringify(requests.map((r) => r.url))}`;
            if (expected === "fetch") {
                expect(requests.length === 1 && polls.length === 0, described);
            } else {
                expect(urls[0].searchParams.get("transport") === "poll" && !urls[0].searchParams.has("lastEventId"), described);
                expect(polls.length >= 2 && polls.slice(1).every((url) => url.searchParams.get("lastEventId")), described);
            }
        }

        // A stream that flows drops the cursorless poll sent beside it.
        fresh([() => stream("retry: 10\n\n")], [() => held()]);
        source = new SSEEventSource("/policy", { headers: { "X-A": "1" }, bufferTimeout: 50 });
        await settle(200);
        source.close();
        expect(source.transport === "fetch", `a flowing stream was replaced: ${source.transport}`);
    } finally {
        window.fetch = realFetch;
    }
    return failures;
})();
