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

#if TLSSupport
import Logging
import NIOCore
public import NIOSSL
import UnixSignals

extension SSEServer {
    /// Reads the TLS certificate chain and key again (from their files, for
    /// ``TLS/files(certificateChain:privateKey:)``): every connection made after it returns gets
    /// the new certificate, and open connections keep theirs. Safe to call from any task while
    /// the server runs (a certificate renewed by ACME, say); before ``run()``, it checks the
    /// configuration.
    ///
    /// - Throws: ``SSEServerError/invalidTLSConfiguration`` when the files cannot be read or do not
    ///   belong together, or the server has no TLS; the server then goes on with the certificate
    ///   it had.
    public func reloadTLSCertificates() throws {
        guard let tls = configuration.tls else {
            throw SSEServerError.invalidTLSConfiguration("the server has no TLS configuration")
        }
        tlsContext = try tls.makeContext(offeringHTTP2: configuration.http2.isEnabled)
    }

    /// Makes the TLS context before the server listens, so that a bad certificate stops ``run()``
    /// at once.
    func prepareTLS() throws {
        if configuration.tls != nil {
            try reloadTLSCertificates()
        } else {
            tlsContext = nil
        }
    }

    /// `SIGHUP` trapped, when the configuration asks to reload on it: before the server listens,
    /// so that a signal sent as soon as it does is never the default one (which ends the
    /// process). Once trapped, `SIGHUP` stays ignored after ``run()`` returns.
    func trappingSIGHUP() async -> UnixSignalsSequence? {
        guard let tls = configuration.tls, tls.reloadsOnSIGHUP else {
            return nil
        }
        return await UnixSignalsSequence(trapping: .sighup)
    }

    /// Reloads the certificate at each `SIGHUP` of `signals`; the task is cancelled when
    /// ``run()`` ends.
    func reloading(on signals: UnixSignalsSequence?) -> Task<Void, Never>? {
        guard let signals else {
            return nil
        }
        let logger = configuration.logger
        return Task {
            for await _ in signals {
                do {
                    try reloadTLSCertificates()
                    logger?.info("Reloaded the TLS certificate on SIGHUP")
                } catch {
                    logger?.error(
                        "Could not reload the TLS certificate on SIGHUP; serving the previous one",
                        metadata: ["sse.error": "\(error)"]
                    )
                }
            }
        }
    }
}

extension SSEServer {
    /// TLS on the embedded server: a certificate chain and its private key, from PEM files or
    /// from NIOSSL's types, TLS 1.2 at least, and ALPN offering `h2` (HTTP/2, see
    /// ``SSEServer/Configuration-swift.struct/http2``) and `http/1.1`.
    ///
    /// ```swift
    /// var configuration = SSEServer.Configuration(host: "0.0.0.0", port: 443)
    /// configuration.tls = .files(certificateChain: "/etc/sse/fullchain.pem", privateKey: "/etc/sse/key.pem")
    /// configuration.tls?.reloadsOnSIGHUP = true
    /// ```
    ///
    /// The certificate can change without a restart: ``SSEServer/reloadTLSCertificates()`` (or
    /// `SIGHUP`, with ``reloadsOnSIGHUP``) reads the files again, and every connection made after it
    /// gets the new certificate; open connections keep theirs. A reload that fails (a missing file,
    /// a key that does not match) throws and changes nothing.
    public struct TLS: Sendable {
        enum Source: Sendable {
            case files(certificateChain: String, privateKey: String)
            case certificates([NIOSSLCertificate], NIOSSLPrivateKey)
        }

        let source: Source

        /// The oldest version of TLS accepted. Defaults to TLS 1.2.
        public var minimumVersion: TLSVersion = .tlsv12

        /// Reads the certificate chain and key again when the process receives `SIGHUP`, while the
        /// server runs (as nginx does). Defaults to `false`: trapping a signal is the process's
        /// decision, not a library's. A failed reload is logged and the old certificate stays.
        /// `SIGHUP` is trapped before the server listens (a signal sent as soon as it does never
        /// ends the process), and stays ignored once ``SSEServer/run()`` has returned.
        public var reloadsOnSIGHUP = false

        /// The certificate chain (the server's certificate first, then its intermediates) and the
        /// private key, from PEM files, read when the server starts and at each reload.
        public static func files(certificateChain: String, privateKey: String) -> TLS {
            TLS(source: .files(certificateChain: certificateChain, privateKey: privateKey))
        }

        /// A certificate chain (the server's certificate first) and its private key, already loaded.
        public static func certificates(_ chain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey) -> TLS {
            TLS(source: .certificates(chain, privateKey))
        }

