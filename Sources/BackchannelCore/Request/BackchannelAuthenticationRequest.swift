import Foundation

/// A validated backchannel authentication request, as the host hands it to an authenticator.
///
/// By the time a handler sees it, the host has authenticated the client, checked the scopes, the hint,
/// the binding message's policy and the expiry; the handler's job is only to reach the user.
public struct BackchannelAuthenticationRequest: Sendable, Hashable {
    /// The request's identity, as plugins see it.
    public var authReqId: AuthReqId
    /// The `client_id` of the client that started the request.
    public var clientId: String
    /// The client's human-readable name, when it registered one: what the user is shown.
    public var clientName: String?
    /// Who is to be authenticated.
    public var hint: BackchannelHint
    /// The requested scopes, in request order and without duplicates; always contains `openid`.
    public var scopes: [String]
    /// The `acr_values` the client asked for, in order of preference.
    public var acrValues: [String]
    /// A short text shown on both devices, so the user can tell this request apart (`binding_message`).
    public var bindingMessage: String?
    /// A secret the user set up beforehand, showing the client may contact them (`user_code`).
    public var userCode: String?
    /// The instant after which the request is void.
    public var expiresAt: Date
    /// Any further request parameters the host passed on.
    public var requestedContext: [String: JSONValue]
    /// What the user is asked to approve beyond the scopes (RFC 9396), validated against the configured types,
    /// each entry with its summary: show every ``AuthorizationDetail/summary`` (and the binding message)
    /// before the user decides. Empty when the client sent none. Added in 1.3.
    public var authorizationDetails: AuthorizationDetails = .none

    /// Creates a request with authorization details. Added in 1.3.
    public init(
        authReqId: AuthReqId,
        clientId: String,
        clientName: String? = nil,
        hint: BackchannelHint,
        scopes: [String],
        acrValues: [String] = [],
        bindingMessage: String? = nil,
        userCode: String? = nil,
        expiresAt: Date,
        requestedContext: [String: JSONValue] = [:],
        authorizationDetails: AuthorizationDetails
    ) {
        self.init(
            authReqId: authReqId, clientId: clientId, clientName: clientName, hint: hint, scopes: scopes, acrValues: acrValues,
            bindingMessage: bindingMessage, userCode: userCode, expiresAt: expiresAt, requestedContext: requestedContext)
        self.authorizationDetails = authorizationDetails
    }

    /// Creates a request.
    public init(
        authReqId: AuthReqId,
        clientId: String,
        clientName: String? = nil,
        hint: BackchannelHint,
        scopes: [String],
        acrValues: [String] = [],
        bindingMessage: String? = nil,
        userCode: String? = nil,
        expiresAt: Date,
        requestedContext: [String: JSONValue] = [:]
    ) {
        self.authReqId = authReqId
        self.clientId = clientId
        self.clientName = clientName
        self.hint = hint
        self.scopes = scopes
        self.acrValues = acrValues
        self.bindingMessage = bindingMessage
        self.userCode = userCode
        self.expiresAt = expiresAt
        self.requestedContext = requestedContext
    }
}
