import BackchannelCore

/// Where the engine keeps its state. Each is required: whether a deployment of several nodes is correct depends
/// on them (a limit store in one node's memory gives each node limits of its own; a replay store in one node's
/// memory accepts a `jti` once per node), so none is defaulted.
public struct EngineStores: Sendable {
    /// The pending requests, their tokens and the ping/push outbox.
    public var requests: any PendingRequestStore
    /// Where the abuse limits count: the shared store when several nodes serve, so that they count together;
    /// an ``InMemoryLimitStore`` for one process.
    public var limits: any LimitStore
    /// Where spent client assertions and signed requests (`jti`), refresh tokens and revocations are kept: the
    /// shared plugin-state store, so that every node sees them. It must be the store lent to the authenticators
    /// (``BackchannelHostServices/stateStore``): a redemption deletes a ``RequestScopedRecords`` handler's
    /// records of the request from it.
    public var replay: any PluginStateStore

    /// Names the engine's stores.
    public init(requests: any PendingRequestStore, limits: any LimitStore, replay: any PluginStateStore) {
        self.requests = requests
        self.limits = limits
        self.replay = replay
    }
}
