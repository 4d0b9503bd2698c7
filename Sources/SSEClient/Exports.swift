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

// What a configuration and a loop over events name, so that `import SSEClient` is enough to
// configure and consume a stream (as Hummingbird re-exports the types of its API).
#if NIOSupport || AsyncHTTPClientSupport
@_exported @_documentation(visibility: internal) public import struct HTTPTypes.HTTPField
@_exported @_documentation(visibility: internal) public import struct HTTPTypes.HTTPFields
@_exported @_documentation(visibility: internal) public import struct HTTPTypes.HTTPRequest
@_exported @_documentation(visibility: internal) public import struct HTTPTypes.HTTPResponse
@_exported @_documentation(visibility: internal) public import struct Logging.Logger
@_exported @_documentation(visibility: internal) public import struct SSECodec.ServerSentEvent
@_exported @_documentation(visibility: internal) public import struct SSECodec.SSEDecoder
@_exported @_documentation(visibility: internal) public import struct SSECodec.SSEDecodingError
#endif
