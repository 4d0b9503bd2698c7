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

// SSEEventSource: the EventSource interface over the best transport the browser has (native
// EventSource, streaming fetch, XMLHttpRequest progress, long polling), with one reconnection
// policy for all of them, and optionally one connection shared by every tab of the origin.
//
//     const source = new SSEEventSource("/events?topic=news", { retry: { max: 10000 } });
//     source.onmessage = (event) => show(event.data);
//     source.addEventListener("sse-replay-unavailable", reload);
//
// Options:
//   transport        "auto" (default), or force "eventsource" | "fetch" | "xhr" | "longpoll"
//   withCredentials  send cookies cross-origin
//   headers          request headers (Headers, [name, value] pairs or an object), polls included
//   method, body     method (GET) and body of stream requests; these need fetch or xhr, and a long
//                    poll, always a GET without a body, throws a TypeError when forced with them
//   lastEventId      the cursor to start from
//   retry            {initial: 1000, max: 30000, factor: 2, jitter: 0.5, maxAttempts: Infinity,
//                    min: 100 (the least wait after a failure)}
//   bufferTimeout    in auto mode, how long (ms) a stream may go without its first byte before it is
//                    taken for buffered and long polling replaces it (5000; 0: never)
//   pollURL          long-poll URL (default: the URL with transport=poll)
//   cursorParameter  query parameter carrying the last event ID (default "lastEventId")
//   shared           share one connection between the tabs of the origin
//   sharedMode       "auto" (SharedWorker, else Web Locks), "worker" or "locks"
//   scriptURL        this script's URL, for the SharedWorker (default: where it was loaded from)
//
// The same file is a classic script, an ES module (the server appends the exports) and the
// SharedWorker script, so it holds no import/export and reaches the global object only through
// globalThis.
(function () {
    "use strict";

    const CONNECTING = 0;
    const OPEN = 1;
    const CLOSED = 2;
    const TRANSPORTS = ["eventsource", "fetch", "xhr", "longpoll"];
    const DEFAULT_RETRY = { initial: 1000, max: 30000, factor: 2, jitter: 0.5, maxAttempts: Infinity, min: 100 };

    // Only readable while this classic script first runs; the SharedWorker is started from it later.
    const loadedFrom = globalThis.document && document.currentScript ? document.currentScript.src : "";

    // The event stream parser of
    // https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
    // fed with text in chunks of any size. The text comes from the platform's UTF-8 decoding
    // (TextDecoder, responseText, Response.text()), which has already dropped a leading BOM.
    // `onDispatch(lastEventId, event)` runs at every blank line; `event` is null for a block
    // without data, which still moves the last event ID.
    function createParser(lastEventId, onDispatch, onRetry) {
        const lineEnd = /\r\n|\r|\n/g;
        let buffer = "";
        // The previous chunk ended in CR: an LF that opens this one belongs to that line end.
        let skipLF = false;
        let data = "";
        let type = "";
        let id = lastEventId;

        function processLine(line) {
            if (line === "") {
                const event = data === "" ? null : { type: type || "message", data: data.slice(0, -1) };
                data = "";
                type = "";
                onDispatch(id, event);
                return;
            }
            if (line[0] === ":") return;
            const colon = line.indexOf(":");
            const field = colon < 0 ? line : line.slice(0, colon);
            let value = colon < 0 ? "" : line.slice(colon + 1);
            if (value[0] === " ") value = value.slice(1);
            if (field === "data") data += value + "\n";
            else if (field === "event") type = value;
            else if (field === "id" && !value.includes("\0")) id = value;
            else if (field === "retry" && /^[0-9]+$/.test(value)) onRetry(Number(value));
        }

        return function push(chunk) {
            if (chunk === "") return;
            if (skipLF && chunk[0] === "\n") chunk = chunk.slice(1);
            skipLF = false;
            // What is left of the previous chunk holds no line end: search only the new text.
            lineEnd.lastIndex = buffer.length;
            buffer += chunk;
            let start = 0;
            let match;
            while ((match = lineEnd.exec(buffer))) {
                processLine(buffer.slice(start, match.index));
                start = lineEnd.lastIndex;
                skipLF = match[0] === "\r" && start === buffer.length;
            }
            buffer = buffer.slice(start);
        };
    }

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
        if (name === "eventsource") return allowNative && plainGET(options) && !options.headers.length;
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

    function withParameter(url, name, value) {
        const result = new URL(url);
        result.searchParams.set(name, value);
        return result.href;
    }

    // Retry-After is either seconds or an HTTP date.
    function retryAfterMilliseconds(value) {
        if (!value) return undefined;
        if (/^\s*[0-9]+\s*$/.test(value)) return Number(value) * 1000;
        const date = Date.parse(value);
        return isNaN(date) ? undefined : Math.max(0, date - Date.now());
    }

    // The transports. Each starts one attempt and reports through `attempt`; the returned function
    // cancels it. Reports of a cancelled or finished attempt are ignored by `attempt` itself.
    const transports = {
        eventsource(attempt) {
            const source = new EventSource(attempt.url(true), { withCredentials: attempt.options.withCredentials });
            const relay = (event) => attempt.event(event.type, event.data, event.lastEventId);
            source.onopen = () => attempt.opened();
            source.onerror = () => {
                // The browser gives up by itself after a bad status or content type, and does not
                // tell 204 (stop for good) from 500 (try again): the next attempt asks with fetch.
                if (source.readyState === CLOSED) attempt.nativeGaveUp();
                source.close();
                attempt.end();
            };
            attempt.types.forEach((type) => source.addEventListener(type, relay));
            attempt.listen = (type) => source.addEventListener(type, relay);
            return () => source.close();
        },

        fetch(attempt) {
            const controller = new AbortController();
            fetch(attempt.url(false), attempt.request(controller.signal, true))
                .then(async (response) => {
                    if (!attempt.accept(response.status, (name) => response.headers.get(name))) {
                        controller.abort();
                        return;
                    }
                    attempt.opened();
                    const reader = response.body.getReader();
                    const decoder = new TextDecoder();
                    for (let read; !(read = await reader.read()).done; ) {
                        attempt.chunk(decoder.decode(read.value, { stream: true }));
                    }
                    attempt.end();
                })
                .catch(() => attempt.end());
            return () => controller.abort();
        },

        xhr(attempt) {
            const xhr = new XMLHttpRequest();
            const request = attempt.request(null, true);
            let accepted = false;
            let seen = 0;
            const progress = () => {
                if (xhr.readyState < XMLHttpRequest.HEADERS_RECEIVED) return;
                if (!accepted) {
                    if (xhr.status === 0) return attempt.end();
                    if (!attempt.accept(xhr.status, (name) => xhr.getResponseHeader(name))) return cancel();
                    accepted = true;
                    attempt.opened();
                }
                const text = xhr.responseText;
                if (text.length > seen) {
                    attempt.chunk(text.slice(seen));
                    seen = text.length;
                }
                if (xhr.readyState === XMLHttpRequest.DONE) attempt.end();
            };
            const cancel = () => {
                xhr.onreadystatechange = xhr.onprogress = null;
                xhr.abort();
            };
            xhr.open(request.method, attempt.url(false));
            xhr.withCredentials = request.credentials === "include";
            for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
            xhr.onreadystatechange = xhr.onprogress = progress;
            xhr.send(request.body);
            return cancel;
        },

        // Each poll is a complete event stream: the events after the cursor, or an id-only block
        // handing the newest cursor once the server has waited long enough.
        longpoll(attempt) {
            const controller = new AbortController();
            fetch(attempt.pollURL(), attempt.request(controller.signal, false))
                .then((response) => {
                    if (!attempt.accept(response.status, (name) => response.headers.get(name))) return;
                    return response.text().then((text) => {
                        attempt.opened();
                        attempt.chunk(text);
                        attempt.pollAgain();
                    });
                })
                .catch(() => attempt.end());
            return () => controller.abort();
        },
    };

    // One logical connection: attempts over a transport, reconnection with backoff, the last event
    // ID. `emit` receives plain messages (so they can cross to other tabs):
    //   {kind: "transport", transport}, {kind: "open", transport, lastEventId}, {kind: "error"},
    //   {kind: "closed"}, {kind: "event", type, data, lastEventId, origin}, {kind: "id", lastEventId}.
    function connect(url, options, allowNative, emit) {
        const retry = Object.assign({}, DEFAULT_RETRY, options.retry);
        const bufferTimeout = options.bufferTimeout ?? 5000;
        // Only auto mode gives up on a stream held back on the way, and only for long polling that
        // can carry the request.
        const mayPoll = (options.transport || "auto") === "auto" && bufferTimeout > 0 && usable("longpoll", options);
        const origin = new URL(url).origin;
        const types = new Set(["message"]);
        let transport = pickTransport(options, allowNative);
        let lastEventId = options.lastEventId || "";
        // The server's `retry:` field replaces the configured initial delay.
        let baseDelay = retry.initial;
        // Attempts in a row that never opened; an open resets the count.
        let failures = 0;
        let state = CONNECTING;
        let timer = 0;
        let current = null;

        // Attempt n (failures = n) waits base × factor^(n-1), at most max; jitter takes a random
        // share of that away (jitter 1 is full jitter). With the defaults, before jitter:
        //   failures    0 or 1   2      3      4      5       6 and on
        //   delay (ms)  1000     2000   4000   8000   16000   30000
        function backoff() {
            const delay = Math.min(retry.max, baseDelay * Math.pow(retry.factor, Math.max(0, failures - 1)));
            return delay - delay * retry.jitter * Math.random();
        }

        function schedule(delay) {
            timer = setTimeout(() => {
                timer = 0;
                start();
            }, delay);
        }

        function stop() {
            if (current) current.cancel();
            current = null;
            clearTimeout(timer);
            timer = 0;
            globalThis.removeEventListener("online", onOnline);
        }

        function closeForGood() {
            stop();
            state = CLOSED;
            emit({ kind: "closed" });
        }

        // The network came back: whatever the backoff says, try now.
        function onOnline() {
            if (state === CONNECTING && timer) {
                clearTimeout(timer);
                timer = 0;
                start();
            }
        }

        function start() {
            const attempt = {
                options,
                types,
                listen: null,
                cancel: () => {},
                done: false,
                wasOpen: false,
                held: 0,
            };
            current = attempt;
            const live = () => current === attempt && !attempt.done;
            const finish = () => {
                attempt.done = true;
                current = null;
                clearTimeout(attempt.held);
            };
            const push = createParser(
                lastEventId,
                (id, event) => {
                    if (!live()) return;
                    lastEventId = id;
                    if (event) emit({ kind: "event", type: event.type, data: event.data, lastEventId: id, origin });
                    else emit({ kind: "id", lastEventId: id });
                },
                (milliseconds) => {
                    baseDelay = milliseconds;
                }
            );
            Object.assign(attempt, {
                url(withCursor) {
                    return withCursor && lastEventId ? withParameter(url, cursorParameter, lastEventId) : url;
                },
                pollURL() {
                    const poll = options.pollURL
                        ? new URL(options.pollURL, url).href
                        : withParameter(url, "transport", "poll");
                    return lastEventId ? withParameter(poll, cursorParameter, lastEventId) : poll;
                },
                request(signal, streaming) {
                    const headers = Object.assign({ accept: "text/event-stream" }, Object.fromEntries(options.headers));
                    if (streaming && lastEventId) headers["last-event-id"] = lastEventId;
                    return {
                        method: streaming ? options.method || "GET" : "GET",
                        headers,
                        body: streaming && options.body != null ? options.body : null,
                        credentials: options.withCredentials ? "include" : "same-origin",
                        cache: "no-store",
                        signal,
                    };
                },
                // Whether the response is an event stream to read; otherwise the attempt is over.
                accept(status, header) {
                    if (!live()) return false;
                    if (status === 204) {
                        closeForGood();
                        return false;
                    }
                    if (status === 200 && /^text\/event-stream\b/i.test(header("content-type") || "")) return true;
                    attempt.end(status === 503 || status === 429 ? retryAfterMilliseconds(header("retry-after")) : undefined);
                    return false;
                },
                opened() {
                    if (!live()) return;
                    if (transport === "eventsource") clearTimeout(attempt.held);
                    if (transport === "fetch") attempt.watch();
                    attempt.wasOpen = true;
                    failures = 0;
                    if (state !== OPEN) {
                        state = OPEN;
                        emit({ kind: "open", transport, lastEventId });
                    }
                },
                chunk(text) {
                    if (!live()) return;
                    clearTimeout(attempt.held);
                    push(text);
                },
                // Our servers start every stream with `retry:`, so a stream without a first byte is
                // held back by a proxy. The clock starts at the head with fetch; XHR shows nothing
                // before the first byte, and the native EventSource only its open on the head (as
                // in Chromium), so for them it starts with the request.
                watch() {
                    if (!mayPoll || transport === "longpoll") return;
                    attempt.held = setTimeout(() => {
                        if (!live()) return;
                        finish();
                        attempt.cancel();
                        transport = "longpoll";
                        emit({ kind: "transport", transport });
                        start();
                    }, bufferTimeout);
                },
                event(type, data, id) {
                    if (!live()) return;
                    lastEventId = id;
                    emit({ kind: "event", type, data, lastEventId: id, origin });
                },
                nativeGaveUp() {
                    if (!live()) return;
                    transport = pickTransport(options, false);
                    emit({ kind: "transport", transport });
                },
                pollAgain() {
                    if (!live()) return;
                    finish();
                    start();
                },
                end(delay) {
                    if (!live()) return;
                    finish();
                    if (!attempt.wasOpen) failures += 1;
                    if (failures >= retry.maxAttempts) return closeForGood();
                    state = CONNECTING;
                    emit({ kind: "error" });
                    schedule(Math.max(retry.min, delay === undefined ? backoff() : delay));
                },
            });
            attempt.cancel = transports[transport](attempt);
            if (transport !== "fetch") attempt.watch();
        }

        const cursorParameter = options.cursorParameter || "lastEventId";
        globalThis.addEventListener("online", onOnline);
        emit({ kind: "transport", transport });
        start();

        return {
            listen(type) {
                if (types.has(type)) return;
                types.add(type);
                if (current && current.listen) current.listen(type);
            },
            close() {
                stop();
                state = CLOSED;
            },
        };
    }

    // Shared connections: one per URL for all tabs of the origin, named after the URL.
    // `useWorker` is false once a SharedWorker has failed to load.
    function share(url, options, receive, useWorker = true) {
        const name = "swift-sse " + url;
        const mode = options.sharedMode || "auto";
        const scriptURL = options.scriptURL ? new URL(options.scriptURL, location.href).href : loadedFrom;
        if (useWorker && mode !== "locks" && typeof SharedWorker === "function" && scriptURL) {
            return shareThroughWorker(url, options, name, scriptURL, receive);
        }
        if (mode !== "worker" && globalThis.navigator && navigator.locks && typeof BroadcastChannel === "function") {
            return shareThroughLeader(url, options, name, receive);
        }
        return null;
    }

    function plainOptions(options) {
        const copy = Object.assign({}, options);
        delete copy.shared;
        delete copy.sharedMode;
        delete copy.scriptURL;
        return copy;
    }

    function shareThroughWorker(url, options, name, scriptURL, receive) {
        const type = /\.mjs([?#]|$)/.test(scriptURL) ? "module" : "classic";
        let lastEventId = options.lastEventId;
        let port = null;
        let fallback = null;
        // Each join is a new SharedWorker object: the worker may have ended while the tab was away.
        const join = () => {
            const worker = new SharedWorker(scriptURL, { name, type });
            const own = (port = worker.port);
            own.onmessage = ({ data: message }) => {
                if (message.lastEventId !== undefined) lastEventId = message.lastEventId;
                receive(message);
            };
            // A worker script that does not load: share as if there were no SharedWorker.
            worker.onerror = () => {
                if (port !== own) return;
                leave();
                fallback = share(url, options, receive, false);
                if (!fallback) {
                    const connection = connect(url, options, false, receive);
                    fallback = () => connection.close();
                }
            };
            own.postMessage({ kind: "join", url, options: Object.assign(plainOptions(options), { lastEventId }) });
        };
        // A port gives no sign when its tab goes away; a tab that leaves says so, and joins again,
        // from its own last event ID, when the back/forward cache restores it.
        const leave = () => {
            if (!port) return;
            port.postMessage({ kind: "leave" });
            port.close();
            port = null;
        };
        const rejoin = (event) => {
            if (event.persisted && !port && !fallback) join();
        };
        globalThis.addEventListener("pagehide", leave);
        globalThis.addEventListener("pageshow", rejoin);
        join();
        return () => {
            leave();
            if (fallback) fallback();
            globalThis.removeEventListener("pagehide", leave);
            globalThis.removeEventListener("pageshow", rejoin);
        };
    }

    // What a tab joining a running connection needs to catch up with it.
    function createSnapshot() {
        const snapshot = { transport: "", open: false, lastEventId: "" };
        snapshot.note = (message) => {
            if (message.transport !== undefined) snapshot.transport = message.transport;
            if (message.lastEventId !== undefined) snapshot.lastEventId = message.lastEventId;
            if (message.kind === "open") snapshot.open = true;
            if (message.kind === "error") snapshot.open = false;
        };
        snapshot.messages = () => {
            const messages = [{ kind: "transport", transport: snapshot.transport }];
            if (snapshot.open) {
                messages.push({ kind: "open", transport: snapshot.transport, lastEventId: snapshot.lastEventId });
            }
            return messages;
        };
        return snapshot;
    }

    // The tab holding the Web Lock holds the connection and relays it over a BroadcastChannel. When
    // it goes, the lock passes to another tab, which resumes from the last event ID it saw.
    function shareThroughLeader(url, options, name, receive) {
        const channel = new BroadcastChannel(name);
        const abandon = new AbortController();
        const recentIds = [];
        let connection = null;
        let snapshot = null;
        let release = null;
        let lastEventId = options.lastEventId;
        // A new leader resumes from its own last event ID; a tab that had heard a little further
        // from the old leader skips the replayed events it already has.
        let skippingReplay = false;

        channel.onmessage = ({ data: message }) => {
            if (connection) {
                if (message.kind === "hello") snapshot.messages().forEach((m) => channel.postMessage(m));
                return;
            }
            if (message.kind === "hello") return;
            if (message.kind === "leader") {
                skippingReplay = true;
                return;
            }
            if (message.kind === "event") {
                if (skippingReplay && message.lastEventId && recentIds.includes(message.lastEventId)) return;
                skippingReplay = false;
                recentIds.push(message.lastEventId);
                if (recentIds.length > 100) recentIds.shift();
            }
            if (message.lastEventId !== undefined) lastEventId = message.lastEventId;
            receive(message);
        };

        navigator.locks
            .request(name, { signal: abandon.signal }, () => {
                snapshot = createSnapshot();
                const relay = (message) => {
                    snapshot.note(message);
                    channel.postMessage(message);
                    receive(message);
                };
                connection = connect(url, Object.assign(plainOptions(options), { lastEventId }), false, relay);
                channel.postMessage({ kind: "leader" });
                return new Promise((resolve) => {
                    release = resolve;
                });
            })
            .catch(() => {});
        channel.postMessage({ kind: "hello" });

        return () => {
            abandon.abort();
            if (connection) connection.close();
            if (release) release();
            channel.close();
        };
    }

    // The SharedWorker side: one connection, relayed to every tab's port.
    function serveSharedWorker() {
        const ports = new Set();
        let connection = null;
        let snapshot = null;
        // The latest events, for a tab that joins again (from the back/forward cache) with the
        // last event ID it had.
        let recent = [];
        globalThis.addEventListener("connect", (connectEvent) => {
            const port = connectEvent.ports[0];
            port.onmessage = ({ data: message }) => {
                if (message.kind === "join") {
                    ports.add(port);
                    if (connection) {
                        const seen = message.options.lastEventId;
                        const from = seen ? recent.findLastIndex((m) => m.lastEventId === seen) : -1;
                        const missed = from < 0 ? [] : recent.slice(from + 1);
                        snapshot.messages().concat(missed).forEach((m) => port.postMessage(m));
                        return;
                    }
                    snapshot = createSnapshot();
                    recent = [];
                    connection = connect(message.url, message.options, false, (relayed) => {
                        snapshot.note(relayed);
                        if (relayed.kind === "event" && recent.push(relayed) > 100) recent.shift();
                        ports.forEach((p) => p.postMessage(relayed));
                        if (relayed.kind === "closed") {
                            connection = null;
                            ports.clear();
                        }
                    });
                } else if (message.kind === "leave") {
                    ports.delete(port);
                    if (ports.size === 0 && connection) {
                        connection.close();
                        connection = null;
                    }
                }
            };
        });
    }

    class SSEEventSource extends EventTarget {
        #url;
        #withCredentials;
        #readyState = CONNECTING;
        #transport = "";
        #lastEventId = "";
        #handlers = { open: null, message: null, error: null };
        #listen = () => {};
        #leave = () => {};

        constructor(url, options = {}) {
            super();
            this.#url = new URL(url, globalThis.location ? location.href : undefined).href;
            this.#withCredentials = Boolean(options.withCredentials);
            // Registered first, so the on* handler runs before the listeners added later.
            for (const type of Object.keys(this.#handlers)) {
                super.addEventListener(type, (event) => {
                    const handler = this.#handlers[type];
                    if (typeof handler === "function") handler.call(this, event);
                });
            }
            // Headers as pairs, which can cross to a SharedWorker.
            const config = Object.assign({}, options, {
                withCredentials: this.#withCredentials,
                headers: [...new Headers(options.headers || {})],
                lastEventId: String(options.lastEventId ?? ""),
            });
            this.#lastEventId = config.lastEventId;
            const receive = (message) => this.#receive(message);
            let leave = null;
            if (options.shared) {
                // Here, as the connection may be made in another tab or the worker.
                pickTransport(config, false);
                leave = share(this.#url, config, receive);
            }
            if (leave) {
                this.#leave = leave;
            } else {
                const connection = connect(this.#url, config, true, receive);
                this.#listen = (type) => connection.listen(type);
                this.#leave = () => connection.close();
            }
        }

        get url() {
            return this.#url;
        }
        get withCredentials() {
            return this.#withCredentials;
        }
        get readyState() {
            return this.#readyState;
        }
        get transport() {
            return this.#transport;
        }
        get lastEventId() {
            return this.#lastEventId;
        }
        get onopen() {
            return this.#handlers.open;
        }
        set onopen(handler) {
            this.#handlers.open = handler;
        }
        get onmessage() {
            return this.#handlers.message;
        }
        set onmessage(handler) {
            this.#handlers.message = handler;
        }
        get onerror() {
            return this.#handlers.error;
        }
        set onerror(handler) {
            this.#handlers.error = handler;
        }

        addEventListener(type, listener, options) {
            type = String(type);
            if (type !== "open" && type !== "error") this.#listen(type);
            super.addEventListener(type, listener, options);
        }

        close() {
            this.#readyState = CLOSED;
            const leave = this.#leave;
            this.#leave = () => {};
            leave();
        }

        #receive(message) {
            if (this.#readyState === CLOSED) return;
            if (message.lastEventId !== undefined) this.#lastEventId = message.lastEventId;
            switch (message.kind) {
                case "transport":
                    this.#transport = message.transport;
                    break;
                case "open":
                    this.#transport = message.transport;
                    if (this.#readyState !== OPEN) {
                        this.#readyState = OPEN;
                        this.dispatchEvent(new Event("open"));
                    }
                    break;
                case "error":
                    this.#readyState = CONNECTING;
                    this.dispatchEvent(new Event("error"));
                    break;
                case "closed":
                    this.close();
                    this.dispatchEvent(new Event("error"));
                    break;
                case "event":
                    this.dispatchEvent(
                        new MessageEvent(message.type, {
                            data: message.data,
                            lastEventId: message.lastEventId,
                            origin: message.origin,
                        })
                    );
                    break;
            }
        }
    }

    for (const [name, value] of Object.entries({ CONNECTING, OPEN, CLOSED })) {
        Object.defineProperty(SSEEventSource, name, { value, enumerable: true });
        Object.defineProperty(SSEEventSource.prototype, name, { value, enumerable: true });
    }

    globalThis.SSEEventSource = SSEEventSource;

    if (typeof SharedWorkerGlobalScope === "function" && globalThis instanceof SharedWorkerGlobalScope) {
        serveSharedWorker();
    }
})();
