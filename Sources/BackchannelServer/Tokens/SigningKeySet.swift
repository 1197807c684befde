import BackchannelCore
import Crypto
import CryptoExtras
import Foundation
import JWTKit

/// The server's signing keys: the first key signs access tokens, the first key of each algorithm signs
/// the ID tokens of clients that want that algorithm, all of them verify, and the public JWKS is encoded
/// once, so serving it costs no work per request.
public final class SigningKeySet: Sendable {
    /// The JWS algorithm of the active key.
    public let algorithm: SigningAlgorithm
    /// The `kid` of the active key, which signs access tokens.
    public let activeKid: String
    /// The `kid` of the first key of each algorithm: the one that signs ID tokens in that algorithm.
    public let activeKids: [SigningAlgorithm: String]
    /// Every `kid` in the set.
    public let kids: Set<String>
    /// The public keys as a JWKS document (RFC 7517 §5), encoded once. Private parts are never in it.
    public let jwksDocument: Data
    let collection: JWTKeyCollection
    /// The `kid`s of retired, verify-only keys.
    public let retiredKids: Set<String>
    /// Retired public keys: they verify old `id_token_hint`s, never sign, and are not published.
    let retired: JWTKeyCollection
    /// A secret derived from the active key (HKDF-SHA256): the same on every node and across restarts,
    /// for the keyed hashes of subjects in the audit trail. Rotating the active key changes it.
    public let subjectHashKey: [UInt8]

