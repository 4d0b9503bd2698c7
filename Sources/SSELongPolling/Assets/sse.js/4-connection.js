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

    // The final events of a stream the server ended for its credentials (SSEAccessControl's).
    const AUTH_ENDINGS = ["sse-auth-expired", "sse-auth-revoked"];

    function withParameter(url, name, value) {
        const result = new URL(url);
        result.searchParams.set(name, value);
        return result.href;
    }

    // One attempt: a request over one transport, its parser and its watchdogs. It reports to its
    // connection while it is the connection's current attempt, and is ignored afterwards.
    class Attempt {
        constructor(connection, transport) {
            this.connection = connection;
            this.transport = transport;
            this.options = connection.options;
            this.types = connection.types;
            this.listen = null;
            this.cancel = () => {};
            // The `token` option's answer for this attempt's requests.
            this.token = undefined;
            this.idle = 0;
            this.held = 0;
            this.startCursor = connection.lastEventId;
            this.parse = createParser(
                connection.lastEventId,
                (id, event) => this.live() && connection.dispatch(id, event),
                (milliseconds) => connection.policy.retry(milliseconds)
            );
        }

        live() {
            return this.connection.current === this;
        }

        url(withCursor) {
            const { url, lastEventId, cursorParameter } = this.connection;
            return withCursor && lastEventId ? withParameter(url, cursorParameter, lastEventId) : url;
        }

        pollURL() {
            return this.connection.pollURL();
        }

        request(signal, streaming) {
            return this.connection.request(signal, streaming, this.token);
        }

        // Whether the response opens a stream to read; otherwise the attempt is over.
        head(status, header) {
            if (!this.live()) return false;
            const contentType = header("content-type") || "";
            if (status === 200 && /^text\/event-stream\b/i.test(contentType)) {
                // Asked on a native EventSource's behalf: the stream is there again, for it.
                if (this.connection.confirm && this.connection.transport === "eventsource") {
                    this.connection.confirm = false;
                    this.resume();
                    return false;
                }
                this.opened();
                return true;
            }
            this.connection.ended(this, { status, contentType, retryAfter: header("retry-after") });
            return false;
        }

        opened() {
            if (this.live()) this.connection.opened(this);
        }

        chunk(text) {
            if (!this.live() || text === "") return;
            this.connection.flowing(this);
            this.parse(text);
        }

        // From a native EventSource, which shows no bytes: its first event is the sign that nothing
        // holds the stream (its open only says the head came).
        event(type, data, id) {
            if (!this.live()) return;
            this.connection.flowing(this);
            this.connection.dispatch(id, { type, data });
        }

        // A poll was answered: poll again at once.
        answered() {
            if (!this.live()) return;
            this.connection.healthy = true;
            this.resume();
        }

        // Whether a new request may take over at once: one that would be sent again anyway, and
        // that starts further on than this one did.
        mayResume() {
            return this.connection.policy.resends && this.connection.lastEventId !== this.startCursor;
        }

        // Goes on with a new request at once, not a failure: the next poll, or an XHR past its limit.
        // From a timer, so that a server answering polls at once cannot starve the page's event loop.
        resume() {
            if (!this.live()) return;
            this.connection.finish(this);
            this.connection.schedule(0);
        }

        // The body ended (`normally`) or the connection failed; `gaveUp`: a native EventSource closed
        // itself after a status it does not show. Then a request that can read it asks again, after
        // the wait the next failure would get, and its answer is what counts.
        end(normally, gaveUp) {
            if (!this.live()) return;
            const connection = this.connection;
            if (!gaveUp) return connection.ended(this, { healthy: connection.healthy, end: normally });
            connection.finish(this);
            connection.confirm = true;
            connection.schedule(connection.policy.upcoming());
        }
    }

    // One logical connection: attempts over a transport, SSEClient's reconnection policy, the last
    // event ID. `emit` receives plain messages (so they can cross to other tabs):
    //   {kind: "transport", transport}, {kind: "open", transport, lastEventId}, {kind: "error"},
    //   {kind: "closed"}, {kind: "event", type, data, lastEventId, origin}, {kind: "id", lastEventId}.
    class Connection {
        constructor(url, options, allowNative, emit) {
            this.url = url;
            this.options = options;
            this.emit = emit;
            this.origin = new URL(url).origin;
            // The ends the server gives a stream whose credentials expired or were revoked are heard
            // even from a native EventSource: the connection reconnects at once, refreshed.
            this.types = new Set(["message", ...AUTH_ENDINGS]);
            this.policy = createPolicy(options.reconnection, options.method || "GET");
            this.cursorParameter = options.cursorParameter || "lastEventId";
            this.lastEventId = options.lastEventId || "";
            this.transport = pickTransport(options, allowNative);
            this.idleTimeout = options.idleTimeout ?? 60000;
            this.bufferTimeout = options.bufferTimeout ?? 5000;
            // Only auto mode gives up on a stream held back on the way, and only for long polling
            // that can carry the request.
            this.mayPoll =
                (options.transport || "auto") === "auto" && this.bufferTimeout > 0 && usable("longpoll", options);
            this.state = CONNECTING;
            this.current = null;
            this.timer = 0;
            // Whether the connection delivered an event (or, polling, had a poll answered) since the
            // last attempt that failed: the policy's "healthy".
            this.healthy = false;
            // A native EventSource gave up: attempts are made with fetch (or XHR), which can read
            // statuses and Retry-After, until one finds the stream there again.
            this.confirm = false;
            this.shown = "";
            // A cursorless poll sent with a stream, for the polls that replace it if it is held.
            this.probe = null;
            // The network came back: whatever the backoff says, try now.
            this.onOnline = () => {
                if (this.state === CONNECTING && this.timer) {
                    clearTimeout(this.timer);
                    this.timer = 0;
                    this.start();
                }
            };
            globalThis.addEventListener("online", this.onOnline);
            this.start();
            this.running = true;
        }

        start() {
            const name = this.confirm ? pickTransport(this.options, false) : this.transport;
            if (name !== this.shown) this.emit({ kind: "transport", transport: (this.shown = name) });
            const attempt = new Attempt(this, name);
            this.current = attempt;
            if (typeof this.options.token !== "function") return this.begin(attempt, name);
            // A token for every request, asked anew each time: a failure to get one is a failed attempt.
            Promise.resolve()
                .then(() => this.options.token())
                .then(
                    (token) => {
                        if (!attempt.live()) return;
                        attempt.token = token;
                        this.begin(attempt, name);
                    },
                    () => attempt.end(false)
                );
        }

        begin(attempt, name) {
            // A connection silent for idleTimeout (no heartbeat, no poll answer) is taken for dead;
            // before its first byte, not before the held-stream switch has had its chance. The
            // native EventSource shows neither bytes nor heartbeats.
            const watched = this.mayPoll && name !== "longpoll";
            if (this.idleTimeout > 0 && name !== "eventsource") {
                this.watchIdle(attempt, watched ? Math.max(this.idleTimeout, this.bufferTimeout) : this.idleTimeout);
            }
            // A stream without a first byte (native: an event) within bufferTimeout of its request is
            // held back on the way: long polling replaces it for good, without an `error` event.
            // Without a cursor, a poll sent now hands the position of this request to those polls,
            // so that nothing published while the stream was held is lost.
            if (watched) {
                attempt.held = setTimeout(() => {
                    if (!attempt.live()) return;
                    this.finish(attempt);
                    attempt.cancel();
                    this.transport = "longpoll";
                    this.start();
                }, this.bufferTimeout);
                if (!this.lastEventId) {
                    const controller = new AbortController();
                    const response = fetch(this.pollURL(), this.request(controller.signal, false, attempt.token));
                    response.catch(() => {});
                    this.probe = { controller, response };
                }
            }
            const pending = name === "longpoll" ? this.probe : null;
            if (pending) this.probe = null;
            try {
                attempt.cancel = transports[name](attempt, pending);
            } catch (error) {
                // A request the browser refuses outright (a forbidden method, say) will not pass later:
                // the constructor throws, or, later, the source closes.
                this.close();
                if (!this.running) throw error;
                this.emit({ kind: "closed" });
            }
        }

        watchIdle(attempt, timeout = this.idleTimeout) {
            clearTimeout(attempt.idle);
            attempt.idle = setTimeout(() => {
                if (!attempt.live()) return;
                attempt.cancel();
                attempt.end(false);
            }, timeout);
        }

        // Bytes (or a native open) came: the stream is not held, and the connection is alive.
        flowing(attempt) {
            clearTimeout(attempt.held);
            this.dropProbe();
            if (attempt.idle) this.watchIdle(attempt);
        }

        dropProbe() {
            if (this.probe) this.probe.controller.abort();
            this.probe = null;
        }

        opened(attempt) {
            if (this.state === OPEN) return;
            this.state = OPEN;
            this.emit({ kind: "open", transport: attempt.transport, lastEventId: this.lastEventId });
        }

        dispatch(id, event) {
            this.lastEventId = id;
            if (!event) return this.emit({ kind: "id", lastEventId: id });
            this.healthy = true;
            this.emit({ kind: "event", type: event.type, data: event.data, lastEventId: id, origin: this.origin });
            if (AUTH_ENDINGS.includes(event.type)) this.reauthorize();
        }

        // The server ended the stream for its credentials: after `refresh`, a new attempt at once,
        // from the last event ID, with a new token; not a failure, so no `error` event.
        reauthorize() {
            const attempt = this.current;
            if (!attempt) return;
            attempt.cancel();
            this.finish(attempt);
            this.dropProbe();
            Promise.resolve()
                .then(() => typeof this.options.refresh === "function" && this.options.refresh())
                .catch(() => {})
                .then(() => {
                    if (this.state !== CLOSED && !this.current && !this.timer) this.start();
                });
        }

        finish(attempt) {
            clearTimeout(attempt.idle);
            clearTimeout(attempt.held);
            this.current = null;
        }

        // The attempt is over and did not go on by itself: the policy says when the next one goes.
        ended(attempt, outcome) {
            this.finish(attempt);
            this.dropProbe();
            this.healthy = false;
            const next = this.policy.ended(outcome);
            if (next.stop) {
                this.close();
                return this.emit({ kind: "closed" });
            }
            this.state = CONNECTING;
            // Before the event: a handler that closes the source cancels it.
            this.schedule(next.delay);
            this.emit({ kind: "error" });
        }

        schedule(delay) {
            this.timer = setTimeout(
                () => {
                    this.timer = 0;
                    this.start();
                },
                // setTimeout fires at once past 2^31 − 1 ms (24.8 days).
                Math.min(delay, 2147483647)
            );
        }

        pollURL() {
            const { options, url, lastEventId, cursorParameter } = this;
            const poll = options.pollURL ? new URL(options.pollURL, url).href : withParameter(url, "transport", "poll");
            return lastEventId ? withParameter(poll, cursorParameter, lastEventId) : poll;
        }

        request(signal, streaming, token) {
            const { options, lastEventId } = this;
            const headers = Object.assign({ accept: "text/event-stream" }, Object.fromEntries(options.headers));
            if (streaming && lastEventId) headers["last-event-id"] = lastEventId;
            if (token != null) headers.authorization = `Bearer ${token}`;
            return {
                method: streaming ? options.method || "GET" : "GET",
                headers,
                body: streaming && options.body != null ? options.body : null,
                credentials: options.withCredentials ? "include" : "same-origin",
                cache: "no-store",
                signal,
            };
        }

        listen(type) {
            if (this.types.has(type)) return;
            this.types.add(type);
            if (this.current && this.current.listen) this.current.listen(type);
        }

        close() {
            if (this.current) {
                this.current.cancel();
                this.finish(this.current);
            }
            this.dropProbe();
            clearTimeout(this.timer);
            this.timer = 0;
            this.state = CLOSED;
            globalThis.removeEventListener("online", this.onOnline);
        }
    }
