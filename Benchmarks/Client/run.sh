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

# SSEClient's benchmarks: throughput of one connection (events/s, MB/s) against AsyncHTTPClient +
# `serverSentEvents()` alone, a tutorial-style Go client and a tutorial-style Node client; then
# memory per open client at 1,000 clients. The server is the embedded one, in its own process.
#
#     Benchmarks/Client/run.sh [MiB] [EVENT_SIZE] [CLIENTS]     # default: 256 64 1000
set -euo pipefail
cd "$(dirname "$0")/.."
mebibytes="${1:-256}" size="${2:-64}" clients="${3:-1000}"
swift build -c release --product sse-client-bench >&2
bin="$(swift build -c release --show-bin-path)"
scratch="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$scratch"' EXIT
port=18181
"$bin/sse-client-bench" serve "$port" > "$scratch/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
    grep -q listening "$scratch/server.log" 2>/dev/null && break
    sleep 0.05
done
url="http://127.0.0.1:$port/firehose?mib=$mebibytes&size=$size"
"$bin/sse-client-bench" throughput "$port" "$mebibytes" "$size"
if command -v go >/dev/null; then
    (cd Client/go && GOCACHE="$scratch/gocache" GOPATH="$scratch/gopath" go build -o "$scratch/go-client" client.go)
    "$scratch/go-client" "$url"
fi
if command -v node >/dev/null; then node Client/node/client.js "$url"; fi
for variant in SSEClient SSEClient-identity SSEClient-no-idle-timeout AsyncHTTPClient; do
    "$bin/sse-client-bench" memory "$port" "$clients" "$variant"
done
