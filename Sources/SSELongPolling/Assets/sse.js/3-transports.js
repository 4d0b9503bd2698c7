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

    // The transports, in the order auto mode tries them. Streaming fetch and XHR come before the
    // native EventSource, which hides what the policy and the watchdogs need: the status and
    // Retry-After of a refusal, `retry:`, heartbeats, and whether a body is flowing at all.
    const TRANSPORTS = ["fetch", "xhr", "eventsource", "longpoll"];

    const available = {
        eventsource: () => typeof EventSource === "function",
        fetch: () =>
            typeof fetch === "function" && typeof ReadableStream === "function" && typeof TextDecoder === "function",
        xhr: () => typeof XMLHttpRequest === "function",
        longpoll: () => typeof fetch === "function",
    };

    const plainGET = (options) => options.body == null && (options.method || "GET").toUpperCase() === "GET";

    // Native EventSource can send neither headers nor a body, and only hears the event types it was
    // told about, which a connection relayed to other tabs cannot know. A long poll is a GET
    // without a body. `options.headers` holds [name, value] pairs here.
    function usable(name, options, allowNative) {
        if (!available[name]()) return false;
        if (name === "eventsource") {
            // A native EventSource sends a token only through a ticket in its URL.
            const tokenFits = !options.token || Boolean(options.ticketURL);
            return allowNative && plainGET(options) && !options.headers.length && tokenFits;
        }
        return name !== "longpoll" || plainGET(options);
    }

    function pickTransport(options, allowNative) {
        const wanted = options.transport || "auto";
        if (wanted !== "auto" && !TRANSPORTS.includes(wanted)) {
            throw new TypeError(`SSEEventSource: unknown transport "${wanted}"`);
        }
        if (wanted === "longpoll" && !plainGET(options)) {
            throw new TypeError("SSEEventSource: long polling is GET-only, it cannot send a method or body");
        }
        const fits = (name) => usable(name, options, allowNative);
        const found = wanted !== "auto" && fits(wanted) ? wanted : TRANSPORTS.find(fits);
        if (!found) throw new TypeError("SSEEventSource: no transport of this browser can make this request");
        return found;
    }

    // Reads a fetch response's body into the attempt as UTF-8 text, whatever charset it declares,
    // flushing the decoder at the end; resolves when the body has ended. A browser without
    // streamed bodies (long polling's last resort) hands it over whole.
    async function read(response, attempt) {
        if (!response.body) return attempt.chunk(await response.text());
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        for (let chunk; !(chunk = await reader.read()).done; ) attempt.chunk(decoder.decode(chunk.value, { stream: true }));
        attempt.chunk(decoder.decode());
    }

    // A native EventSource for `url`, reporting to the attempt; returns what closes it.
    function openEventSource(attempt, url) {
        const source = new EventSource(url, { withCredentials: attempt.options.withCredentials });
        const relay = (event) => attempt.event(event.type, event.data, event.lastEventId);
        source.onopen = () => attempt.opened();
        source.onerror = () => {
            // CLOSED: the browser gave up by itself, after a status or content type it does not
            // say; the next attempt asks with fetch, which can read them.
            const gaveUp = source.readyState === CLOSED;
            source.close();
            attempt.end(false, gaveUp);
        };
        attempt.types.forEach((type) => source.addEventListener(type, relay));
        attempt.listen = (type) => source.addEventListener(type, relay);
        return () => source.close();
    }

    // Each starts one attempt and reports through it; the returned function cancels it. The
    // attempt ignores reports once it is over.
    const transports = {
        fetch(attempt) {
            const controller = new AbortController();
            fetch(attempt.url(false), attempt.request(controller.signal, true))
                .then(async (response) => {
                    if (!attempt.head(response.status, (name) => response.headers.get(name))) return controller.abort();
                    await read(response, attempt);
                    attempt.end(true);
                })
                .catch(() => attempt.end(false));
            return () => controller.abort();
        },

        xhr(attempt) {
            const xhr = new XMLHttpRequest();
            const request = attempt.request(null, true);
            const limit = attempt.options.xhrTextLimit ?? 4194304;
            let accepted = false;
            let seen = 0;
            const cancel = () => {
                xhr.onreadystatechange = xhr.onprogress = null;
                xhr.abort();
            };
            const progress = () => {
                if (xhr.readyState < XMLHttpRequest.HEADERS_RECEIVED) return;
                const done = xhr.readyState === XMLHttpRequest.DONE;
                if (!accepted) {
                    if (xhr.status === 0) return attempt.end(false);
                    if (!attempt.head(xhr.status, (name) => xhr.getResponseHeader(name))) return cancel();
                    accepted = true;
                }
                const text = xhr.responseText;
                if (text.length > seen) {
                    attempt.chunk(text.slice(seen));
                    seen = text.length;
                }
                if (done) attempt.end(xhr.status !== 0);
                // responseText keeps every character of the response: past the limit, resume on a new
                // request, once this one has moved the cursor (so the next starts further on).
                else if (seen > limit && attempt.mayResume()) {
                    cancel();
                    attempt.resume();
                }
            };
            xhr.open(request.method, attempt.url(false));
            // The stream is UTF-8 whatever charset the server declares (and XHR would believe).
            xhr.overrideMimeType("text/plain; charset=utf-8");
            xhr.withCredentials = request.credentials === "include";
            for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
            xhr.onreadystatechange = xhr.onprogress = progress;
            xhr.send(request.body);
            return cancel;
        },

        eventsource(attempt) {
            const { ticketURL, ticketParameter, withCredentials } = attempt.options;
            if (attempt.token == null || !ticketURL) return openEventSource(attempt, attempt.url(true));
            // The token buys a one-time ticket, the one credential the URL may carry.
            const controller = new AbortController();
            let close = () => {};
            fetch(new URL(ticketURL, attempt.connection.url).href, {
                method: "POST",
                headers: { authorization: `Bearer ${attempt.token}` },
                credentials: withCredentials ? "include" : "same-origin",
                cache: "no-store",
                signal: controller.signal,
            })
                .then(async (response) => {
                    if (!attempt.live()) return;
                    if (!response.ok) {
                        return attempt.connection.ended(attempt, {
                            status: response.status,
                            contentType: "",
                            retryAfter: response.headers.get("retry-after"),
                        });
                    }
                    const { ticket } = await response.json();
                    if (!attempt.live()) return;
                    close = openEventSource(attempt, withParameter(attempt.url(true), ticketParameter || "ticket", ticket));
                })
                .catch(() => attempt.end(false));
            return () => {
                controller.abort();
                close();
            };
        },

        // Each poll is an event stream that ends: the events after the cursor, or an id-only block
        // handing the newest cursor once the server has waited long enough. `pending` is a poll
        // already on its way: {controller, response}.
        longpoll(attempt, pending) {
            const controller = pending ? pending.controller : new AbortController();
            (pending ? pending.response : fetch(attempt.pollURL(), attempt.request(controller.signal, false)))
                .then(async (response) => {
                    if (!attempt.head(response.status, (name) => response.headers.get(name))) return controller.abort();
                    await read(response, attempt);
                    attempt.answered();
                })
                .catch(() => attempt.end(false));
            return () => controller.abort();
        },
    };
