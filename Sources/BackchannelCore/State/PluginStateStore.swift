import Foundation

/// Durable, shared storage the host lends plugins, so their state survives a restart and is seen by
/// every server process of one deployment (a page served by one node answers a request another node
/// started).
///
/// Records live in a plugin's own namespace, under a key, optionally in a group (to list, say, one
/// user's pending notifications), and expire: the host purges a record once its expiry has passed.
/// Updates are compare-and-set, so a conclusion is recorded exactly once however many nodes race.
public protocol PluginStateStore: Sendable {
    /// Stores a new record. - Returns: `false` when the key is already taken.
    func insert(_ record: PluginStateRecord) async throws -> Bool

    /// The record under `key`, unless it has expired.
    func record(namespace: String, key: String) async throws -> PluginStateRecord?

    /// The unexpired records of a group, oldest first.
    func records(namespace: String, group: String) async throws -> [PluginStateRecord]

    /// Replaces a record's value if it still equals `expected`.
    /// - Returns: `false` when the record is gone or was changed by someone else.
    func replace(namespace: String, key: String, expected: Data, with value: Data, group: String?) async throws -> Bool

    /// Deletes a record; a no-op when it is absent.
    func delete(namespace: String, key: String) async throws

    /// Deletes every record whose expiry is at or before `now`. - Returns: how many were deleted.
    func purgeExpired(now: Date) async throws -> Int

    /// Deletes the records under `keys` at once (SQL stores: one statement); absent ones are skipped.
    func delete(namespace: String, keys: [String]) async throws
}
