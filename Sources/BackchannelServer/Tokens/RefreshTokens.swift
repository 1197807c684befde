import BackchannelCore
import Crypto
import Foundation

/// Refresh tokens (RFC 6749 §6) with rotation and reuse detection (OAuth 2.0 Security BCP, RFC 9700
/// §4.14.2): every use returns a new token and spends the old one; a spent token presented again means one
/// of the two holders is an attacker, so the whole family (every token descended from one authentication)
/// is revoked.
///
/// Kept in the shared plugin-state store, so every node sees a rotation at once: a token only as the hash of
/// its value (the record's key), its family as a record that exists while the family is alive.
struct RefreshTokens: Sendable {
    static let tokenNamespace = "backchannel.refresh_token"
    static let familyNamespace = "backchannel.refresh_family"

    let store: any PluginStateStore
    let random: any RandomSource
    /// `refresh_token_lifetime`: how long one token stays usable.
    let lifetime: TimeInterval
    /// `refresh_token_max_lifetime`: how long a family lives from the authentication that began it.
    let maxLifetime: TimeInterval

    /// The authentication a family descends from: what its tokens grant.
    struct Authentication: Codable, Sendable, Hashable {
        var clientId: String
        var subject: String
        var scopes: [String]
        var authTime: Date
        var acr: String?
        var amr: [String]
        var userinfoClaims: [String]
        /// The `authorization_details` the user approved, which every access token of the family carries unless
        /// the client narrows it; absent in records written before they existed.
        var authorizationDetails: JSONValue? = nil
    }

    /// What a refresh token grants: its family's authentication. A rotation keeps it whole (RFC 6749 §6:
    /// the new token's scope is the old one's, whatever the access token was narrowed to).
    struct Grant: Codable, Sendable, Hashable {
        var family: String
        var familyExpiresAt: Date
        var authentication: Authentication
    }

    /// A token's record: its grant and whether it was spent.
    private struct Stored: Codable {
        var grant: Grant
        var spent: Bool
    }

    /// What redeeming a token found.
    enum Redemption: Sendable, Equatable {
        case grant(Grant)
        /// Unknown, expired, another client's or of a revoked family.
        case invalid
        /// Scopes beyond the grant's were asked for: nothing was spent.
        case scopeExceeded
        /// Authorization details the grant does not hold were asked for: nothing was spent.
        case authorizationDetailsExceeded
        /// A spent token presented again: the family (of this authentication) has been revoked.
        case reused(Authentication)
    }

    /// Begins a family for a new authentication and returns its first token and the family's id, which the
    /// access tokens of the family carry so that they end with it.
    func begin(_ authentication: Authentication, now: Date) async throws -> (token: String, family: String) {
        let family = Base64URL.encode(random.bytes(count: 16))
        let expiresAt = now.addingTimeInterval(maxLifetime)
        let familyRecord = PluginStateRecord(
            namespace: Self.familyNamespace, key: family, value: Data(authentication.clientId.utf8), createdAt: now, expiresAt: expiresAt)
        guard try await store.insert(familyRecord) else { throw RefreshTokenError.collision }
        return (try await issue(Grant(family: family, familyExpiresAt: expiresAt, authentication: authentication), now: now), family)
    }

    /// A new token of the grant's family (the next one after a rotation).
    func issue(_ grant: Grant, now: Date) async throws -> String {
        let token = Base64URL.encode(random.bytes(count: 32))
        let expiresAt = min(now.addingTimeInterval(lifetime), grant.familyExpiresAt)
        let record = PluginStateRecord(
            namespace: Self.tokenNamespace, key: Self.hash(token), group: grant.family,
            value: try JSONEncoder().encode(Stored(grant: grant, spent: false)), createdAt: now, expiresAt: expiresAt)
        guard try await store.insert(record) else { throw RefreshTokenError.collision }
        return token
    }

