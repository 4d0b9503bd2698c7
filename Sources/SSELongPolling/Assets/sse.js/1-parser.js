//===----------------------------------------------------------------------===//
//
// This source file is part of the swift-sse open source project
//
// Copyright (c) 2026 the swift-sse project authors
// Licensed under Apache License v2.0
//
// See LICENSE.txt for license information
// See CONTRIBUTORS.txt for the list of swift-sse project authors
//
// SPDX-License-Identifier: Apache-2.0
//
//===----------------------------------------------------------------------===//

    // The event stream parser of
    // https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
    // fed with text in chunks of any size. The text comes from the platform's UTF-8 decoding
    // (TextDecoder, responseText, Response.text()), which has already dropped a leading BOM.
    // `onDispatch(lastEventId, event)` runs at every blank line; `event` is null for a block
    // without data, which still moves the last event ID.
    function createParser(lastEventId, onDispatch, onRetry) {
        const lineEnd = /\r\n|\r|\n/g;
        let buffer = "";
        // The previous chunk ended in CR: an LF that opens this one belongs to that line end.
        let skipLF = false;
        let data = "";
        let type = "";
        let id = lastEventId;

        function processLine(line) {
            if (line === "") {
                const event = data === "" ? null : { type: type || "message", data: data.slice(0, -1) };
                data = "";
                type = "";
                onDispatch(id, event);
                return;
            }
            if (line[0] === ":") return;
            const colon = line.indexOf(":");
            const field = colon < 0 ? line : line.slice(0, colon);
            let value = colon < 0 ? "" : line.slice(colon + 1);
            if (value[0] === " ") value = value.slice(1);
            if (field === "data") data += value + "\n";
            else if (field === "event") type = value;
            else if (field === "id" && !value.includes("\0")) id = value;
            else if (field === "retry" && /^[0-9]+$/.test(value)) onRetry(Number(value));
        }

        return function push(chunk) {
            if (chunk === "") return;
            if (skipLF && chunk[0] === "\n") chunk = chunk.slice(1);
            skipLF = false;
            // What is left of the previous chunk holds no line end: search only the new text.
            lineEnd.lastIndex = buffer.length;
            buffer += chunk;
            let start = 0;
            let match;
            while ((match = lineEnd.exec(buffer))) {
                processLine(buffer.slice(start, match.index));
                start = lineEnd.lastIndex;
                skipLF = match[0] === "\r" && start === buffer.length;
            }
            buffer = buffer.slice(start);
        };
    }
