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

extension SSELongPoll {
    /// The browser script, as a classic script: `<script src="/sse.js">` defines
    /// `SSEEventSource`, a class with the `EventSource` interface that falls back from the native
    /// `EventSource` to streaming `fetch`, `XMLHttpRequest` and long polling. See
    /// <doc:BrowserScript>.
    ///
    /// It is `Assets/sse.js`, embedded at build time by the `SSEEmbedAssets` plugin: no resource
    /// bundle, no Foundation.
    public static let browserScript: String = EmbeddedAssets.sseJs

    /// The browser script as an ES module: `import { SSEEventSource } from "/sse.mjs"`.
    public static var browserModule: String {
        browserScript + moduleExports
    }

    /// What makes the classic script a module: it defines the class on `globalThis`, and the
    /// module exports it from there.
    static let moduleExports =
        "\nexport const SSEEventSource = globalThis.SSEEventSource;\nexport default SSEEventSource;\n"
}