        /// The context new connections are served with.
        func makeContext(offeringHTTP2: Bool) throws -> NIOSSLContext {
            let chain: [NIOSSLCertificate]
            let key: NIOSSLPrivateKey
            switch source {
            case .files(let chainPath, let keyPath):
                do {
                    chain = try NIOSSLCertificate.fromPEMFile(chainPath)
                } catch {
                    throw SSEServerError.invalidTLSConfiguration(
                        "cannot read a PEM certificate chain from \(chainPath): \(error)"
                    )
                }
                do {
                    key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
                } catch {
                    throw SSEServerError.invalidTLSConfiguration(
                        "cannot read a PEM private key from \(keyPath): \(error)"
                    )
                }
            case .certificates(let certificates, let privateKey):
                chain = certificates
                key = privateKey
            }
            guard !chain.isEmpty else {
                throw SSEServerError.invalidTLSConfiguration("the certificate chain is empty")
            }
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) },
                privateKey: .privateKey(key)
            )
            configuration.minimumTLSVersion = minimumVersion
            configuration.applicationProtocols = offeringHTTP2 ? ["h2", "http/1.1"] : ["http/1.1"]
            do {
                // BoringSSL checks here that the key belongs to the certificate.
                return try NIOSSLContext(configuration: configuration)
            } catch {
                throw SSEServerError.invalidTLSConfiguration("the certificate and key cannot be used: \(error)")
            }
        }
    }

    /// HTTP/2: offered over TLS by ALPN, and, if asked, in cleartext with prior knowledge (h2c);
    /// and the limits that keep one connection from costing the server more than its share.
    ///
    /// Every route answers the same over HTTP/1.1 and HTTP/2, from the same router. Each HTTP/2
    /// stream is written with its own back pressure: a stream whose client stops reading (its
    /// flow-control window stays closed) stops its own subscription's pull, never its
    /// neighbours' on the same connection. Responses carry no connection-specific field
    /// (`Connection`, `Keep-Alive`, `Transfer-Encoding`, `Upgrade`; RFC 9113 §8.2.2). A stopping
    /// server sends `GOAWAY`, lets open streams end with their final event, then closes.
    ///
    /// The limits have defaults that hold against the known attacks on HTTP/2 servers: rapid
    /// reset (CVE-2023-44487), the CONTINUATION flood (CVE-2024-27316), and SETTINGS and PING
    /// floods. A connection over a limit is closed with `GOAWAY` and the error code HTTP/2 gives
    /// it (`ENHANCE_YOUR_CALM`, `PROTOCOL_ERROR`, …); the others are not affected.
    public struct HTTP2: Sendable {
        /// Offers HTTP/2 in TLS's ALPN, before HTTP/1.1. Defaults to `true`; without TLS it does
        /// nothing (browsers speak HTTP/2 only over TLS).
        public var isEnabled = true

        /// On a server without TLS, also accepts HTTP/2 with prior knowledge (h2c, RFC 9113
        /// §3.3) beside HTTP/1.1 on the same port: for a load balancer that ends TLS and speaks
        /// HTTP/2 to its backends. The first bytes of a connection decide. Defaults to `false`.
        public var acceptsCleartext = false

        /// The most streams a client may have open at once on one connection (announced in
        /// `SETTINGS_MAX_CONCURRENT_STREAMS`). Browsers queue streams beyond it; a client that
        /// opens one more anyway breaks the protocol, and NIO's HTTP/2 closes its connection with
        /// `GOAWAY` `PROTOCOL_ERROR`. Defaults to 100.
        public var maximumConcurrentStreams = 100

        /// The largest request header list accepted, in bytes (`SETTINGS_MAX_HEADER_LIST_SIZE`).
        /// Defaults to 16 KiB.
        public var maximumHeaderListSize = 16_384

        /// The most CONTINUATION frames one header block may use (CVE-2024-27316). Defaults to 5.
        public var maximumContinuationFrames = 5

        /// The most streams a client may reset within ``rateLimitWindow`` (rapid reset,
        /// CVE-2023-44487); more closes the connection with `ENHANCE_YOUR_CALM`. Defaults to 200.
        public var maximumResetStreams = 200

        /// The most PING, SETTINGS and other control frames a client may send within
        /// ``rateLimitWindow``; more closes the connection with `ENHANCE_YOUR_CALM`. Defaults to 200.
        public var maximumControlFrames = 200

        /// The window of ``maximumResetStreams`` and ``maximumControlFrames``. Defaults to 30 seconds.
        public var rateLimitWindow: Duration = .seconds(30)

        /// Creates the defaults.
        public init() {}
    }
}
#endif
