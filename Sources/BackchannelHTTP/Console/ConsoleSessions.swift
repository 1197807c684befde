import BackchannelCore
import Crypto
import Foundation
import Synchronization

/// The operator console's sessions on this node: an operator who presented the admin token gets a random
/// session id (its cookie) and a CSRF token for its forms, both good until an absolute expiry.
///
/// Kept in memory: a restart signs everyone out. At most `capacity` sessions; past it the one expiring
/// first goes, so a flood of sign-ins (each needing the admin token) costs bounded memory.
public final class ConsoleSessions: Sendable {
    /// One signed-in operator.
    public struct Session: Sendable, Equatable {
        /// What the console's forms carry and the server checks (a synchronizer token).
        public var csrfToken: String
        /// When the session ends, whatever happens meanwhile.
        public var expiresAt: Date
    }

    private let sessions = Mutex<[String: Session]>([:])
    private let clock: any BackchannelClock
    private let random: any RandomSource
    /// How long a session lasts.
    public let lifetime: TimeInterval
    private let capacity: Int

    /// Sessions lasting `lifetime` seconds on `clock`.
    public init(lifetime: TimeInterval = 900, clock: any BackchannelClock = SystemClock(), random: any RandomSource = SystemRandomSource(), capacity: Int = 256) {
        self.lifetime = lifetime
        self.clock = clock
        self.random = random
        self.capacity = capacity
    }

    /// Starts a session. - Returns: its id (the cookie's value) and the session.
    func start() -> (id: String, session: Session) {
        let id = Base64URL.encode(random.bytes(count: 32))
        let session = Session(csrfToken: Base64URL.encode(random.bytes(count: 32)), expiresAt: clock.now.addingTimeInterval(lifetime))
        let now = clock.now
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value.expiresAt > now }
            if sessions.count >= capacity, let first = sessions.min(by: { $0.value.expiresAt < $1.value.expiresAt }) {
                sessions[first.key] = nil
            }
            sessions[id] = session
        }
        return (id, session)
    }

    /// The live session of `id`, if there is one; an expired one is removed.
    func session(_ id: String?) -> Session? {
        guard let id, id.utf8.count <= 64 else { return nil }
        let now = clock.now
        return sessions.withLock { sessions in
            guard let session = sessions[id] else { return nil }
            guard session.expiresAt > now else {
                sessions[id] = nil
                return nil
            }
            return session
        }
    }

    /// Ends the session of `id`.
    func end(_ id: String?) {
        guard let id else { return }
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// Whether `presented` is the session's CSRF token (compared in constant time).
    static func csrfMatches(_ presented: String?, _ session: Session) -> Bool {
        guard let presented else { return false }
        return ConstantTime.equals(presented, session.csrfToken)
    }
}
