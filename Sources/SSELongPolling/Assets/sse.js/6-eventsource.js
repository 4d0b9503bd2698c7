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
            if (options.retry !== undefined) {
                throw new TypeError("SSEEventSource: `retry` is now `reconnection`, with SSEClient's names");
            }
            for (const name of ["token", "refresh"]) {
                if (options[name] !== undefined && typeof options[name] !== "function") {
                    throw new TypeError(`SSEEventSource: \`${name}\` is a function`);
                }
                if (options[name] !== undefined && options.shared) {
                    throw new TypeError(`SSEEventSource: \`${name}\` cannot cross to other tabs; use a cookie with \`shared\``);
                }
            }
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
                const connection = new Connection(this.#url, config, true, receive);
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
