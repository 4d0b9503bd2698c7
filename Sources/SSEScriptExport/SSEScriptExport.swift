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

// The logic of the export-sse-script command plugin: writes SSELongPolling's browser script,
// `sse.js` and `sse.mjs`, into a folder.
//
//     sse-export-script --output DIRECTORY

import Foundation
import SSELongPolling

@main
struct SSEScriptExport {
    static func main() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count == 2, arguments[0] == "--output" else {
            FileHandle.standardError.write(Data("usage: sse-export-script --output DIRECTORY\n".utf8))
            exit(64)
        }
        let directory = URL(fileURLWithPath: arguments[1], isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, contents) in [("sse.js", SSELongPoll.browserScript), ("sse.mjs", SSELongPoll.browserModule)] {
            try Data(contents.utf8).write(to: directory.appendingPathComponent(name))
            print("wrote \(directory.appendingPathComponent(name).path) (\(contents.utf8.count) bytes)")
        }
    }
}
