import BackchannelCore
import BackchannelServer
import Foundation
import Logging
import Synchronization

/// Re-reads the configuration file (on SIGHUP or an admin call) and swaps in its clients, users and policy
/// for new requests, atomically: requests already running finish on the engine they took, pending
/// requests carry on (the store is the same). An invalid file is refused with the same field-path error as at
/// start-up, and the running configuration stays.
///
/// Authenticators, listeners, the store, the keys and the audit settings were made once at start-up: a
/// changed section among them is named in the log as needing a restart, and otherwise left as it runs.
public final class ConfigurationReloader: Sendable {
    /// The sections a reload cannot change.
    static let restartSections = ["server", "store", "keys", "authenticators", "audit", "directory", "observability"]
    /// The policy fields read once by long-lived parts (the store's retention, the notification service).
    static let restartPolicyFields = [
        "expired_request_retention", "notification_max_in_flight_per_endpoint", "notification_attempt_timeout",
    ]

    let engines: EngineHandle
    /// What the engine reads users through (the same after a reload).
    let directory: any UserDirectory
    /// The file's `users:`, replaced by a reload.
    let staticUsers: ReloadableUserDirectory
    /// The configuration the server started with: what the sections a reload cannot change still run on.
    private let started: BackchanneldConfiguration
    /// The file's tree as last applied (at start-up, or by a reload).
    private let applied: Mutex<JSONValue?>
    private let reloading = Mutex(false)
    private let logger: Logger

    init(engines: EngineHandle, directory: any UserDirectory, staticUsers: ReloadableUserDirectory, configuration: BackchanneldConfiguration, logger: Logger) {
        self.engines = engines
        self.directory = directory
        self.staticUsers = staticUsers
        self.started = configuration
        self.applied = Mutex(configuration.source)
        self.logger = logger
    }

    /// The configuration file's tree as it was last applied, at start-up or by a reload (sections that need a
    /// restart excepted: those run as they started); `nil` on the embedded defaults.
    public var configurationInForce: JSONValue? {
        applied.withLock { $0 }
    }

    /// Reloads from the file at `path`.
    public func reload(path: String) -> ReloadOutcome {
        // One reload at a time: two racing ones could otherwise swap users and engine out of step.
        guard reloading.withLock({ busy in defer { busy = true }; return !busy }) else {
            return ReloadOutcome(applied: false, error: "another reload is in progress", restartNeeded: [])
        }
        defer { reloading.withLock { $0 = false } }
        let outcome = apply(path: path)
        if outcome.applied {
            logger.notice(
                "configuration reloaded: clients, users and policy apply to new requests",
                metadata: outcome.restartNeeded.isEmpty ? [:] : ["restart_needed": "\(outcome.restartNeeded.joined(separator: ", "))"])
            if !outcome.restartNeeded.isEmpty {
                logger.warning("changed sections that take effect only after a restart", metadata: ["sections": "\(outcome.restartNeeded.joined(separator: ", "))"])
            }
        } else {
            logger.error("configuration reload refused; the running configuration stays", metadata: ["error": "\(outcome.error ?? "")"])
        }
        return outcome
    }

    private func apply(path: String) -> ReloadOutcome {
        let next: BackchanneldConfiguration
        do {
            next = try ConfigurationLoader.load(path: path)
        } catch {
            return ReloadOutcome(applied: false, error: "\(path): \(error)", restartNeeded: [])
        }
        for (index, user) in next.users.enumerated() {
            if let hash = user.userCodeHash, UserCodeHash(hash) == nil {
                return ReloadOutcome(
                    applied: false, error: "\(path): users[\(index)].user_code_hash: not a hash made by backchanneld --hash-user-code", restartNeeded: [])
            }
        }
        let engine: BackchannelEngine
        do {
            // The users the new engine will see are swapped in only once it exists: a refused file changes nothing.
            engine = try engines.current.reconfigured(policy: next.policy, clients: next.clients, userDirectory: directory)
        } catch {
            return ReloadOutcome(applied: false, error: "\(path): \(error)", restartNeeded: [])
        }
        staticUsers.replace(with: next.users)
        engines.replace(with: engine)
        applied.withLock { $0 = next.source }
        // Against what runs, not the previous file: a section changed and changed back needs no restart, and
        // one changed in an earlier reload still does.
        return ReloadOutcome(applied: true, error: nil, restartNeeded: Self.restartNeeded(from: started.source, to: next.source))
    }

    /// The sections (and policy fields) that differ between two files but cannot change while running.
    static func restartNeeded(from old: JSONValue?, to new: JSONValue?) -> [String] {
        var changed = restartSections.filter { old?.member($0) != new?.member($0) }
        changed += restartPolicyFields.filter { old?.member("policy")?.member($0) != new?.member("policy")?.member($0) }.map { "policy.\($0)" }
        return changed
    }
}

extension JSONValue {
    /// The member `name` of an object; `nil` for anything else.
    fileprivate func member(_ name: String) -> JSONValue? {
        if case .object(let members) = self { members[name] } else { nil }
    }
}
