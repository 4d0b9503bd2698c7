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

# What scripts/demo and scripts/test share; sourced, not run.

# Asks the C compiler itself, as SwiftPM will: a package can be there without its header working.
# macOS's SDK ships zlib.
zlib_headers_found() {
    [ "$(uname -s)" = Darwin ] && return 0
    local compiler
    for compiler in clang cc; do
        if command -v "$compiler" >/dev/null 2>&1; then
            printf '#include <zlib.h>\n' | "$compiler" -E -x c - >/dev/null 2>&1
            return
        fi
    done
    [ -e /usr/include/zlib.h ]
}
