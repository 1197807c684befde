import BackchannelCore
import Crypto
import Foundation
import JWTKit
import Logging

/// What `private_key_jwt` assertions and signed authentication requests share: a JWT signed with one of
/// the client's registered keys, and a `jti` that may be used once.
enum ClientSignedJWT {
    /// Longer tokens are refused before any parsing.
    static let maxLength = 16 * 1024

    /// The claims of `token` if it is signed, in one of `algorithms`, by the client's key its header's
    /// `kid` names (whose own `alg`, if any, must be the header's); else why not. jwt-kit falls back to a
    /// default key for an unknown kid, so the kid is looked up here first.
    static func verify(
        _ token: String, keys: ClientAssertionKeys, algorithms: Set<String>, clientId: String, logger: Logger
    ) async -> Result<JSONClaims, ClientRefusalLog.Reason> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= maxLength, parts.count == 3, let headerData = Base64URL.decode(parts[0]),
            let header = try? JSONDecoder().decode([String: JSONValue].self, from: headerData),
            let algorithm = header["alg"]?.stringValue, let kid = header["kid"]?.stringValue
        else { return .failure(.malformedJWT) }
        guard algorithms.contains(algorithm) else { return .failure(.algorithmNotAllowed) }
        let found: (ClientAssertionKeys.KeySet, String?)?
        do {
            found = try await keys.lookup(kid)
        } catch {
            logger.error("a client's keys could not be loaded", metadata: ["client_id": "\(clientId)", "error": "\(error)"])
            return .failure(.keysUnavailable)
        }
        guard let (keySet, keyAlgorithm) = found else { return .failure(.unknownKid) }
        guard keyAlgorithm.map({ $0 == algorithm }) ?? true else { return .failure(.algorithmNotAllowed) }
        guard let claims = try? await keySet.collection.verify(token, as: JSONClaims.self) else { return .failure(.badSignature) }
        return .success(claims)
    }

    /// Spends the client's `jti` until `until`, on every node sharing `replay`.
    /// - Returns: whether this was its first use.
    /// - Throws: `server_error` when the store fails.
    static func spend(
        jti: String, clientId: String, namespace: String, replay: any PluginStateStore, now: Double, until: Double
    ) async throws(OAuthError) -> Bool {
        let key = Hex.encode(Array(SHA256.hash(data: Data((clientId + "\n" + jti).utf8))))
        let spent = PluginStateRecord(
            namespace: namespace, key: key, value: Data(), createdAt: Date(timeIntervalSince1970: now), expiresAt: Date(timeIntervalSince1970: until))
        do {
            return try await replay.insert(spent)
        } catch {
            throw .serverError("the server could not complete the request")
        }
    }
}
