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

# `sse hub` under load, as a deployment runs it (release builds, 127.0.0.1): SUBSCRIBERS streams
# over TLS (HTTP/1.1, one connection each) spread over the hubs, and publishes over HTTP (TLS,
# POST /publish) at rising rates (sse-load --ports --tls): publish → receipt latency at the
# client, per step, until the first loss or a p99 over the bound. Three setups, one after another:
#
#   1. one hub, events in memory, TLS;
#   2. three hubs on one throwaway PostgreSQL, TLS;
#   3. one hub in memory without TLS (what TLS costs).
#
#     Benchmarks/Hub/run.sh [SUBSCRIBERS] [RATES] [SECONDS] [P99_BOUND_MS]
#                           # default: 10000 10,25,50,100,200,400,800 5 100
#
# Before the steps, each hub's resident memory is read with no stream and with every stream open:
# "memory per stream" in the output. One JSON line per step from sse-load, preceded by a
# "# setup" line.
set -euo pipefail
cd "$(dirname "$0")/.."
subscribers="${1:-10000}"
rates="${2:-10,25,50,100,200,400,800}"
seconds="${3:-5}"
bound="${4:-100}"
# The root's `sse` product, built here with the modules the other benchmarks already built.
swift build -c release --product sse-load >&2
swift build -c release --product sse >&2
bin="$(swift build -c release --show-bin-path)"
sse="$bin/sse"
scratch="$(mktemp -d)"
# PostgreSQL runs as its own user, which cannot enter mktemp's folder.
postgres_dir="/tmp/swift-sse-hub-bench-postgres-$$"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ -n "${own_postgres:-}" ]; then SSE_POSTGRES_DIR="$postgres_dir" ../scripts/postgres-server.sh stop 54331 || true; fi
    rm -rf "$scratch"
}
trap cleanup EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$scratch/key.pem" -out "$scratch/cert.pem" -days 1 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# run NAME COUNT [HUB OPTION...]: COUNT hubs with the options, then the steps.
run() {
    local name="$1" count="$2"
    shift 2
    local ports=() hub_pids=() server_pids=() tls_flag=()
    for index in $(seq "$count"); do
        "$sse" hub --port 0 --log-format text "$@" > "$scratch/$name-$index.out" 2> "$scratch/$name-$index.log" &
        pids+=("$!")
        hub_pids+=("$!")
        for _ in $(seq 600); do
            grep -q '^listening ' "$scratch/$name-$index.out" && break
            sleep 0.05
        done
        ports+=("$(sed -n 's|^listening on https\{0,1\}://127.0.0.1:\([0-9]*\)/.*|\1|p' "$scratch/$name-$index.out")")
    done
    local before=0
    for pid in "${hub_pids[@]}"; do
        before=$((before + $(rss_kib "$pid")))
        server_pids+=(--server-pid "$pid")
    done
    case "$*" in *--tls-certificate*) tls_flag=(--tls) ;; esac
    echo "# $name: $count hub(s), $subscribers subscribers, resident memory with no stream: $((before / 1024)) MiB"
    "$bin/sse-load" --ports "$(IFS=,; echo "${ports[*]}")" --connections "$subscribers" --rates "$rates" \
        --seconds "$seconds" --p99-bound "$bound" --publishers "${PUBLISHERS:-32}" "${tls_flag[@]}" \
        "${server_pids[@]}" &
    local load=$!
    # Every stream open (sse_streams in the hubs' metrics), then the hubs' memory.
    local open=0
    for _ in $(seq 1200); do
        open=0
        for port in "${ports[@]}"; do
            local scheme=http
            [ ${#tls_flag[@]} -gt 0 ] && scheme=https
            open=$((open + $(curl -sk "$scheme://127.0.0.1:$port/metrics" | awk '/^sse_streams\{/ { sum += $2 } END { print int(sum) }')))
        done
        [ "$open" -ge "$subscribers" ] && break
        sleep 0.1
    done
    local after=0
    for pid in "${hub_pids[@]}"; do after=$((after + $(rss_kib "$pid"))); done
    echo "# $name: $open streams open, resident memory $((after / 1024)) MiB: $(((after - before) * 1024 / (open > 0 ? open : 1))) bytes per stream"
    wait "$load"
    for pid in "${hub_pids[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
}

tls=(--tls-certificate "$scratch/cert.pem" --tls-key "$scratch/key.pem")
run "one hub, memory, TLS" 1 "${tls[@]}"
if [ -z "${SSE_POSTGRES_URL:-}" ]; then
    SSE_POSTGRES_URL="$(SSE_POSTGRES_DIR="$postgres_dir" ../scripts/postgres-server.sh start 54331)"
    own_postgres=1
fi
run "three hubs, PostgreSQL, TLS" 3 "${tls[@]}" --postgres "$SSE_POSTGRES_URL" --postgres-table "sse_hub_bench_$(date +%s)"
run "one hub, memory, no TLS" 1
