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
import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import SSECodec

/// One check's outcome: what was found, the evidence, and the fix.
struct Finding: Codable, Sendable {
    enum Status: String, Codable, Sendable {
        case pass
        case warning
        case failure
    }

    var check: String
    var status: Status
    var summary: String
    var evidence: [String] = []
    var fix: String?
}

/// The doctor's report.
struct Report: Codable, Sendable {
    var url: String
    var `protocol`: String
    var seconds: Double
    var findings: [Finding]
    var failed: Bool { findings.contains { $0.status == .failure } }

    func json() -> String {
        struct Output: Codable {
            var url: String
            var `protocol`: String
            var seconds: Double
            var failed: Bool
            var findings: [Finding]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try? encoder.encode(
            Output(url: url, protocol: `protocol`, seconds: seconds, failed: failed, findings: findings)
        )
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    func text(colour: Bool) -> String {
        var lines = ["sse doctor \(url) (\(`protocol`), watched \(String(format: "%.0f", seconds)) s)", ""]
        for finding in findings {
            let label: String
            switch finding.status {
            case .pass: label = colour ? "\u{1B}[32mpass   \u{1B}[0m" : "pass   "
            case .warning: label = colour ? "\u{1B}[33mwarning\u{1B}[0m" : "warning"
            case .failure: label = colour ? "\u{1B}[31mFAILURE\u{1B}[0m" : "FAILURE"
            }
            lines.append(
                "\(label)  \(finding.check.padding(toLength: 16, withPad: " ", startingAt: 0)) \(finding.summary)"
            )
            for evidence in finding.evidence {
                lines.append("                           \(evidence)")
            }
            if let fix = finding.fix {
                lines.append("                           fix: \(fix)")
            }
        }
        let count = { (status: Finding.Status) in findings.filter { $0.status == status }.count }
        lines.append("")
        lines.append("\(count(.pass)) passed, \(count(.warning)) warnings, \(count(.failure)) failures")
        return lines.joined(separator: "\n") + "\n"
    }
}
#endif
