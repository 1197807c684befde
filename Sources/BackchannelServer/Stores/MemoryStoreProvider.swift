import BackchannelCore

/// `store.kind: memory`: everything in this process's memory, lost on exit; for tests and throw-away demos.
/// A generated signing key is still kept in the data directory, if there is one, so tokens outlive a restart.
public struct MemoryStoreProvider: StoreProvider {
    public var kind: String { "memory" }
    public var isShared: Bool { false }

    /// Creates the provider.
    public init() {}

    public func open(_ opening: StoreOpening) async throws(StoreOpeningError) -> OpenedStore {
        OpenedStore(
            pendingRequests: InMemoryPendingRequestStore(expiredRequestRetention: opening.expiredRequestRetention),
            pluginState: InMemoryPluginStateStore(clock: opening.clock),
            signingKeys: opening.dataDirectory.map { FileSigningKeyStore(directory: $0) },
            limits: InMemoryLimitStore(), users: InMemoryUserStore())
    }
}
