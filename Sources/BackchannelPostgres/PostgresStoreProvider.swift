import BackchannelServer

/// `store.kind: postgres`: one database (`store.url`) shared by every `backchanneld` process that serves the
/// same issuer; limits and replay protection are counted in it, so every node sees the same.
public struct PostgresStoreProvider: StoreProvider {
    public var kind: String { "postgres" }
    public var isShared: Bool { true }

    /// Creates the provider.
    public init() {}

    public func open(_ opening: StoreOpening) async throws(StoreOpeningError) -> OpenedStore {
        do {
            let store = try await PostgresStore.connect(
                url: opening.url ?? "", connections: opening.connections ?? 20, expiredRequestRetention: opening.expiredRequestRetention,
                clock: opening.clock, logger: opening.logger)
            return OpenedStore(pendingRequests: store, pluginState: store, signingKeys: store, limits: store.limits, services: [store], users: store.users)
        } catch let error as PostgresStoreError {
            throw StoreOpeningError(field: "url", reason: "\(error)")
        } catch {
            throw StoreOpeningError(field: "url", reason: "cannot connect: \(error)")
        }
    }
}
