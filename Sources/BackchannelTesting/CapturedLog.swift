import Logging
import Synchronization

/// A log handler that keeps what is logged, for tests that read a plugin's or the engine's log:
/// `Logger(label: "test") { _ in captured }`.
public final class CapturedLog: LogHandler, Sendable {
    /// One logged event.
    public struct Entry: Sendable {
        /// Its level.
        public var level: Logger.Level
        /// Its message.
        public var message: String
        /// Its metadata, rendered as swift-log renders it.
        public var metadata: String
    }

    private let captured = Mutex<[Entry]>([])

    /// A handler that keeps every level.
    public init() {}

    /// What was logged so far, oldest first.
    public var entries: [Entry] { captured.withLock { $0 } }

    /// The messages logged so far, oldest first.
    public var messages: [String] { entries.map(\.message) }

    public var logLevel: Logger.Level {
        get { .trace }
        set {}
    }

    public var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    public func log(event: LogEvent) {
        let entry = Entry(level: event.level, message: event.message.description, metadata: "\(event.metadata ?? [:])")
        captured.withLock { $0.append(entry) }
    }
}
