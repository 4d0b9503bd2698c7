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

    // SSEClient's reconnection policy (SSEClient.ReconnectionPolicy and SSEClientStateMachine), in
    // milliseconds, with its names and defaults; the cases of Tests/Shared/reconnection-policy.json
    // hold both to the same decisions.
    const DEFAULT_RECONNECTION = {
        initialReconnectionTime: 3000,
        multiplier: 2,
        maximumDelay: 30000,
        minimumDelay: 100,
        jitter: 0.2,
        maximumConsecutiveFailures: null,
        retriedStatuses: [429, 500, 502, 503, 504],
        maximumRetryAfter: 300000,
        resendsNonIdempotentRequests: false,
    };

    // Retry-After is either seconds (an integer that fits 64 bits) or an IMF-fixdate, as RFC 9110
    // has senders write it; anything else is ignored, as SSEClient ignores it.
    function retryAfterMilliseconds(value, now) {
        const text = (value || "").trim();
        if (/^[+-]?[0-9]+$/.test(text)) {
            const seconds = Number(text);
            return seconds >= 0 && seconds < 2 ** 63 ? seconds * 1000 : undefined;
        }
        const months = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
        if (!new RegExp(`^\\S+ [0-9]{1,2} ${months} [0-9]{4} [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2} GMT$`).test(text)) {
            return undefined;
        }
        const date = Date.parse(text);
        return isNaN(date) ? undefined : Math.max(0, date - now);
    }

    // What follows each attempt of one connection. `ended` takes how the attempt ended:
    //   {status, contentType, retryAfter}   a response that did not open a stream;
    //   {healthy, end}                      a connection that ended (`end`: its body ended normally,
    //                                       else it failed or went idle), healthy when it delivered
    //                                       an event, or, when polling, a poll was answered;
    // and answers {delay} (ms) or {stop: "closed" | "failed"}.
    function createPolicy(options, method, random = Math.random, now = Date.now) {
        const policy = Object.assign({}, DEFAULT_RECONNECTION, options);
        const resends = /^(GET|HEAD|PUT|DELETE|OPTIONS|TRACE)$/i.test(method) || policy.resendsNonIdempotentRequests;
        // The server's `retry:`, at most maximumDelay, or initialReconnectionTime until one comes.
        let reconnectionTime = policy.initialReconnectionTime;
        // Reconnections since the last healthy connection, and attempts in a row that failed.
        let attempt = 0;
        let failures = 0;

        // Before attempt n: min(max(maximumDelay, r), r × multiplier^(n−1)) × (1 + jitter × random),
        // at least minimumDelay. With the defaults: 3–3.6 s, 6–7.2 s, 12–14.4 s, 24–28.8 s, then 30–36 s.
        function delay(n, r, random) {
            const cap = Math.max(policy.maximumDelay, r);
            const base = Math.min(cap, r * Math.pow(policy.multiplier, Math.min(n - 1, 63)));
            return Math.max(policy.minimumDelay, base * (1 + policy.jitter * random));
        }

        function reconnect(healthy, end, fixed) {
            if (!resends) return { stop: end ? "closed" : "failed" };
            if (healthy) {
                attempt = failures = 0;
            } else if (++failures > (policy.maximumConsecutiveFailures ?? Infinity)) {
                return { stop: "failed" };
            }
            attempt += 1;
            return { delay: fixed ?? delay(attempt, reconnectionTime, random()) };
        }

        return {
            delay,
            resends,
            // The wait the next failure would get, without counting one.
            upcoming: () => (resends ? delay(attempt + 1, reconnectionTime, random()) : policy.minimumDelay),
            retry(milliseconds) {
                reconnectionTime = Math.min(milliseconds, policy.maximumDelay);
            },
            ended(outcome) {
                if (outcome.status === undefined) return reconnect(outcome.healthy, outcome.end);
                if (outcome.status === 204) return { stop: "closed" };
                if (outcome.status === 200 || !policy.retriedStatuses.includes(outcome.status)) return { stop: "failed" };
                const after = retryAfterMilliseconds(outcome.retryAfter, now());
                const bounded = Math.max(policy.minimumDelay, Math.min(after, policy.maximumRetryAfter));
                return reconnect(false, false, after === undefined ? undefined : bounded);
            },
        };
    }
