import BackchannelCore
import BackchannelServer
import Foundation
import Logging

extension ServerAssembly {
    /// The provider of the configured kind of store: `store.kind`, or by default SQLite in the data
    /// directory, memory when there is none.
    static func storeProvider(
        _ configuration: BackchanneldConfiguration, components: HostComponents, dataDirectory: URL?
    ) throws(Failure) -> any StoreProvider {
        let settings = configuration.store
        let kind = settings.kind ?? (dataDirectory == nil && settings.path == nil ? .memory : .sqlite)
        guard let provider = components.stores[kind.rawValue] else {
            let linked = components.stores.keys.sorted().joined(separator: ", ")
            throw .store(
                "kind: \(kind.rawValue)\(settings.kind == nil ? " (the default)" : "") is not linked into this server; it can open \(linked)")
        }
        return provider
    }

    /// Opens the store `provider` makes, with the configuration's `store:` settings.
    static func openStore(
        _ provider: any StoreProvider, _ configuration: BackchanneldConfiguration, dataDirectory: URL?, clock: any BackchannelClock, logger: Logger
    ) async throws(Failure) -> OpenedStore {
        let settings = configuration.store
        let opening = StoreOpening(
            path: settings.path, url: settings.url, connections: settings.connections, dataDirectory: dataDirectory,
            expiredRequestRetention: TimeInterval(configuration.policy.expiredRequestRetention), clock: clock, logger: logger)
        do {
            return try await provider.open(opening)
        } catch {
            throw .store("\(error)")
        }
    }
}
