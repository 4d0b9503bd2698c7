#!/usr/bin/env python3
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

"""JSON Web Tokens made apart from the code under test: the Python standard library and the
openssl command, from RFC 7515, 7518 and 8037.

    jwt_tokens.py keys DIR        # makes the test keys in DIR
    jwt_tokens.py sign DIR < requests.json > tokens.json

A request is {"alg": "HS256"|"RS256"|"ES256"|"EdDSA"|"none", "key": NAME, "kid": ID or null,
"claims": {...}, "secret_file": FILE (HS256 only: sign with that file's bytes as the secret),
"tamper": true (change the signature)}; the answer is the list of tokens in order.
"""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def openssl(*arguments, data=None):
    return subprocess.run(["openssl", *arguments], input=data, capture_output=True, check=True).stdout


def make_keys(directory):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "hs.secret"), "wb") as secret:
        secret.write(os.urandom(32))
    for name, arguments in [("rs", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                            ("es", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                            ("ed", ["-algorithm", "ED25519"]),
                            ("other-es", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])]:
        private = os.path.join(directory, f"{name}.key")
        openssl("genpkey", *arguments, "-out", private)
        openssl("pkey", "-in", private, "-pubout", "-out", os.path.join(directory, f"{name}.pub"))


def der_to_raw(der, size=32):
    """An ECDSA signature from DER (SEQUENCE of two INTEGERs) to r || s (RFC 7518 §3.4)."""
    assert der[0] == 0x30
    index = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    numbers = []
    for _ in range(2):
        assert der[index] == 0x02
        length = der[index + 1]
        value = der[index + 2:index + 2 + length].lstrip(b"\x00")
        numbers.append(value.rjust(size, b"\x00"))
        index += 2 + length
    return numbers[0] + numbers[1]


def sign(directory, request):
    header = {"alg": request["alg"], "typ": "JWT"}
    if request.get("kid"):
        header["kid"] = request["kid"]
    signing_input = (b64(json.dumps(header).encode()) + "." + b64(json.dumps(request["claims"]).encode())).encode()
    alg = request["alg"]
    key = os.path.join(directory, f"{request.get('key', '')}.key")
    if alg == "none":
        signature = b""
    elif alg == "HS256":
        with open(os.path.join(directory, request.get("secret_file", "hs.secret")), "rb") as secret:
            signature = hmac.new(secret.read(), signing_input, hashlib.sha256).digest()
    elif alg == "RS256":
        signature = openssl("dgst", "-sha256", "-sign", key, data=signing_input)
    elif alg == "ES256":
        signature = der_to_raw(openssl("dgst", "-sha256", "-sign", key, data=signing_input))
    elif alg == "EdDSA":
        path = os.path.join(directory, "input.bin")
        with open(path, "wb") as file:
            file.write(signing_input)
        signature = openssl("pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", path)
    else:
        raise SystemExit(f"unknown alg {alg}")
    if request.get("tamper"):
        signature = bytes([signature[0] ^ 1]) + signature[1:]
    return signing_input.decode() + "." + b64(signature)


def main():
    command, directory = sys.argv[1], sys.argv[2]
    if command == "keys":
        make_keys(directory)
    else:
        print(json.dumps([sign(directory, request) for request in json.load(sys.stdin)]))


if __name__ == "__main__":
    main()
