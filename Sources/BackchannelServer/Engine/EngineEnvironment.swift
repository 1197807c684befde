import BackchannelCore
import Logging
import Tracing

/// What the engine runs on: time, randomness, the network it reaches out to, and where it reports.
public struct EngineEnvironment: Sendable {
    /// The clock; tests pass a virtual one.
    public var clock: any BackchannelClock
    /// The CSPRNG.
    public var random: any RandomSource
    /// What fetches clients' `jwks_uri`; required when a client registers one.
    public var keyFetcher: (any ClientKeyFetcher)?
    /// The logger.
    public var logger: Logger
    /// Where state changes are recorded; on `logger` when `nil`, subjects hashed under a key of this process.
    public var audit: AuditLog?
    /// How the ping/push outbox's secrets are kept in the store: sealed under the store's key-encryption key
    /// for a store that keeps them at rest; as they are by default.
    public var outboxSeal: OutboxSeal
    /// Where spans go (`observability.tracing`); `nil`, the default, records none.
    public var tracer: (any Tracer)?
    /// The traces ping and push requests began in, for their notifications; shared by the engines a
    /// reload makes from this environment.
    let requestTraces = RequestTraceContexts()
    /// How each client's requests ended, kept across reloads.
    let clientOutcomes = ClientOutcomes()

    /// Describes the engine's environment.
    public init(
        clock: any BackchannelClock = SystemClock(), random: any RandomSource = SystemRandomSource(), keyFetcher: (any ClientKeyFetcher)? = nil,
        logger: Logger = Logger(label: "backchannel.engine"), audit: AuditLog? = nil, outboxSeal: OutboxSeal = .none,
        tracer: (any Tracer)? = nil
    ) {
        self.tracer = tracer
        self.clock = clock
        self.random = random
        self.keyFetcher = keyFetcher
        self.logger = logger
        self.audit = audit
        self.outboxSeal = outboxSeal
    }
}
