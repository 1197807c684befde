import BackchannelCore
import Foundation

/// A backchannel authentication request: every parameter of CIBA Core §7.1.
public struct AuthenticationRequest: Sendable, Hashable {
    /// Who to authenticate.
    public var hint: UserHint
    /// The scopes; `openid` is added when missing.
    public var scopes: [String]
    /// The text both devices show, so the user can tell this request apart.
    public var bindingMessage: String?
    /// A secret the user knows, when the provider requires one for this client.
    public var userCode: String?
    /// The lifetime the client asks for, in seconds.
    public var requestedExpiry: Int?
    /// The authentication context classes wanted, in order of preference.
    public var acrValues: [String]
    /// The bearer token the provider presents to this client's notification endpoint (ping and push);
    /// ``BackchannelClient/authenticate(_:delivery:progress:)`` makes a random one when this is `nil`.
    public var clientNotificationToken: String?
    /// What the user is asked to approve beyond the scopes (RFC 9396 `authorization_details`): a JSON array of
    /// objects, each with a `type` the provider supports and this client may request. Typed values become one
    /// with ``authorizationDetails(_:)``.
    public var authorizationDetails: JSONValue?
    /// Individual claims to ask for (OpenID Connect Core §5.5 `claims`): a JSON object with `id_token` and
    /// `userinfo` members.
    public var claims: JSONValue?

    /// Creates a request.
    public init(
        hint: UserHint,
        scopes: [String] = ["openid"],
        bindingMessage: String? = nil,
        userCode: String? = nil,
        requestedExpiry: Int? = nil,
        acrValues: [String] = [],
        clientNotificationToken: String? = nil,
        authorizationDetails: JSONValue? = nil,
        claims: JSONValue? = nil
    ) {
        self.claims = claims
        self.clientNotificationToken = clientNotificationToken
        self.authorizationDetails = authorizationDetails
        self.hint = hint
        self.scopes = scopes
        self.bindingMessage = bindingMessage
        self.userCode = userCode
        self.requestedExpiry = requestedExpiry
        self.acrValues = acrValues
    }

    var parameters: [(String, String)] {
        var scopes = scopes
        if !scopes.contains("openid") { scopes.insert("openid", at: 0) }
        var parameters: [(String, String)] = [("scope", scopes.joined(separator: " ")), hint.parameter]
        if let bindingMessage { parameters.append(("binding_message", bindingMessage)) }
        if let userCode { parameters.append(("user_code", userCode)) }
        if let requestedExpiry { parameters.append(("requested_expiry", String(requestedExpiry))) }
        if !acrValues.isEmpty { parameters.append(("acr_values", acrValues.joined(separator: " "))) }
        if let clientNotificationToken { parameters.append(("client_notification_token", clientNotificationToken)) }
        if let authorizationDetails { parameters.append(("authorization_details", AuthorizationDetails.canonicalJSON(of: authorizationDetails))) }
        if let claims { parameters.append(("claims", AuthorizationDetails.canonicalJSON(of: claims))) }
        return parameters
    }

    /// Typed authorization details (each an `Encodable` value whose encoding has the entry's `type`) as the JSON
    /// array ``authorizationDetails`` holds.
    /// - Throws: `EncodingError` when a value does not encode.
    public static func authorizationDetails<Detail: Encodable>(_ details: [Detail]) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(details))
    }
}
