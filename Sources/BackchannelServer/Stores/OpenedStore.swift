import BackchannelCore
import Foundation
import ServiceLifecycle

/// A store a ``StoreProvider`` opened: the stores the engine and the plugins need, and its own long-lived work.
public struct OpenedStore: Sendable {
    /// Pending requests, tokens, the outbox and the audit trail of conclusions.
    public var pendingRequests: any PendingRequestStore
    /// The plugins' records; also where the engine keeps what must be spent once (`jti`s, refresh tokens).
    public var pluginState: any PluginStateStore
    /// Where a generated signing key is kept; `nil` when it is not kept at all (a throw-away key).
    public var signingKeys: (any SigningKeyStore)?
    /// Rate limits and budgets: in this process's memory when the store is this process's alone, in the
    /// store when processes share it (every node must see the same counts).
    public var limits: any LimitStore
    /// The store's own services, run before the server and shut down after it (a connection pool).
    public var services: [any Service]
    /// A directory only this process uses, where the host may generate a key-encryption key to seal what the
    /// store keeps of secrets; `nil` for a shared store (a generated key there would be the node's alone).
    public var privateDirectory: URL?
    /// The users of the `store` directory, kept in this store; `nil` when it keeps none.
    public var users: (any UserStore)?

    /// Describes an opened store.
    public init(
        pendingRequests: any PendingRequestStore, pluginState: any PluginStateStore, signingKeys: (any SigningKeyStore)?,
        limits: any LimitStore, services: [any Service] = [], privateDirectory: URL? = nil, users: (any UserStore)? = nil
    ) {
        self.users = users
        self.pendingRequests = pendingRequests
        self.pluginState = pluginState
        self.signingKeys = signingKeys
        self.limits = limits
        self.services = services
        self.privateDirectory = privateDirectory
    }
}
