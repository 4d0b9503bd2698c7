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

#if VaporSupport
import HTTPTypes
import Vapor

extension HTTPHeaders {
    /// Vapor's header fields from swift-http-types' fields, in order.
    init(_ fields: HTTPFields) {
        self.init()
        for field in fields {
            add(name: field.name.rawName, value: field.value)
        }
    }
}

extension HTTPFields {
    /// swift-http-types' fields from Vapor's, in order (names that are not valid are left out).
    init(_ headers: HTTPHeaders) {
        self.init()
        for (name, value) in headers {
            if let name = HTTPField.Name(name) {
                append(HTTPField(name: name, value: value))
            }
        }
    }
}
#endif
