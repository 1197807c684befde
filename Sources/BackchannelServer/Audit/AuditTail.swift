import DequeModule
import Foundation
import Synchronization

/// The latest audit events of this node, newest last, for the operator console: what the audit trail
/// wrote to the log (the same fields: hashed subjects, request labels, never a secret), at most `capacity`.
public final class AuditTail: Sendable {
    /// One event as it was logged.
    public struct Entry: Sendable {
        /// When it was logged.
        public var time: Date
        /// `info`, `warning`, …
        public var level: String
        /// The log line's message.
        public var message: String
        /// Its fields, by name.
        public var fields: [(name: String, value: String)]

        /// An event logged at `time`.
        public init(time: Date, level: String, message: String, fields: [(name: String, value: String)]) {
            (self.time, self.level, self.message, self.fields) = (time, level, message, fields)
        }
    }

    private let entries = Mutex(Deque<Entry>())
    private let capacity: Int

    /// A tail keeping the last `capacity` events.
    public init(capacity: Int = 200) {
        self.capacity = capacity
    }

    /// Keeps `entry`, dropping the oldest past the capacity.
    public func append(_ entry: Entry) {
        entries.withLock { entries in
            entries.append(entry)
            if entries.count > capacity { entries.removeFirst() }
        }
    }

    /// The last `limit` events, newest first.
    public func recent(limit: Int = 100) -> [Entry] {
        entries.withLock { Array($0.suffix(limit).reversed()) }
    }
}
