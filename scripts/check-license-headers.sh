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
# Every source file tracked by git starts with the project's license header (after a shebang, and
# after `// swift-tools-version` in a manifest). `--fix` adds it where it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

header() {  # $1: comment prefix (// or #)
    local p="$1"
    cat <<HEADER
${p}===----------------------------------------------------------------------===//
${p}
${p} This source file is part of the swift-sse open source project
${p}
${p} Copyright (c) 2026 the swift-sse project authors
${p} Licensed under Apache License v2.0
${p}
${p} See LICENSE.txt for license information
${p} See CONTRIBUTORS.txt for the list of swift-sse project authors
${p}
${p} SPDX-License-Identifier: Apache-2.0
${p}
${p}===----------------------------------------------------------------------===//
HEADER
}

fix=false
[ "${1:-}" = "--fix" ] && fix=true
missing=()
while IFS= read -r file; do
    case "$file" in
        *.swift | *.c | *.h | *.go | *.js | *.mjs) prefix="//" ;;
        *.sh | *.py | .ci/run | scripts/demo | scripts/test) prefix="#" ;;
        *) continue ;;
    esac
    # A shebang or a manifest's tools-version line stays first.
    keep=0
    first=$(head -n 1 "$file")
    case "$first" in
        '#!'* | '// swift-tools-version'*) keep=1 ;;
    esac
    expected=$(header "$prefix")
    # sed reads the whole file: `tail | head` would die of SIGPIPE on a large one (pipefail).
    lines=$(printf '%s\n' "$expected" | wc -l)
    actual=$(sed -n "$((keep + 1)),$((keep + lines))p" "$file")
    [ "$actual" = "$expected" ] && continue
    if $fix; then
        {
            [ "$keep" = 1 ] && printf '%s\n' "$first"
            printf '%s\n\n' "$expected"
            tail -n +"$((keep + 1))" "$file"
        } >"$file.header" && cat "$file.header" >"$file" && rm "$file.header"
    else
        missing+=("$file")
    fi
done < <(git ls-files --cached --others --exclude-standard)

if [ ${#missing[@]} -gt 0 ]; then
    echo "Files without the license header (scripts/check-license-headers.sh --fix adds it):"
    printf '  %s\n' "${missing[@]}"
    exit 1
fi
