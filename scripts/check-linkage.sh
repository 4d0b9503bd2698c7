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

# Proves that an executable using only SSECodec links no Foundation library: builds the sse-decode
# example (which imports SSECodec alone) and inspects its dynamic dependencies with ldd.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "$(uname -s)" != "Linux" ]]; then
    echo "check-linkage: ldd is Linux-only; skipped on $(uname -s)" >&2
    exit 0
fi

swift build --package-path Examples --product sse-decode
binary="$(swift build --package-path Examples --show-bin-path)/sse-decode"
libraries=$(ldd "$binary")
echo "$libraries"
if echo "$libraries" | grep -E 'libFoundation(Essentials|Internationalization)?\.so|lib_FoundationICU\.so'; then
    echo "check-linkage: FAILED: a codec-only executable links Foundation" >&2
    exit 1
fi
echo "check-linkage: passed: no Foundation library in a codec-only executable"
