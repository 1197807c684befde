import BackchannelCore
import Foundation
import Metrics

/// A directory plugin as the server uses it: each lookup counted and timed under the directory's name on `/metrics`
/// (`backchannel_directory_lookups_total{directory, result}` with result `found`, `not_found`, `cached` or
/// `error`; `backchannel_directory_lookup_duration_seconds{directory}` for lookups that reached it), and,
/// when the directory is remote, answered from a ``DirectoryCache`` where it can.
///
/// Readiness and closing at shutdown pass through to the directory.
public final class MeteredUserDirectory: UserDirectory, ReadinessReporting, ClosingAtShutdown {
    /// The directory measured.
    public let inner: any UserDirectory
    private let cache: DirectoryCache?
    private let clock: any BackchannelClock
    private let found: Counter
    private let notFound: Counter
    private let cached: Counter
    private let failed: Counter
    private let duration: Metrics.Timer

    /// Measures `inner` under `name`, caching its answers when `cache` is given.
    /// - Parameters:
    ///   - cache: Users found are kept for `ttl` seconds, misses for `negativeTTL`, at most `capacity` answers.
    public init(_ inner: any UserDirectory, name: String, cache: (ttl: TimeInterval, negativeTTL: TimeInterval, capacity: Int)?, clock: any BackchannelClock) {
        self.inner = inner
        self.cache = cache.map { DirectoryCache(.init(ttl: $0.ttl, negativeTTL: $0.negativeTTL, capacity: $0.capacity)) }
        self.clock = clock
        let label = "backchannel_directory_lookups_total"
        found = Counter(label: label, dimensions: [("directory", name), ("result", "found")])
        notFound = Counter(label: label, dimensions: [("directory", name), ("result", "not_found")])
        cached = Counter(label: label, dimensions: [("directory", name), ("result", "cached")])
        failed = Counter(label: label, dimensions: [("directory", name), ("result", "error")])
        duration = Metrics.Timer(label: "backchannel_directory_lookup_duration_seconds", dimensions: [("directory", name)], preferredDisplayUnit: .seconds)
    }

    public func user(subject: String) async throws -> DirectoryUser? {
        try await lookup("s:" + subject) { try await self.inner.user(subject: subject) }
    }

    public func user(loginHint: String) async throws -> DirectoryUser? {
        try await lookup("h:" + loginHint) { try await self.inner.user(loginHint: loginHint) }
    }

    private func lookup(_ key: String, _ ask: () async throws -> DirectoryUser?) async throws -> DirectoryUser? {
        if let cache, let answer = cache.answer(for: key, now: clock.now) {
            cached.increment()
            return answer
        }
        let started = ContinuousClock.now
        let user: DirectoryUser?
        do {
            user = try await ask()
        } catch {
            failed.increment()
            throw error
        }
        duration.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        (user == nil ? notFound : found).increment()
        cache?.keep(user, for: key, now: clock.now)
        return user
    }

    public func readiness() async -> PluginReadiness {
        await (inner as? any ReadinessReporting)?.readiness() ?? .ready
    }

    public func close() async {
        await (inner as? any ClosingAtShutdown)?.close()
    }
}
