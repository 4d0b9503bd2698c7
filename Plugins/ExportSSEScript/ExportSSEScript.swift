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

import Foundation
import PackagePlugin

/// Writes the browser script of `SSELongPolling` (`sse.js`, and the ES module `sse.mjs`) into
/// a folder of your package, for pages served by another web server:
///
/// ```sh
/// swift package --allow-writing-to-package-directory export-sse-script --output Public/
/// ```
///
/// The work is done by the `sse-export-script` tool (target `SSEScriptExport`).
@main
struct ExportSSEScript: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        var extractor = ArgumentExtractor(arguments)
        let output = extractor.extractOption(named: "output").last ?? "Public"
        let directory =
            output.hasPrefix("/") ? URL(fileURLWithPath: output) : context.package.directoryURL.appending(path: output)
        let process = Process()
        process.executableURL = try context.tool(named: "SSEScriptExport").url
        process.arguments = ["--output", directory.path()]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Diagnostics.error("export-sse-script: sse-export-script failed with status \(process.terminationStatus)")
            return
        }
    }
}
