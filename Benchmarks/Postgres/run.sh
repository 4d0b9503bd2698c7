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

# SSEPostgres's benchmark (see main.swift): three instances on a throwaway PostgreSQL server, beside
# the in-memory broadcaster, in one run; release build.
#
#     Benchmarks/Postgres/run.sh [RATE] [SECONDS] [SUBSCRIBERS]     # default: 1000 10 1000
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product sse-postgres-bench >&2
bin="$(swift build -c release --show-bin-path)"
if [ -z "${SSE_POSTGRES_URL:-}" ]; then
    export SSE_POSTGRES_DIR=/tmp/swift-sse-postgres-bench
    SSE_POSTGRES_URL="$(../scripts/postgres-server.sh start 54330)"
    trap '../scripts/postgres-server.sh stop' EXIT
fi
"$bin/sse-postgres-bench" "$SSE_POSTGRES_URL" "${1:-1000}" "${2:-10}" "${3:-1000}"