    /// Spends `token` for `clientId`: its grant once, `.reused` (and the family revoked) for a token spent before.
    /// - Parameters:
    ///   - scopes: The scopes asked for, which must be among the grant's; checked before anything is spent.
    ///   - authorizationDetails: The entries asked for, each one of the grant's; checked before anything is spent.
    func redeem(
        _ token: String, clientId: String, scopes: [String]?, authorizationDetails: [[String: JSONValue]]? = nil
    ) async throws -> Redemption {
        guard token.utf8.count <= 512, let record = try await store.record(namespace: Self.tokenNamespace, key: Self.hash(token)),
            let stored = try? JSONDecoder().decode(Stored.self, from: record.value)
        else { return .invalid }
        // A token of another client is not this client's to spend, nor to burn (RFC 6749 §6).
        guard stored.grant.authentication.clientId == clientId else { return .invalid }
        guard try await isAlive(family: stored.grant.family) else { return .invalid }
        // Reuse first: a spent token probed with a scope beyond the grant is still a reuse.
        if stored.spent {
            try await revokeFamily(stored.grant.family)
            return .reused(stored.grant.authentication)
        }
        if let scopes, !Set(scopes).isSubset(of: stored.grant.authentication.scopes) { return .scopeExceeded }
        if let authorizationDetails, Self.narrowed(stored.grant.authentication.authorizationDetails, to: authorizationDetails) == nil {
            return .authorizationDetailsExceeded
        }
        var spent = stored
        spent.spent = true
        // Compare-and-set: of two nodes racing with the same token, one spends it and the other sees a reuse.
        guard try await store.replace(
            namespace: Self.tokenNamespace, key: record.key, expected: record.value, with: try JSONEncoder().encode(spent), group: record.group)
        else {
            try await revokeFamily(stored.grant.family)
            return .reused(stored.grant.authentication)
        }
        return .grant(stored.grant)
    }

    /// The authorization details a refreshed access token carries (RFC 9396 §6): the grant's, or the entries of
    /// them `requested` names, each exactly as granted; `nil` when one was never granted.
    static func narrowed(_ granted: JSONValue?, to requested: [[String: JSONValue]]?) -> JSONValue? {
        guard let requested else { return granted }
        guard case .array(let entries)? = granted else { return nil }
        let grantedForms = Set(entries.map(AuthorizationDetails.canonicalJSON(of:)))
        var kept: [JSONValue] = []
        for entry in requested {
            guard grantedForms.contains(AuthorizationDetails.canonicalJSON(of: .object(entry))) else { return nil }
            if !kept.contains(.object(entry)) { kept.append(.object(entry)) }
        }
        return .array(kept)
    }

    /// Revokes the family of `token` when it is `clientId`'s (RFC 7009 §2.1: revoking a refresh token ends
    /// its grant). - Returns: whether it was a refresh token of that client.
    func revoke(_ token: String, clientId: String) async throws -> Bool {
        guard token.utf8.count <= 512, let record = try await store.record(namespace: Self.tokenNamespace, key: Self.hash(token)),
            let stored = try? JSONDecoder().decode(Stored.self, from: record.value), stored.grant.authentication.clientId == clientId
        else { return false }
        try await revokeFamily(stored.grant.family)
        return true
    }

    /// Whether `family` is alive: neither revoked nor past its maximum lifetime. Its access tokens are valid
    /// only while it is (RFC 9700 §4.14.2: a revoked grant takes its access tokens with it).
    func isAlive(family: String) async throws -> Bool {
        try await store.record(namespace: Self.familyNamespace, key: family) != nil
    }

    /// Ends a family: its tokens, refresh and access, are refused from now on (refresh tokens stay stored,
    /// spent or not, until they expire).
    func revokeFamily(_ family: String) async throws {
        try await store.delete(namespace: Self.familyNamespace, key: family)
    }

    private static func hash(_ token: String) -> String {
        Hex.encode(Array(SHA256.hash(data: Data(token.utf8))))
    }
}

/// A refresh token could not be stored.
enum RefreshTokenError: Error {
    /// A random value collided with one already stored (never in practice; refused rather than overwritten).
    case collision
}