    private init(
        algorithm: SigningAlgorithm, activeKid: String, activeKids: [SigningAlgorithm: String], kids: Set<String>, jwks: JWKS,
        collection: JWTKeyCollection, retiredKids: Set<String> = [], retired: JWTKeyCollection = JWTKeyCollection(), activePem: String
    ) throws {
        self.subjectHashKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(activePem.utf8)), info: Data("backchannel audit subject hash v1".utf8), outputByteCount: 32
        ).withUnsafeBytes { [UInt8]($0) }
        self.activeKids = activeKids
        self.retiredKids = retiredKids
        self.retired = retired
        self.algorithm = algorithm
        self.activeKid = activeKid
        self.kids = kids
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.jwksDocument = try encoder.encode(jwks)
        self.collection = collection
    }

    /// Loads the configured keys; with none configured, loads the keys kept in `dataDirectory`, creating
    /// them (ES256 and RS256, file mode 0600) on first start.
    /// - Throws: ``SigningKeyError`` naming the key's field or file.
    public static func load(_ configurations: [SigningKeyConfiguration], dataDirectory: URL?) async throws(SigningKeyError) -> SigningKeySet {
        try await load(configurations, keyStore: dataDirectory.map { FileSigningKeyStore(directory: $0) })
    }

    /// Loads the configured keys; with none configured, the ES256 and RS256 keys `keyStore` keeps, created
    /// on the deployment's first start (or keys for this process alone, without a store). ES256 signs
    /// access tokens; RS256 is there because OpenID Connect requires every provider to offer it for ID
    /// tokens (Discovery §3), and it is the default of clients that name no algorithm.
    /// - Throws: ``SigningKeyError`` naming the key's field or store.
    public static func load(_ configurations: [SigningKeyConfiguration], keyStore: (any SigningKeyStore)?) async throws(SigningKeyError) -> SigningKeySet {
        var loaded: [(kid: String, key: LoadedKey)] = []
        let retired = JWTKeyCollection()
        var retiredKids: Set<String> = []
        for (index, configuration) in configurations.enumerated() where configuration.isRetired {
            let field = "keys[\(index)]"
            guard let kid = configuration.kid else { throw SigningKeyError(field: "\(field).kid", reason: "a retired key needs its kid") }
            var pem = configuration.publicKeyPem
            if let path = configuration.publicKeyFile {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw SigningKeyError(field: "\(field).public_key_file", reason: "cannot read \(path)")
                }
                pem = text
            }
            let identifier = JWKIdentifier(string: kid)
            switch configuration.algorithm {
            case .es256:
                guard let pem, let key = try? ES256PublicKey(pem: pem) else {
                    throw SigningKeyError(field: "\(field).public_key_pem", reason: "not a PEM public key for ES256")
                }
                await retired.add(ecdsa: key, kid: identifier)
            case .rs256, .ps256:
                guard let pem, let key = try? JWTKit.Insecure.RSA.PublicKey(pem: pem) else {
                    throw SigningKeyError(field: "\(field).public_key_pem", reason: "not a PEM public key for \(configuration.algorithm.rawValue)")
                }
                if configuration.algorithm == .ps256 {
                    await retired.add(pss: key, digestAlgorithm: .sha256, kid: identifier)
                } else {
                    await retired.add(rsa: key, digestAlgorithm: .sha256, kid: identifier)
                }
            }
            retiredKids.insert(kid)
        }
        let configurations = configurations.filter { !$0.isRetired }
        if configurations.isEmpty {
            for algorithm in [SigningAlgorithm.es256, .rs256] {
                let key = try await generatedKey(algorithm, in: keyStore)
                loaded.append((key.thumbprint, key))
            }
        }
        for (index, configuration) in configurations.enumerated() {
            let field = "keys[\(index)]"
            let pem: String
            if let text = configuration.privateKeyPem {
                pem = text
            } else if let path = configuration.privateKeyFile {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw SigningKeyError(field: "\(field).private_key_file", reason: "cannot read \(path)")
                }
                pem = text
            } else {
                throw SigningKeyError(field: field, reason: "no key material")
            }
            guard let key = LoadedKey(pem: pem, algorithm: configuration.algorithm) else {
                throw SigningKeyError(field: "\(field).private_key_pem", reason: "not a PEM private key for \(configuration.algorithm.rawValue)")
            }
            let kid = configuration.kid ?? key.thumbprint
            guard !loaded.contains(where: { $0.kid == kid }) else {
                throw SigningKeyError(field: "\(field).kid", reason: "the kid \(kid) is used twice")
            }
            loaded.append((kid, key))
        }
        let collection = JWTKeyCollection()
        // The first key added becomes the collection's default: the active signing key.
        for entry in loaded {
            await entry.key.add(to: collection, kid: JWKIdentifier(string: entry.kid))
        }
        do {
            return try SigningKeySet(
                algorithm: loaded[0].key.algorithm,
                activeKid: loaded[0].kid,
                activeKids: loaded.reversed().reduce(into: [:]) { $0[$1.key.algorithm] = $1.kid },
                kids: Set(loaded.map(\.kid)),
                jwks: JWKS(keys: loaded.map { $0.key.publicJWK(kid: $0.kid) }),
                collection: collection,
                retiredKids: retiredKids.subtracting(loaded.map(\.kid)),
                retired: retired,
                activePem: loaded[0].key.pemRepresentation
            )
        } catch {
            throw SigningKeyError(field: "keys", reason: "cannot encode the JWKS")
        }
    }

    private static func generatedKey(_ algorithm: SigningAlgorithm, in keyStore: (any SigningKeyStore)?) async throws(SigningKeyError) -> LoadedKey {
        guard let keyStore else {
            guard let key = LoadedKey(generating: algorithm) else {
                throw SigningKeyError(field: "keys", reason: "cannot generate an \(algorithm.rawValue) key")
            }
            return key
        }
        let pem: String
        do {
            pem = try await keyStore.generatedSigningKey(algorithm: algorithm) { LoadedKey(generating: algorithm)?.pemRepresentation ?? "" }
        } catch let error as SigningKeyError {
            throw error
        } catch {
            throw SigningKeyError(field: "\(type(of: keyStore))", reason: "the generated signing key cannot be stored: \(error)")
        }
        if pem.hasPrefix(EncryptedSigningKeyStore.prefix) {
            throw SigningKeyError(
                field: "\(type(of: keyStore))",
                reason: "the stored signing key is encrypted: give its key with store.key_encryption_key_file or BACKCHANNEL_KEY_ENCRYPTION_KEY")
        }
        guard let key = LoadedKey(pem: pem, algorithm: algorithm) else {
            throw SigningKeyError(field: "\(type(of: keyStore))", reason: "the stored \(algorithm.rawValue) signing key is not a private key of that kind")
        }
        return key
    }
}

