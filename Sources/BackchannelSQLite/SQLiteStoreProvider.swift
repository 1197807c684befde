import BackchannelServer
import Foundation

/// `store.kind: sqlite`, the default: one SQLite file (`store.path`, or `backchannel.sqlite` in the data
/// directory), this process's alone.
public struct SQLiteStoreProvider: StoreProvider {
    public var kind: String { "sqlite" }
    public var isShared: Bool { false }

    /// Creates the provider.
    public init() {}

    public func open(_ opening: StoreOpening) async throws(StoreOpeningError) -> OpenedStore {
        guard let path = opening.path ?? opening.dataDirectory?.appendingPathComponent("backchannel.sqlite").path else {
            throw StoreOpeningError(field: "path", reason: "sqlite needs a path or a data directory")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? "it cannot be created"
            throw StoreOpeningError(
                field: "path",
                reason: "cannot create the data directory \(directory.path) (\(reason)); pass --data-dir (or store.path) with a directory this user can write")
        }
        do {
            let store = try SQLiteStore(path: path, expiredRequestRetention: opening.expiredRequestRetention, clock: opening.clock)
            // The file is this process's alone (an exclusive lock): its limits can live in its memory, and a
            // key-encryption key generated in the data directory (or beside the file) seals the signing key and the outbox.
            return OpenedStore(
                pendingRequests: store, pluginState: store, signingKeys: store, limits: InMemoryLimitStore(),
                privateDirectory: opening.dataDirectory ?? directory, users: store.users)
        } catch {
            throw StoreOpeningError(field: "path", reason: "cannot open \(path): \(error)")
        }
    }
}
