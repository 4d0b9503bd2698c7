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

#if JWTSupport
import Foundation
import JWTKit
import Synchronization

/// An ``SSEAuthorizer`` for JSON Web Tokens (RFC 7519), on vapor/jwt-kit: HS256, RS256, ES256 and
/// EdDSA (Ed25519) signatures, several keys told apart by `kid` (rotation), `iss`, `aud`, and `exp`
/// and `nbf` with a leeway.
///
/// ```swift
/// let verifier = try await SSEJWTVerifier(
///     keys: [.ecdsa(publicKeyPEM: currentKey, kid: "2026-12"), .ecdsa(publicKeyPEM: previousKey, kid: "2026-11")],
///     issuer: "https://auth.example.com",
///     audience: "https://sse.example.com"
/// )
/// ```
///
/// A token's claims make the principal: `sub` the subject, `exp` its expiry, `iat` and `jti` what
/// a revocation names, and the topics it may use from a `sse` claim (or Mercure's `mercure`
/// claim, see ``GrantsClaim``):
///
/// ```json
/// {"sub": "42", "exp": 1767225600, "sse": {"subscribe": ["users/42", "rooms/*"], "publish": []}}
/// ```
///
/// A token is refused (``SSEAuthorizationError/invalidToken``) whose signature does not verify
/// with the key its `kid` names (or the only key, without a `kid`), whose `alg` is not that key's
/// algorithm (so no `none`, and no HS256 signed with an RS256 public key), that has expired or is
/// not yet valid (beyond ``leeway``), that has no `exp` while ``requiresExpiration``, or whose
/// issuer or audience is not the expected one. A verified token is kept, until its expiry, for
/// the next connection that presents it: a few microseconds, instead of a signature check.
public final class SSEJWTVerifier: SSEAuthorizer {
    /// A key that verifies tokens.
    public struct Key: Sendable {
        let algorithm: String
        let kid: String?
        let add: @Sendable (JWTKeyCollection) async -> Void

        /// An HMAC secret (HS256). It must stay secret: it signs as well as verifies.
        public static func hmac(_ secret: [UInt8], kid: String? = nil) -> Self {
            Self(algorithm: "HS256", kid: kid) { keys in
                await keys.add(
                    hmac: HMACKey(from: secret),
                    digestAlgorithm: .sha256,
                    kid: kid.map { JWKIdentifier(string: $0) }
                )
            }
        }

        /// An RSA public key (RS256), in PEM.
        public static func rsa(publicKeyPEM: String, kid: String? = nil) throws -> Self {
            let key = try Insecure.RSA.PublicKey(pem: publicKeyPEM)
            return Self(algorithm: "RS256", kid: kid) { keys in
                await keys.add(rsa: key, digestAlgorithm: .sha256, kid: kid.map { JWKIdentifier(string: $0) })
            }
        }

        /// A P-256 public key (ES256), in PEM.
        public static func ecdsa(publicKeyPEM: String, kid: String? = nil) throws -> Self {
            let key = try ES256PublicKey(pem: publicKeyPEM)
            return Self(algorithm: "ES256", kid: kid) { keys in
                await keys.add(ecdsa: key, kid: kid.map { JWKIdentifier(string: $0) })
            }
        }

        /// An Ed25519 public key (EdDSA), in PEM.
        public static func eddsa(publicKeyPEM: String, kid: String? = nil) throws -> Self {
            let key = try EdDSA.PublicKey(pem: publicKeyPEM)
            return Self(algorithm: "EdDSA", kid: kid) { keys in
                await keys.add(eddsa: key, kid: kid.map { JWKIdentifier(string: $0) })
            }
        }
    }

    /// The claim that carries a token's topic grants.
    public struct GrantsClaim: Sendable, Hashable {
        let name: String

        /// `"sse": {"subscribe": […], "publish": […]}`.
        public static let sse = Self(name: "sse")
        /// Mercure's `"mercure": {"subscribe": […], "publish": […]}`.
        public static let mercure = Self(name: "mercure")
    }

    /// The `iss` a token must have; any if `nil`.
    public let issuer: String?
    /// An `aud` a token must have (one of its audiences); any if `nil`.
    public let audience: String?
    /// How far a token's `exp` and `nbf` may be off (clock skew between issuer and server).
    public let leeway: Duration
    /// Whether a token without `exp` is refused; `true` by default.
    public let requiresExpiration: Bool
    /// The claim with the topic grants.
    public let grantsClaim: GrantsClaim

    private let keys: JWTKeyCollection
    private let algorithms: Mutex<[String?: String]>
    private let cache: Mutex<[String: SSEPrincipal]>
    private let maximumCachedTokens: Int

    /// A verifier with `keys`.
    ///
    /// - Parameters:
    ///   - keys: The keys; with several, each has a `kid` that tokens name.
    ///   - issuer: The `iss` tokens must have; any if `nil`.
    ///   - audience: An `aud` tokens must have; any if `nil`.
    ///   - leeway: How far `exp` and `nbf` may be off; 30 seconds by default.
    ///   - requiresExpiration: Whether tokens without `exp` are refused; `true` by default.
    ///   - grantsClaim: The claim with the topic grants; ``GrantsClaim/sse`` by default.
    ///   - maximumCachedTokens: Verified tokens kept for their next use, at most; 10,000 by default.
    public init(
        keys: [Key],
        issuer: String? = nil,
        audience: String? = nil,
        leeway: Duration = .seconds(30),
        requiresExpiration: Bool = true,
        grantsClaim: GrantsClaim = .sse,
        maximumCachedTokens: Int = 10_000
    ) async {
        self.keys = JWTKeyCollection()
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.requiresExpiration = requiresExpiration
        self.grantsClaim = grantsClaim
        self.maximumCachedTokens = maximumCachedTokens
        self.algorithms = Mutex([:])
        self.cache = Mutex([:])
        for key in keys {
            await add(key)
        }
    }

