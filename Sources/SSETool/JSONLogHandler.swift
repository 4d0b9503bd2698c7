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

#if CommandLineTool
import Foundation
import Logging

/// One JSON object per line on standard error, for a log collector: `time` (RFC 3339 with
/// milliseconds, UTC), `level`, `message`, `label`, then the metadata, each a string.
struct JSONLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .info
    let label: String

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() {
            fields.merge(provided) { _, new in new }
        }
        if let metadata = event.metadata {
            fields.merge(metadata) { _, new in new }
        }
        if let error = event.error {
            fields["error"] = "\(error)"
        }
        var object: [String: String] = fields.mapValues { "\($0)" }
        object["time"] = Self.now()
        object["level"] = event.level.rawValue
        object["message"] = event.message.description
        object["label"] = label
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            return
        }
        Descriptor.standardError.put(String(decoding: data, as: UTF8.self) + "\n")
    }

    private static func now() -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date())
    }
}
#endif