extension SigningKeySet {
    /// The `kid` a generated key gets (its RFC 7638 thumbprint), or `nil` when `pem` is not an `algorithm` key.
    static func generatedKid(ofPEM pem: String, algorithm: SigningAlgorithm) -> String? {
        LoadedKey(pem: pem, algorithm: algorithm)?.thumbprint
    }
}

/// One private key of a supported kind.
private enum LoadedKey {
    case ecdsa(ES256PrivateKey)
    case rsa(JWTKit.Insecure.RSA.PrivateKey)
    /// An RSA key that signs with PSS (PS256).
    case rsaPSS(JWTKit.Insecure.RSA.PrivateKey)

    init?(pem: String, algorithm: SigningAlgorithm) {
        switch algorithm {
        case .es256:
            guard let key = try? ES256PrivateKey(pem: pem) else { return nil }
            self = .ecdsa(key)
        case .rs256, .ps256:
            guard let key = try? JWTKit.Insecure.RSA.PrivateKey(pem: pem) else { return nil }
            self = algorithm == .ps256 ? .rsaPSS(key) : .rsa(key)
        }
    }

    /// A new key; RSA keys have 2048-bit moduli.
    init?(generating algorithm: SigningAlgorithm) {
        switch algorithm {
        case .es256: self = .ecdsa(ES256PrivateKey())
        case .rs256, .ps256:
            guard let backing = try? _RSA.Signing.PrivateKey(keySize: .bits2048), let key = try? JWTKit.Insecure.RSA.PrivateKey(backing: backing) else { return nil }
            self = algorithm == .ps256 ? .rsaPSS(key) : .rsa(key)
        }
    }

    var pemRepresentation: String {
        switch self {
        case .ecdsa(let key): key.pemRepresentation
        case .rsa(let key), .rsaPSS(let key): (try? key.pemRepresentation) ?? ""
        }
    }

    var algorithm: SigningAlgorithm {
        switch self {
        case .ecdsa: .es256
        case .rsa: .rs256
        case .rsaPSS: .ps256
        }
    }

    /// The public members RFC 7638 hashes, in its lexicographic order.
    private var thumbprintMembers: [(String, String)] {
        switch self {
        case .ecdsa(let key):
            let parameters = key.parameters
            return [("crv", "P-256"), ("kty", "EC"), ("x", parameters?.x ?? ""), ("y", parameters?.y ?? "")]
        case .rsa(let key), .rsaPSS(let key):
            let primitives = try? key.publicKey.getKeyPrimitives()
            return [
                ("e", Base64URL.encode(primitives?.publicExponent ?? Data())), ("kty", "RSA"),
                ("n", Base64URL.encode(primitives?.modulus ?? Data())),
            ]
        }
    }

    /// The RFC 7638 JWK thumbprint: a `kid` that is stable for the key and needs no bookkeeping.
    var thumbprint: String {
        let json = "{" + thumbprintMembers.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",") + "}"
        return Base64URL.encode(SHA256.hash(data: Data(json.utf8)))
    }

    func publicJWK(kid: String) -> JWK {
        let members = Dictionary(uniqueKeysWithValues: thumbprintMembers)
        switch self {
        case .ecdsa:
            return JWK.ecdsa(.es256, identifier: JWKIdentifier(string: kid), x: members["x"], y: members["y"], curve: .p256)
        case .rsa:
            return JWK.rsa(.rs256, identifier: JWKIdentifier(string: kid), modulus: members["n"], exponent: members["e"])
        case .rsaPSS:
            return JWK.rsa(.ps256, identifier: JWKIdentifier(string: kid), modulus: members["n"], exponent: members["e"])
        }
    }

    func add(to collection: JWTKeyCollection, kid: JWKIdentifier) async {
        switch self {
        case .ecdsa(let key): await collection.add(ecdsa: key, kid: kid)
        case .rsa(let key): await collection.add(rsa: key, digestAlgorithm: .sha256, kid: kid)
        case .rsaPSS(let key): await collection.add(pss: key, digestAlgorithm: .sha256, kid: kid)
        }
    }
}
