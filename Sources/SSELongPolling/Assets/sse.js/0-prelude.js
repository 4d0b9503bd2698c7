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

// SSEEventSource: the EventSource interface over the best transport the browser has (streaming
// fetch, XMLHttpRequest progress, native EventSource, long polling), with SSEClient's reconnection
// policy for all of them, and optionally one connection shared by every tab of the origin.
//
//     const source = new SSEEventSource("/events?topic=news", { reconnection: { maximumDelay: 10000 } });
//     source.onmessage = (event) => show(event.data);
//     source.addEventListener("sse-replay-unavailable", reload);
//
// Options (BrowserScript.md in the SSELongPolling documentation has the details):
//   transport        "auto" (default), or force "fetch" | "xhr" | "eventsource" | "longpoll"
//   withCredentials  send cookies cross-origin
//   headers          request headers (Headers, [name, value] pairs or an object), polls included
//   method, body     method (GET) and body of stream requests; these need fetch or xhr, and a long
//                    poll, always a GET without a body, throws a TypeError when forced with them
//   lastEventId      the cursor to start from
//   reconnection     SSEClient.ReconnectionPolicy in milliseconds: {initialReconnectionTime: 3000,
//                    multiplier: 2, maximumDelay: 30000, minimumDelay: 100, jitter: 0.2,
//                    maximumConsecutiveFailures: null, retriedStatuses: [429, 500, 502, 503, 504],
//                    maximumRetryAfter: 300000, resendsNonIdempotentRequests: false}
//   idleTimeout      ms without a byte (the servers send heartbeats) before a connection is taken
//                    for dead and resumed (60000; 0: never)
//   bufferTimeout    in auto mode, ms a stream may go without its first byte before it is taken
//                    for held by a proxy and long polling replaces it (5000; 0: never)
//   xhrTextLimit     characters an XHR stream may hold before it is resumed on a new request (4 Mi)
//   pollURL          long-poll URL (default: the URL with transport=poll)
//   cursorParameter  query parameter carrying the last event ID (default "lastEventId")
//   shared           share one connection between the tabs of the origin
//   sharedMode       "auto" (SharedWorker, else Web Locks), "worker" or "locks"
//   scriptURL        this script's URL, for the SharedWorker (default: where it was loaded from)
//   token            () => token (or a Promise of one), asked before every request: sent as
//                    `Authorization: Bearer`; not with `shared`
//   ticketURL        with `token`, where a native EventSource POSTs it for a one-time ticket, which
//                    its URL carries (ticketParameter, default "ticket")
//   refresh          () => Promise, awaited before reconnecting after the server ended the stream
//                    with sse-auth-expired or sse-auth-revoked (renew a cookie there)
//
// Built from the parts in Assets/sse.js/, joined in name order. The same file is a classic script,
// an ES module (the server appends the exports) and the SharedWorker script, so it holds no
// import/export and reaches the global object only through globalThis.
(function () {
    "use strict";

    const CONNECTING = 0;
    const OPEN = 1;
    const CLOSED = 2;

    // Only readable while this classic script first runs; the SharedWorker is started from it later.
    const loadedFrom = globalThis.document && document.currentScript ? document.currentScript.src : "";
