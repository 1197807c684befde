import BackchannelCore
import Foundation

/// The individual claims a client asked for with the `claims` request parameter (OpenID Connect Core
/// §5.5): those to put in the ID token, and those to release from the UserInfo endpoint beyond what
/// the scopes ask for.
///
/// Only the standard claims this server can release are kept; others are ignored, as §5.5 allows.
/// `essential`, `value` and `values` are accepted and not enforced: a claim is released when the user
/// directory holds it.
public struct RequestedClaims: Sendable, Hashable {
    /// Claims for the ID token.
    public var idToken: Set<String>
    /// Claims for the UserInfo response.
    public var userinfo: Set<String>

    /// No claims requested.
    public static let none = RequestedClaims(idToken: [], userinfo: [])

    /// Creates a request for these claims.
    public init(idToken: Set<String>, userinfo: Set<String>) {
        self.idToken = idToken
        self.userinfo = userinfo
    }

    /// Reads the `claims` parameter: a JSON object whose `id_token` and `userinfo` members map claim
    /// names to `null` or an object.
    /// - Throws: `invalid_request` for anything else, or a parameter over 4 KiB.
    static func parse(_ parameter: String) throws(OAuthError) -> RequestedClaims {
        guard parameter.utf8.count <= InputLimits.maxClaimsBytes else {
            throw .invalidRequest("the claims parameter is too large")
        }
        guard let document = try? JSONDecoder().decode([String: JSONValue].self, from: Data(parameter.utf8)) else {
            throw .invalidRequest("the claims parameter must be a JSON object")
        }
        return RequestedClaims(idToken: try names(document["id_token"]), userinfo: try names(document["userinfo"]))
    }

    private static func names(_ member: JSONValue?) throws(OAuthError) -> Set<String> {
        guard let member else { return [] }
        guard case .object(let requests) = member else {
            throw .invalidRequest("the claims parameter's id_token and userinfo members must be JSON objects")
        }
        var names: Set<String> = []
        for (name, request) in requests {
            switch request {
            case .null, .object: if StandardClaims.all.contains(name) { names.insert(name) }
            default: throw .invalidRequest("each requested claim must be null or a JSON object")
            }
        }
        return names
    }

    /// Only the claims that a scope in `scopes` carries (OpenID Connect Core §5.4): a client cannot ask
    /// claim by claim for what its registration does not let it ask for by scope; the OP declines the
    /// rest, as §5.5 allows.
    func limited(to scopes: Set<String>) -> RequestedClaims {
        let released = StandardClaims.claims(forScopes: Array(scopes))
        return RequestedClaims(idToken: idToken.intersection(released), userinfo: userinfo.intersection(released))
    }

    /// The form stores keep in one text column: `id_token` names, `|`, `userinfo` names, each list
    /// sorted and comma-separated; empty for ``none``. Standard claim names hold neither separator.
    public var storedForm: String {
        self == .none ? "" : idToken.sorted().joined(separator: ",") + "|" + userinfo.sorted().joined(separator: ",")
    }

    /// Reads ``storedForm``; names this server does not release are dropped.
    public init(storedForm: String) {
        let parts = storedForm.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        func names(_ index: Int) -> Set<String> {
            guard index < parts.count else { return [] }
            return Set(parts[index].split(separator: ",").map(String.init).filter(StandardClaims.all.contains))
        }
        self.init(idToken: names(0), userinfo: names(1))
    }
}