    /// Adds a key (a rotation: tokens signed with it verify from now on; those of the old keys
    /// still do, until they expire).
    public func add(_ key: Key) async {
        await key.add(keys)
        algorithms.withLock { $0[key.kid] = key.algorithm }
    }

    public func authorize(token: String) async throws(SSEAuthorizationError) -> SSEPrincipal {
        let now = ContinuousClock.now
        if let principal = cache.withLock({ $0[token] }), principal.expiresAt.map({ $0 > now }) ?? true {
            return principal
        }
        let header = try Self.header(of: token)
        try checkAlgorithm(header)
        let claims: Claims
        do {
            claims = try await keys.verify(token, as: Claims.self)
        } catch {
            throw .invalidToken("the signature does not verify: \(error)")
        }
        let principal = try principal(from: claims, now: now, wallClock: Date())
        cache.withLock { cache in
            if cache.count >= maximumCachedTokens {
                cache = cache.filter { $0.value.expiresAt.map { $0 > now } ?? true }
                if cache.count >= maximumCachedTokens {
                    cache.removeAll(keepingCapacity: true)
                }
            }
            cache[token] = principal
        }
        return principal
    }

    /// The key a token names must be there, with the algorithm the token says.
    private func checkAlgorithm(_ header: Header) throws(SSEAuthorizationError) {
        let known = algorithms.withLock { $0 }
        let expected: String?
        if let kid = header.kid {
            expected = known[kid]
        } else {
            expected = known.count == 1 ? known.values.first : known[nil]
        }
        guard let expected else {
            throw .invalidToken("no key for the token's kid")
        }
        guard header.alg == expected else {
            throw .invalidToken("the token's alg \(header.alg) is not its key's \(expected)")
        }
    }

    private func principal(
        from claims: Claims,
        now: ContinuousClock.Instant,
        wallClock: Date
    ) throws(SSEAuthorizationError) -> SSEPrincipal {
        let leewaySeconds = Double(leeway.components.seconds)
        let current = wallClock.timeIntervalSince1970
        guard let subject = claims.sub, !subject.isEmpty else {
            throw .invalidToken("no sub")
        }
        if let exp = claims.exp, exp + leewaySeconds <= current {
            throw .invalidToken("expired")
        }
        if claims.exp == nil, requiresExpiration {
            throw .invalidToken("no exp")
        }
        if let nbf = claims.nbf, nbf - leewaySeconds > current {
            throw .invalidToken("not yet valid")
        }
        if let issuer, claims.iss != issuer {
            throw .invalidToken("wrong issuer")
        }
        if let audience, !(claims.aud ?? []).contains(audience) {
            throw .invalidToken("wrong audience")
        }
        func instant(_ seconds: Double) -> ContinuousClock.Instant {
            now + .milliseconds(Int64(((seconds - current) * 1000).rounded()))
        }
        let grants = claims.grants(grantsClaim.name)
        return SSEPrincipal(
            subject: subject,
            grants: SSETopicGrants(
                subscribe: grants?.subscribe?.map { SSETopicPattern($0) } ?? [],
                publish: grants?.publish?.map { SSETopicPattern($0) } ?? []
            ),
            expiresAt: claims.exp.map { instant($0 + leewaySeconds) },
            issuedAt: claims.iat.map(instant),
            tokenID: claims.jti
        )
    }

    /// The token's header, unverified: which key, and which algorithm.
    struct Header: Decodable {
        let alg: String
        let kid: String?
    }

    static func header(of token: String) throws(SSEAuthorizationError) -> Header {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = Self.base64URLDecoded(parts[0]),
            let header = try? JSONDecoder().decode(Header.self, from: data)
        else {
            throw .invalidToken("not a JSON Web Token")
        }
        return header
    }

    static func base64URLDecoded(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    /// The claims a principal is made of.
    struct Claims: JWTPayload {
        struct Grants: Codable, Sendable {
            let subscribe: [String]?
            let publish: [String]?
        }

        let sub: String?
        let exp: Double?
        let nbf: Double?
        let iat: Double?
        let iss: String?
        let aud: [String]?
        let jti: String?
        let sse: Grants?
        let mercure: Grants?

        enum CodingKeys: String, CodingKey {
            case sub, exp, nbf, iat, iss, aud, jti, sse, mercure
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            sub = try container.decodeIfPresent(String.self, forKey: .sub)
            exp = try container.decodeIfPresent(Double.self, forKey: .exp)
            nbf = try container.decodeIfPresent(Double.self, forKey: .nbf)
            iat = try container.decodeIfPresent(Double.self, forKey: .iat)
            iss = try container.decodeIfPresent(String.self, forKey: .iss)
            // `aud` is one string or an array of them (RFC 7519 §4.1.3).
            if let one = try? container.decodeIfPresent(String.self, forKey: .aud) {
                aud = [one]
            } else {
                aud = try container.decodeIfPresent([String].self, forKey: .aud)
            }
            jti = try container.decodeIfPresent(String.self, forKey: .jti)
            sse = try container.decodeIfPresent(Grants.self, forKey: .sse)
            mercure = try container.decodeIfPresent(Grants.self, forKey: .mercure)
        }

        func grants(_ claim: String) -> Grants? {
            claim == "mercure" ? mercure : sse
        }

        /// The times, issuer and audience are checked by the verifier, with its leeway.
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}
#endif
