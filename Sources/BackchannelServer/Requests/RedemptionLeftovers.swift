import BackchannelCore

/// What a redeemed request held besides its row, for a store to end in the redemption's own write
/// (``PendingRequestStore/redeem(authReqIdHash:clientId:now:ending:)``).
public struct RedemptionLeftovers: Sendable {
    /// Where the request is counted by the abuse limits (as a member under its hash); `nil` when it is not.
    public var limits: (any LimitStore)?
    /// The plugin-state store holding the authenticator's records of the request.
    public var records: (any PluginStateStore)?
    /// The namespaces of ``records`` with a record under the request's hash that ends with it
    /// (``RequestScopedRecords``); empty when the authenticator deletes its records itself.
    public var recordNamespaces: [String]

    /// Names what a redemption ends.
    public init(limits: (any LimitStore)?, records: (any PluginStateStore)?, recordNamespaces: [String]) {
        self.limits = limits
        self.records = records
        self.recordNamespaces = recordNamespaces
    }

    /// Nothing besides the row.
    public static let none = RedemptionLeftovers(limits: nil, records: nil, recordNamespaces: [])
}
