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

// The reconnection policy part of sse.js (Assets/sse.js/2-policy.js) alone, against the cases of
// Tests/Shared/reconnection-policy.json that SSEClientStateMachineTests runs too. A function of the
// part's source and the table, which run_browser_tests.py calls in the page; it returns the list of
// failures.
(partSource, table) => {
    const failures = [];
    const { createPolicy, DEFAULT_RECONNECTION } = new Function(
        `${partSource}\nreturn { createPolicy, DEFAULT_RECONNECTION };`
    )();
    if (JSON.stringify(DEFAULT_RECONNECTION) !== JSON.stringify(table.defaults)) {
        failures.push(`defaults: the script has ${JSON.stringify(DEFAULT_RECONNECTION)}`);
    }
    for (const testCase of table.cases) {
        // The least delay comes with random 0, the most with random 1.
        for (const [bound, random] of [[0, 0], [1, 1]]) {
            const policy = createPolicy(testCase.policy, testCase.method || "GET", () => random, () => (testCase.now || 0) * 1000);
            testCase.steps.forEach((step, index) => {
                if (step.retry !== undefined) return policy.retry(step.retry);
                const got = policy.ended(step.ended);
                const expected = step.expect;
                const ok = expected.stop
                    ? got.stop === expected.stop
                    : got.delay !== undefined && Math.abs(got.delay - expected.delay[bound]) < 1e-6;
                if (!ok) failures.push(`${testCase.name}, step ${index + 1}, random ${random}: got ${JSON.stringify(got)}`);
            });
        }
    }
    // Beyond the table: a thousand failures in a row with a reconnection time of 0 still wait the
    // minimum delay (multiplier^n overflows to Infinity, and 0 × Infinity is NaN).
    const policy = createPolicy({ initialReconnectionTime: 0 }, "GET", () => 0, () => 0);
    let last;
    for (let count = 0; count < 1100; count += 1) last = policy.ended({ healthy: false });
    if (last.delay !== 100) failures.push(`after 1,100 failures with r = 0: ${JSON.stringify(last)}`);
    return failures;
}
