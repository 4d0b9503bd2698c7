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

// The shared pieces the embedded server's configuration names, so that `import SSENIO` is enough
// to configure and run it.
#if NIOSupport
@_exported public import struct SSENIOCore.SSECORS
@_exported public import struct SSENIOCore.SSECORSError
@_exported public import struct SSENIOCore.SSELastEventIDError
@_exported public import struct SSENIOCore.SSEStreamBody
@_exported public import struct SSENIOCore.SSEStreamConfiguration
@_exported public import protocol SSENIOCore.SSEStreamResponse
@_exported public import struct SSENIOCore.SSEMetrics
// The types of requests and responses: methods, statuses, header fields.
@_exported public import struct HTTPTypes.HTTPField
@_exported public import struct HTTPTypes.HTTPFields
@_exported public import struct HTTPTypes.HTTPRequest
@_exported public import struct HTTPTypes.HTTPResponse
@_exported public import struct Logging.Logger
#endif
