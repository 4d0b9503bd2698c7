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
# Screenshots of the four server examples' pages, 1000×700, into Documentation/Screenshots/.
#
#     Examples/Tests/screenshots.sh TICKER_URL NOTIFICATIONS_URL DASHBOARD_URL FALLBACK_URL
#
# Each URL is a running example's page (http://127.0.0.1:PORT/). The notifications page is opened
# as client "alice", and a few notifications are posted to it so the inbox is not empty.
set -euo pipefail

if [ $# -ne 4 ]; then
    echo "usage: $0 TICKER_URL NOTIFICATIONS_URL DASHBOARD_URL FALLBACK_URL" >&2
    exit 2
fi

here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../../Documentation/Screenshots"
mkdir -p "$out"

shot() {  # $1: name, $2: URL, $3: what to wait for
    python3 "$here/page_check.py" "$2" --until "$3" --timeout 30 --width 1000 --height 700 \
        --screenshot "$out/$1.png"
    echo "$out/$1.png"
}

post() {  # $1: URL, $2: JSON body; the HTTP status
    curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$2" "$1" || true
}

dataset='document.body.dataset'
shot ticker "$1" "$dataset.state === 'open' && Number($dataset.ticks) >= 3"

notifications="${2%/}/"
origin="$(printf '%s' "$2" | sed -E 's#^(https?://[^/]+).*#\1#')"
shot notifications "$notifications?clientId=alice" \
    "$dataset.state === 'open' && Number($dataset.notifications) >= 3" &
page=$!
# Alice is connected once a message to her is delivered; the server answers 404 until then.
for _ in $(seq 1 40); do
    [ "$(post "$origin/sse/send" '{"clientId":"alice","message":"Your export is ready to download."}')" = 202 ] && break
    sleep 0.5
done
post "$origin/sse/broadcast" '{"message":"Maintenance tonight at 22:00 UTC."}' >/dev/null
post "$origin/sse/send" '{"clientId":"alice","message":"Ana commented on your pull request."}' >/dev/null
wait "$page"

shot dashboard "$3" "Number($dataset.samples) >= 3"
shot fallback "$4" "$dataset.state === 'open' && Number($dataset.ticks) >= 3"
