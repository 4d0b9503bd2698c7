#!/usr/bin/env bash
#===----------------------------------------------------------------------===//
#
# This source file is part of the swift-sse open source project
#
# Copyright (c) 2026 the swift-sse project authors
# Licensed under Apache License v2.0
#
# See LICENSE.txt for license information
# See CONTRIBUTORS.txt for the list of swift-sse project authors
#
# SPDX-License-Identifier: Apache-2.0
#
#===----------------------------------------------------------------------===//

# SSEPostgres end to end, as a deployment sees it: INSTANCES server processes (sse-postgres-instance:
# the embedded server, a PostgreSQL client, the broadcaster) on one throwaway PostgreSQL server,
# SUBSCRIBERS streams over HTTP spread over them, and publishes over HTTP spread over them, at
# rising rates (sse-load --ports): publish → receipt latency at the client, and where it went.
# Release builds; one JSON line per step.
#
#     Benchmarks/Postgres/deployment.sh [INSTANCES] [SUBSCRIBERS] [RATES] [SECONDS] [P99_BOUND_MS]
#                                       # default: 3 1000 1000,2000,3000,5000,7000,10000 5 100
#
# The steps stop at the first loss, failed publish, or p99 over the bound. PUBLISHERS: publishing
# connections per instance (128), one request at a time each. INSTANCE_BINARY: another build of
# sse-postgres-instance to run instead (to compare two builds, alternate runs with and without it).
# WRITE_INTERVAL_MS: the instances' SSEServer minimumWriteInterval in milliseconds (none by default).
set -euo pipefail
cd "$(dirname "$0")/.."
instances="${1:-3}"
subscribers="${2:-1000}"
rates="${3:-1000,2000,3000,5000,7000,10000}"
seconds="${4:-5}"
bound="${5:-100}"
swift build -c release --product sse-postgres-instance >&2
swift build -c release --product sse-load >&2
bin="$(swift build -c release --show-bin-path)"
scratch="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ -n "${own_postgres:-}" ]; then ../scripts/postgres-server.sh stop; fi
    rm -rf "$scratch"
}
trap cleanup EXIT
if [ -z "${SSE_POSTGRES_URL:-}" ]; then
    export SSE_POSTGRES_DIR=/tmp/swift-sse-postgres-bench
    SSE_POSTGRES_URL="$(../scripts/postgres-server.sh start 54330)"
    own_postgres=1
fi
table="sse_deployment_$(date +%s)"
ports=()
for index in $(seq "$instances"); do
    "${INSTANCE_BINARY:-$bin/sse-postgres-instance}" "$SSE_POSTGRES_URL" "$table" > "$scratch/instance-$index.log" 2>&1 &
    pids+=("$!")
    for _ in $(seq 600); do
        grep -q '^listening ' "$scratch/instance-$index.log" && break
        sleep 0.05
    done
    ports+=("$(sed -n 's/^listening //p' "$scratch/instance-$index.log")")
done
server_pids=()
for pid in "${pids[@]}"; do server_pids+=(--server-pid "$pid"); done
"$bin/sse-load" --ports "$(IFS=,; echo "${ports[*]}")" --connections "$subscribers" --rates "$rates" \
    --seconds "$seconds" --p99-bound "$bound" --publishers "${PUBLISHERS:-128}" "${server_pids[@]}"
