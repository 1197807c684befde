import Synchronization

/// The engine a server runs now, replaced whole when its configuration is reloaded: each request takes
/// ``current`` once and uses that engine to the end, so it sees one configuration, old or new, never a mix.
/// Every long-lived user of the engine (routes, the expiry sweeper, notification delivery) holds the handle.
public final class EngineHandle: Sendable {
    private let engine: Mutex<BackchannelEngine>

    /// A handle on `engine`.
    public init(_ engine: BackchannelEngine) {
        self.engine = Mutex(engine)
    }

    /// The engine to use for the next request.
    public var current: BackchannelEngine {
        engine.withLock { $0 }
    }

    /// Makes `engine` the one later requests use; requests already running finish on the one they took.
    public func replace(with engine: BackchannelEngine) {
        self.engine.withLock { $0 = engine }
    }
}
