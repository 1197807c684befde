import BackchannelCore
import Foundation
import JWTKit

/// The private key a `private_key_jwt` client signs its assertions with (RFC 7523 §2.2): each request
/// carries a fresh one, `iss` and `sub` the client id, `aud` the provider's issuer (which CIBA §7.1 has
/// every provider accept at both endpoints), a minute's lifetime and a random `jti`.
public struct ClientAssertionKey: Sendable, Hashable {
    /// The signature algorithm.
    public enum Algorithm: String, Sendable, Hashable, CaseIterable {
        /// ECDSA P-256 with SHA-256.
        case es256 = "ES256"
        /// RSASSA-PSS with SHA-256.
        case ps256 = "PS256"
        /// RSASSA-PKCS1-v1_5 with SHA-256.
        case rs256 = "RS256"
    }

    /// Why a key could not be used.
    public struct Invalid: Error, CustomStringConvertible {
        /// What is wrong with it.
        public var description: String
    }

    /// The private key, PEM.
    public let pem: String
    /// The `kid` its public half is registered under.
    public let kid: String
    /// The algorithm it signs with.
    public let algorithm: Algorithm

    /// A key; it is read (and refused if it is not a private key of the algorithm's kind) now.
    /// - Throws: ``Invalid``.
    public init(pem: String, kid: String, algorithm: Algorithm) throws {
        self.pem = pem
        self.kid = kid
        self.algorithm = algorithm
        _ = try signer()
    }

    /// A key from a private JWK (RFC 7517): an EC P-256 key (`d`), or an RSA key (`n`, `e`, `d`, and `p`, `q` when
    /// present). The `kid` is the JWK's; the algorithm `algorithm`, else the JWK's `alg`, else ES256 for EC and PS256
    /// for RSA (the algorithms FAPI allows).
    /// - Throws: ``Invalid`` for anything else: a public key, another curve, a malformed member.
    public init(jwk: String, algorithm: Algorithm? = nil) throws {
        let key: JWK
        do {
            key = try JSONDecoder().decode(JWK.self, from: Data(jwk.utf8))
        } catch {
            throw Invalid(description: "not a JWK: \(error)")
        }
        guard let kid = key.keyIdentifier?.string, !kid.isEmpty else { throw Invalid(description: "the JWK has no kid") }
        guard let d = key.privateExponent else { throw Invalid(description: "the JWK is a public key (no d)") }
        let named = key.algorithm.flatMap { Algorithm(rawValue: $0.rawValue) }
        let pem: String
        let chosen: Algorithm
        do {
            switch key.keyType {
            case .ecdsa:
                guard key.curve == nil || key.curve?.rawValue == "P-256" else { throw Invalid(description: "only P-256 EC keys sign ES256") }
                pem = try ES256PrivateKey(key: d).pemRepresentation
                chosen = algorithm ?? named ?? .es256
            case .rsa:
                guard let n = key.modulus, let e = key.exponent else { throw Invalid(description: "the RSA JWK lacks n or e") }
                let rsa = if let p = key.prime1, let q = key.prime2 {
                    try Insecure.RSA.PrivateKey(modulus: n, exponent: e, privateExponent: d, prime1: p, prime2: q)
                } else {
                    try Insecure.RSA.PrivateKey(modulus: n, exponent: e, privateExponent: d)
                }
                pem = rsa.pemRepresentation
                chosen = algorithm ?? named ?? .ps256
            default:
                throw Invalid(description: "only EC (P-256) and RSA keys sign client assertions and requests")
            }
        } catch let error as Invalid {
            throw error
        } catch {
            throw Invalid(description: "the JWK's key cannot be read: \(error)")
        }
        try self.init(pem: pem, kid: kid, algorithm: chosen)
    }

    /// A JWT key collection that signs with this key under its kid.
    func signer() throws -> JWTKeyCollection.Adding {
        do {
            switch algorithm {
            case .es256: return .ecdsa(try ES256PrivateKey(pem: pem))
            case .ps256: return .pss(try Insecure.RSA.PrivateKey(pem: pem))
            case .rs256: return .rsa(try Insecure.RSA.PrivateKey(pem: pem))
            }
        } catch {
            throw Invalid(description: "not a PEM private key for \(algorithm.rawValue): \(error)")
        }
    }

    /// A collection that signs with this key, and the key's id in it.
    private func keyCollection() async throws -> (JWTKeyCollection, JWKIdentifier) {
        let keys = JWTKeyCollection()
        let kid = JWKIdentifier(string: kid)
        switch try signer() {
        case .ecdsa(let key): await keys.add(ecdsa: key, kid: kid)
        case .pss(let key): await keys.add(pss: key, digestAlgorithm: .sha256, kid: kid)
        case .rsa(let key): await keys.add(rsa: key, digestAlgorithm: .sha256, kid: kid)
        }
        return (keys, kid)
    }

    /// A fresh assertion for `clientId`, addressed to `audience`.
    func assertion(clientId: String, audience: String, now: Date = Date()) async throws -> String {
        let (keys, kid) = try await keyCollection()
        var id = SystemRandomNumberGenerator()
        let jti = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &id)) }.joined()
        let issued = Int(now.timeIntervalSince1970)
        return try await keys.sign(
            AssertionClaims(iss: clientId, sub: clientId, aud: audience, iat: issued, exp: issued + 60, jti: jti), kid: kid)
    }

    /// A signed authentication request (CIBA Core §7.1.1) carrying every parameter of `request` as a claim, with
    /// `iss` the client, `aud` the provider's issuer, `iat` and `nbf` now, `exp` five minutes on (within FAPI-CIBA's
    /// hour) and a random `jti`: what a FAPI-CIBA provider requires.
    func requestObject(_ request: AuthenticationRequest, clientId: String, audience: String, now: Date = Date()) async throws -> String {
        let (keys, kid) = try await keyCollection()
        let issued = Int(now.timeIntervalSince1970)
        var claims: [String: JSONValue] = [
            "iss": .string(clientId), "aud": .string(audience), "iat": .integer(issued), "nbf": .integer(issued), "exp": .integer(issued + 300),
            "jti": .string(Base64URL.encode((0..<16).map { _ in UInt8.random(in: 0...255) })),
        ]
        for (name, value) in request.parameters {
            switch name {
            // Numbers and JSON as themselves inside the object; every other parameter is a string.
            case "requested_expiry": claims[name] = Int(value).map(JSONValue.integer) ?? .string(value)
            case "authorization_details", "claims": claims[name] = (try? JSONDecoder().decode(JSONValue.self, from: Data(value.utf8))) ?? .string(value)
            default: claims[name] = .string(value)
            }
        }
        return try await keys.sign(RequestObjectClaims(claims: claims), kid: kid)
    }

    private struct RequestObjectClaims: JWTPayload {
        var claims: [String: JSONValue]
        init(claims: [String: JSONValue]) { self.claims = claims }
        init(from decoder: any Decoder) throws { claims = try [String: JSONValue](from: decoder) }
        func encode(to encoder: any Encoder) throws { try claims.encode(to: encoder) }
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    private struct AssertionClaims: JWTPayload {
        var iss: String
        var sub: String
        var aud: String
        var iat: Int
        var exp: Int
        var jti: String
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}

extension JWTKeyCollection {
    /// A private key of one of the kinds ``ClientAssertionKey`` signs with.
    enum Adding {
        case ecdsa(ES256PrivateKey)
        case pss(Insecure.RSA.PrivateKey)
        case rsa(Insecure.RSA.PrivateKey)
    }
}
