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

# Fuzzes SSEDecoder with libFuzzer (swiftc -sanitize=fuzzer,address).
# Usage: scripts/fuzz-decoder.sh [seconds, default 600] [extra libFuzzer flags…]
# Findings (crashing inputs) are written to scripts/fuzz/artifacts/; the corpus grows in scripts/fuzz/corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
shift || true
build=.build-fuzz
mkdir -p "$build" scripts/fuzz/corpus scripts/fuzz/artifacts

# What SwiftPM passes for this package: the Swift 6 language mode (tools version 6.2), the upcoming
# features Package.swift enables for every target, and a package name, without which SSECodec's
# `package` declarations do not compile.
settings=(-swift-version 6 -package-name swift_sse
    -enable-upcoming-feature ExistentialAny
    -enable-upcoming-feature MemberImportVisibility
    -enable-upcoming-feature InternalImportsByDefault)

# SSECodec as its own module, instrumented, then the fuzzer with the tests' Observed helpers.
swiftc -O -parse-as-library -sanitize=fuzzer,address "${settings[@]}" -module-name SSECodec \
    -emit-module -emit-module-path "$build/SSECodec.swiftmodule" \
    -emit-library -static -o "$build/libSSECodec.a" Sources/SSECodec/*.swift
swiftc -O -parse-as-library -sanitize=fuzzer,address "${settings[@]}" -module-name SSEDecoderFuzzer \
    -I "$build" -L "$build" -lSSECodec \
    Tests/SSECodecTests/Observed.swift scripts/fuzz/SSEDecoderFuzzer.swift -o "$build/sse-decoder-fuzzer-next"
mv "$build/sse-decoder-fuzzer-next" "$build/sse-decoder-fuzzer"

"$build/sse-decoder-fuzzer" scripts/fuzz/corpus scripts/fuzz/seeds \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
    -artifact_prefix=scripts/fuzz/artifacts/ "$@"
