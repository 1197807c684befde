import BackchannelCore
import Foundation
import Logging

/// What a host hands a ``StoreProvider`` to open its store: the configuration's `store:` settings that apply
/// to the kind, and the host's data directory, clock and logger.
public struct StoreOpening: Sendable {
    /// `store.path`: a file for a store kept in one (SQLite); `nil` for the data directory's default.
    public var path: String?
    /// `store.url`: the server of a store reached over the network (PostgreSQL).
    public var url: String?
    /// `store.connections`: how many connections this process keeps open to a networked store.
    public var connections: Int?
    /// Where this process keeps its files (`--data-dir`); `nil` when it keeps none.
    public var dataDirectory: URL?
    /// How long a concluded or expired request stays readable (a late poll still gets `expired_token`).
    public var expiredRequestRetention: TimeInterval
    /// The engine's clock.
    public var clock: any BackchannelClock
    /// The host's logger.
    public var logger: Logger

    /// Creates the settings for opening a store.
    public init(
        path: String? = nil, url: String? = nil, connections: Int? = nil, dataDirectory: URL?, expiredRequestRetention: TimeInterval,
        clock: any BackchannelClock, logger: Logger
    ) {
        self.path = path
        self.url = url
        self.connections = connections
        self.dataDirectory = dataDirectory
        self.expiredRequestRetention = expiredRequestRetention
        self.clock = clock
        self.logger = logger
    }
}
