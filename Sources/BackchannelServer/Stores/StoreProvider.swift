/// A kind of store a host can open: memory (``MemoryStoreProvider``), SQLite and PostgreSQL (each in its own
/// module), or an integrator's own.
///
/// A host registers the providers it links and opens the one its configuration names, so a host that
/// registers only PostgreSQL never links SQLite's library, and the reverse.
public protocol StoreProvider: Sendable {
    /// The name the configuration uses for this kind (`store.kind`): `memory`, `sqlite`, `postgres`.
    var kind: String { get }
    /// Whether several server processes share the store. What a shared store keeps of secrets (a generated
    /// signing key) is readable by every node and by whoever holds a copy of the database, so a host refuses
    /// to keep a generated signing key in one without a key-encryption key, unless told otherwise.
    var isShared: Bool { get }
    /// Opens (or creates) the store.
    /// - Throws: ``StoreOpeningError`` naming the setting to fix.
    func open(_ opening: StoreOpening) async throws(StoreOpeningError) -> OpenedStore
}
