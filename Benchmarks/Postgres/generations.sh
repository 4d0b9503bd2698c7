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

# SSEPostgresGenerations' benchmark (see Generations/main.swift): a generation across two instances,
# beside the same events through SSEPostgres alone, on a throwaway PostgreSQL server; release build.
#
#     Benchmarks/Postgres/generations.sh [TOKENS] [ROUNDS]     # default: 2000 3
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product sse-postgres-generation-bench >&2
bin="$(swift build -c release --show-bin-path)"
if [ -z "${SSE_POSTGRES_URL:-}" ]; then
    export SSE_POSTGRES_DIR=/tmp/swift-sse-postgres-generation-bench
    SSE_POSTGRES_URL="$(../scripts/postgres-server.sh start 54331)"
    trap '../scripts/postgres-server.sh stop' EXIT
fi
"$bin/sse-postgres-generation-bench" "$SSE_POSTGRES_URL" "${1:-2000}" "${2:-3}"
