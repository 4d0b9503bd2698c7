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

    const WORKER_ANSWER_TIMEOUT = 5000;

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
            // A worker answers a join at once. Chromium reports a script that does not load only to
            // the first of the tabs that start it together: one that hears nothing takes it as failed.
            const silence = setTimeout(() => worker.onerror(), WORKER_ANSWER_TIMEOUT);
            own.onmessage = ({ data: message }) => {
                clearTimeout(silence);
                if (message.lastEventId !== undefined) lastEventId = message.lastEventId;
                receive(message);
            };
            // A worker script that does not load: share as if there were no SharedWorker.
            worker.onerror = () => {
                clearTimeout(silence);
                if (port !== own) return;
                leave();
                fallback = share(url, options, receive, false);
                if (!fallback) {
                    const connection = new Connection(url, options, false, receive);
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
                connection = new Connection(url, Object.assign(plainOptions(options), { lastEventId }), false, relay);
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
                    connection = new Connection(message.url, message.options, false, (relayed) => {
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
