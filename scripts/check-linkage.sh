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

# Proves that a user of SSECodec alone takes nothing else: a package depending on this one for
# SSECodec resolves none of its dependencies (SwiftNIO, Hummingbird, Vapor, AsyncHTTPClient,
# swift-argument-parser for the `sse` tool: all behind traits) but swift-http-types, and that
# user's executable, which uses only SSECodec, links no Foundation library (inspected with ldd).
# swift-http-types is resolved, not built: SSELongPolling answers in its vocabulary types
# (`HTTPResponse.Status`, `HTTPFields`) without a trait, and it is a leaf package without Foundation.
set -euo pipefail
cd "$(dirname "$0")/.."

user=$(mktemp -d)
trap 'rm -rf "$user"' EXIT
mkdir -p "$user/Sources/CodecUser"
cat >"$user/Package.swift" <<MANIFEST
// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "codec-user",
    dependencies: [.package(name: "swift-sse", path: "$PWD")],
    targets: [.executableTarget(name: "CodecUser", dependencies: [.product(name: "SSECodec", package: "swift-sse")])]
)
MANIFEST
cat >"$user/Sources/CodecUser/main.swift" <<'SOURCE'
import SSECodec

// Decodes standard input as an event stream and prints each event's data: the codec's whole path.
var decoder = SSEDecoder()
while let line = readLine(strippingNewline: false) {
    try decoder.decode(line.utf8) { output in
        if case .event(let event) = output {
            print(event.data)
        }
    }
}
SOURCE
swift package --package-path "$user" resolve
if [ -e "$user/Package.resolved" ] && grep '"identity"' "$user/Package.resolved" | grep -qv '"swift-http-types"'; then
    echo "check-linkage: FAILED: a user of SSECodec alone resolves these packages:" >&2
    grep '"identity"' "$user/Package.resolved" >&2
    exit 1
fi
echo "check-linkage: passed: a user of SSECodec alone resolves no other package but swift-http-types"

if [[ "$(uname -s)" != "Linux" ]]; then
    echo "check-linkage: ldd is Linux-only; skipped on $(uname -s)" >&2
    exit 0
fi

swift build --package-path "$user"
binary="$(swift build --package-path "$user" --show-bin-path)/CodecUser"
decoded=$(printf 'data: hello\n\n' | "$binary")
if [ "$decoded" != "hello" ]; then
    echo "check-linkage: FAILED: the codec-only executable printed '$decoded', not 'hello'" >&2
    exit 1
fi
libraries=$(ldd "$binary")
echo "$libraries"
if echo "$libraries" | grep -E 'libFoundation(Essentials|Internationalization)?\.so|lib_FoundationICU\.so'; then
    echo "check-linkage: FAILED: a codec-only executable links Foundation" >&2
    exit 1
fi
echo "check-linkage: passed: no Foundation library in a codec-only executable"
