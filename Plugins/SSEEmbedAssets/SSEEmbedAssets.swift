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

/// Embeds the files of a target's `Assets` folder (pages, styles, scripts, images) into a
/// generated Swift file, `EmbeddedAssets`, at build time: a server then serves them from its
/// binary, with no resource bundle and no Foundation. A folder in `Assets` stands for the file of
/// its name, its parts joined in name order (a script written in parts, served as one).
///
/// ```swift
/// .executableTarget(name: "ticker", exclude: ["Assets"], plugins: [.plugin(name: "SSEEmbedAssets", package: "swift-sse")])
/// // then: router.get("/", asset: SSEAsset(EmbeddedAssets.indexHtml, contentType: .html))
/// ```
///
/// The work is done by the `sse-embed` tool (target `SSEEmbed`); this plugin only hands it the
/// files.
@main
struct SSEEmbedAssets: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else {
            return []
        }
        let assets = target.directoryURL.appending(path: "Assets")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: assets.path())) ?? []
        let files = names.filter { !$0.hasPrefix(".") }.sorted().map { assets.appending(path: $0) }
        // A folder stands for one file, its parts joined: the build reruns when a part changes.
        let inputs = files.flatMap { file in
            let parts = (try? FileManager.default.contentsOfDirectory(atPath: file.path())) ?? []
            let visible = parts.filter { !$0.hasPrefix(".") }.sorted()
            return visible.isEmpty ? [file] : visible.map { file.appending(path: $0) }
        }
        guard !files.isEmpty else {
            Diagnostics.warning("SSEEmbedAssets: \(target.name) has no Assets folder, or it is empty")
            return []
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedAssets.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) assets of \(target.name)",
                executable: try context.tool(named: "SSEEmbed").url,
                arguments: [output.path(), "EmbeddedAssets"] + files.map { $0.path() },
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
