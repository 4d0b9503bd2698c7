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

# The load comparison: for each server and each N, start the server fresh, open N SSE connections,
# broadcast 1,000 events of 64 bytes, and print one JSON line per run (see Generator/main.swift).
#
#     Benchmarks/Load/run.sh [N ...]        # default: 100 1000 10000
#     Benchmarks/Load/run.sh --stalled [N]  # N subscribers that stop reading (default 1000) while
#                                           # 20 MB are published: memory per stalled subscriber
#     Benchmarks/Load/run.sh --idle [N]     # N quiet streams (default 10000): server CPU over 10 s
#     Benchmarks/Load/run.sh --tls [N]      # over TLS with HTTP/2 (needs openssl and nghttp2-client's
#                                           # h2load): N streams (default 1000) on 10 connections get
#                                           # 1,000 events; one stream's CPU per event over HTTP/2 and
#                                           # HTTP/1.1; memory per idle TLS connection and HTTP/2
#                                           # stream (Load/tls.py). SSENIO, Go net/http, Node http2.
#     Benchmarks/Load/run.sh --metrics [N]  # SSENIO without metrics and with SSEMetrics into a
#                                           # Prometheus registry, alternating, three runs each
#                                           # (default N: 1000 10000): the metrics' cost per delivery
#     Benchmarks/Load/run.sh --own          # per-connection streams (1 × 50,000 and 100 × 2,000
#                                           # events, and 1 x 500,000 for the clock tick): server CPU per event,
#                                           # each Swift server with every kind of source (isolated,
#                                           # plain next(), AsyncStream, map)
#
# Servers: sse-load-server (SSENIO), sse-load-hummingbird (SSEHummingbird), sse-load-vapor
# (SSEVapor), all release builds with the same broadcaster (Load/Shared); Go net/http (Load/go, needs golang-go),
# Node http (Load/node, needs nodejs). All on 127.0.0.1; 10,000 connections need about 10,000
# file descriptors per process (`ulimit -n`).
set -euo pipefail
cd "$(dirname "$0")/.."

stalled=false
idle=false
own=false
tls=false
metrics=false
if [ "${1:-}" = "--metrics" ]; then
    metrics=true
    shift
    set -- "${@:-1000 10000}"
elif [ "${1:-}" = "--tls" ]; then
    tls=true
    shift
    set -- "${@:-1000}"
elif [ "${1:-}" = "--stalled" ]; then
    stalled=true
    shift
    set -- "${@:-1000}"
elif [ "${1:-}" = "--own" ]; then
    own=true
    shift
    set -- 1
elif [ "${1:-}" = "--idle" ]; then
    idle=true
    shift
    set -- "${@:-10000}"
fi
counts=("${@:-100 1000 10000}")
read -r -a counts <<< "${counts[*]}"
products="sse-load-server sse-load-hummingbird sse-load-vapor"
if $metrics; then products=sse-load-server; fi
for product in $products; do
    swift build -c release --product "$product" >&2
done
swift build -c release --product sse-load >&2
bin="$(swift build -c release --show-bin-path)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
if command -v go >/dev/null; then
    (cd Load/go && GOCACHE="$scratch/gocache" GOPATH="$scratch/gopath" go build -o "$scratch/go-server" server.go)
fi

port=18080
run() {
    local name="$1" connections="$2"
    shift 2
    port=$((port + 1))
    "$@" "$port" > "$scratch/server.log" 2>&1 &
    local pid=$!
    for _ in $(seq 100); do
        grep -q listening "$scratch/server.log" 2>/dev/null && break
        sleep 0.05
    done
    if $tls; then
        printf '{"server":"%s","phase":"%s",' "$name" "$phase"
        python3 Load/tls.py --port "$port" --server-pid "$pid" --streams "$connections" --phase "$phase" |
            sed 's/^{//'
    elif $own; then
        # The Swift servers write the stream each way a user might (see Load/Server/main.swift).
        sources=""
        case "$name" in SSE*) sources="isolated,plain,stream,map" ;; esac
        python3 Load/own.py --name "$name" --port "$port" --server-pid "$pid" --sources "$sources"
    elif $idle; then
        printf '{"server":"%s",' "$name"
        python3 Load/idle.py --port "$port" --server-pid "$pid" --connections "$connections" | sed 's/^{//'
    elif $stalled; then
        printf '{"server":"%s",' "$name"
        python3 Load/stalled.py --port "$port" --server-pid "$pid" --connections "$connections" --timeout 60 |
            sed 's/^{//'
    else
        printf '{"server":"%s",' "$name"
        "$bin/sse-load" --port "$port" --connections "$connections" --events 1000 --size 64 --server-pid "$pid" \
            --timeout 180 | sed 's/^{//'
    fi
    if $metrics && [[ "$name" == *Prometheus* ]]; then
        # What the registry counted: the metrics were on.
        curl -s "http://127.0.0.1:$port/metrics" |
            grep -E '^sse_(events_written_total|delivery_latency_seconds_count)' >&2 || true
    fi
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}

if $tls; then
    # A test certificate of this run's own; the servers read it from the environment.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$scratch/key.pem" -out "$scratch/cert.pem" 2>/dev/null
    export SSE_TLS_CERT="$scratch/cert.pem" SSE_TLS_KEY="$scratch/key.pem"
    for connections in "${counts[@]}"; do
        for phase in broadcast own idle-tls idle-http2; do
            run SSENIO "$connections" "$bin/sse-load-server"
            if [ -x "$scratch/go-server" ]; then run "Go net/http" "$connections" "$scratch/go-server"; fi
            if command -v node >/dev/null; then run "Node http2" "$connections" node Load/node/server.js; fi
        done
    done
    exit 0
fi

if $metrics; then
    for connections in "${counts[@]}"; do
        for _ in 1 2 3; do
            run "SSENIO, no metrics" "$connections" env SSE_METRICS=off "$bin/sse-load-server"
            run "SSENIO, Prometheus metrics" "$connections" env SSE_METRICS=prometheus "$bin/sse-load-server"
        done
    done
    exit 0
fi

for connections in "${counts[@]}"; do
    run SSENIO "$connections" "$bin/sse-load-server"
    run SSEHummingbird "$connections" "$bin/sse-load-hummingbird"
    run SSEVapor "$connections" "$bin/sse-load-vapor"
    if [ -x "$scratch/go-server" ]; then run "Go net/http" "$connections" "$scratch/go-server"; fi
    # Node's tutorial server buffers every event for a client that stopped reading, without limit:
    # 20 MB for each of 1,000 stalled subscribers would be 20 GB, so it is not run with --stalled.
    if command -v node >/dev/null && ! $stalled; then run "Node http" "$connections" node Load/node/server.js; fi
done
