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

# A throwaway PostgreSQL server for SSEPostgres's tests and benchmarks: a fresh data directory,
# 127.0.0.1 only, trust authentication, run as the `postgres` user when started by root (initdb
# refuses to run as root).
#
#     scripts/postgres-server.sh start [PORT]   # prints the URL to export as SSE_POSTGRES_URL
#     scripts/postgres-server.sh restart        # as a database restart: every connection is cut
#     scripts/postgres-server.sh pause          # stopped, as in an outage; its data kept
#     scripts/postgres-server.sh resume         # started again after a pause
#     scripts/postgres-server.sh stop
#
# The data directory is /tmp/swift-sse-postgres (SSE_POSTGRES_DIR to change it); `stop` removes it.
set -euo pipefail
# The server outlives this script: it must not keep a descriptor its caller inherited (a test's
# pipe would never see its end).
for descriptor in /proc/$$/fd/*; do
    descriptor="${descriptor##*/}"
    if [ "$descriptor" -gt 2 ] 2>/dev/null && [ "$descriptor" -lt 255 ]; then
        eval "exec $descriptor>&-" 2>/dev/null || true
    fi
done
command="${1:-start}" port="${2:-54329}"
directory="${SSE_POSTGRES_DIR:-/tmp/swift-sse-postgres}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$bin" ]; then
    bin="$(dirname "$(command -v initdb)")"
fi
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}
case "$command" in
start)
    as_owner "$bin/pg_ctl" -D "$directory/data" status > /dev/null 2>&1 && as_owner "$bin/pg_ctl" -D "$directory/data" -m immediate stop > /dev/null
    rm -rf "$directory"
    mkdir -p "$directory"
    [ "$(id -u)" = 0 ] && chown postgres "$directory"
    as_owner "$bin/initdb" -D "$directory/data" -U postgres --auth=trust --no-sync > "$directory/initdb.log"
    as_owner "$bin/pg_ctl" -D "$directory/data" -l "$directory/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$directory -c max_connections=200" start > /dev/null
    echo "$port" > "$directory/port"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
pause)
    as_owner "$bin/pg_ctl" -D "$directory/data" -m fast -w stop > /dev/null
    ;;
resume)
    port="$(cat "$directory/port")"
    as_owner "$bin/pg_ctl" -D "$directory/data" -l "$directory/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$directory -c max_connections=200" start > /dev/null
    ;;
restart)
    as_owner "$bin/pg_ctl" -D "$directory/data" -l "$directory/server.log" -m fast -w restart > /dev/null
    ;;
stop)
    if [ -d "$directory/data" ]; then
        as_owner "$bin/pg_ctl" -D "$directory/data" -m fast -w stop > /dev/null || true
    fi
    rm -rf "$directory"
    ;;
*)
    echo "usage: $0 start [PORT] | restart | pause | resume | stop" >&2
    exit 64
    ;;
esac
