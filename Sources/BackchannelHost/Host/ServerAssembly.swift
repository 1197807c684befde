import BackchannelCore
import BackchannelHTTP
import BackchannelPostgres
import BackchannelSQLite
import BackchannelServer
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle
import NIOCore
import EmailAuthenticator
import MockPushAuthenticator
import PushAuthenticator
import SMSAuthenticator

/// Puts a server together from its configuration: registers the plugins this binary links, makes
/// the configured authenticators, loads the keys, and builds the engine and the router.
public struct ServerAssembly {
    /// The configuration it was made from.
    public let configuration: BackchanneldConfiguration
    /// The protocol engine serving requests now (a reload replaces it).
    public var engine: BackchannelEngine { engines.current }
    /// The handle every long-lived part holds, so a reload reaches all of them at once.
    public let engines: EngineHandle
    /// Reloads clients, users and policy from the configuration file (SIGHUP, the admin API).
    public let reloader: ConfigurationReloader
    /// The HTTP routes.
    public let router: Router<BackchannelRequestContext>
    /// TLS and client certificates, from `server.tls` and `server.client_certificates`.
    let transport: TransportSecurity
    /// The plugins' state store.
    public let pluginState: any PluginStateStore
    /// The plugins' background work (deliveries), drained at shutdown.
    public let background: BackgroundWork
    /// The HTTP/1 server's timeouts: idle connections, and requests whose body trickles in.
    public var httpConfiguration: HTTP1Channel.Configuration {
        let bodyTimeout = TimeAmount.seconds(Int64(configuration.server.bodyReadTimeout))
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestReadDeadline(timeout: bodyTimeout)],
            idleTimeout: .seconds(Int64(configuration.server.idleTimeout)))
    }

    /// The listener: HTTP/1.1 with ``httpConfiguration``, over TLS when `server.tls` is configured.
    public func serverBuilder() throws -> HTTPServerBuilder {
        try transport.serverBuilder(httpConfiguration)
    }

    /// The long-lived work of a running server, in the order a `ServiceGroup` should run them (it shuts
    /// them down in reverse, after the HTTP server): the store's connection pool, closed last; ping and
    /// push notifications from the outbox; plugins' deliveries, drained within `server.shutdown_deadline`;
    /// the expiry sweeper; the purge of expired plugin state.
    public var services: [any Service] {
        let engines = self.engines
        let pluginState = self.pluginState
        let (logger, clock) = (self.logger, self.clock)
        return storeServices + [
            // Shut down before the store, after the HTTP server and the plugins' deliveries.
            NotificationService(engines: engines, transport: HTTPNotificationTransport(), wakeup: outboxWakeup, logger: logger),
            BackgroundWorkService(work: background, deadline: .seconds(configuration.server.shutdownDeadline), logger: logger),
            RepeatingService(period: .seconds(1)) { while await engines.current.sweepExpired() == 1000 {} },
            // The pending-requests gauge, read from the store now and then rather than counted per request.
            RepeatingService(period: .seconds(5)) { await engines.current.refreshPendingGauge() },
            // Plugins' records carry their own expiry; clear out the dead ones now and then.
            RepeatingService(period: .seconds(60)) {
                do {
                    _ = try await pluginState.purgeExpired(now: clock.now)
                } catch {
                    logger.warning("purging expired plugin state failed; it is tried again in a minute", metadata: ["error": "\(error)"])
                }
            },
        ]
    }

    /// The store's own services (PostgreSQL's connection pool); none for stores in this process.
    let storeServices: [any Service]
    /// Rung by this process's conclusions, so the notification service delivers them at once.
    let outboxWakeup: OutboxWakeup
    /// The host's logger (at the level `--log-level` set), for the long-lived services.
    let logger: Logger
    /// The clock the engine and plugins run on, for the purge too.
    let clock: any BackchannelClock

    /// The start-up failures, each naming what to fix.
    public enum Failure: Error, CustomStringConvertible {
        /// An authenticator's plugin refused its configuration.
        case plugin(PluginRegistryError, index: Int)
        /// A signing key could not be loaded or generated.
        case keys(SigningKeyError)
        /// The engine refused the configuration.
        case engine(EngineConfigurationError)
        /// The store could not be opened.
        case store(String)
        /// The issuer (or the host it defaults from) makes no URL.
        case issuer(field: String, value: String)
        /// A user's `user_code_hash` is not one.
        case userCode(field: String)
        /// The key-encryption key is missing, unreadable or malformed.
        case keyEncryption(field: String, reason: String)
        /// A TLS or client-certificate file is missing, unreadable or malformed.
        case transport(field: String, reason: String)

        public var description: String {
            switch self {
            case .store(let reason): "store: \(reason)"
            case .keyEncryption(let field, let reason), .transport(let field, let reason): "\(field): \(reason)"
            case .userCode(let field): "\(field): not a hash made by backchanneld --hash-user-code"
            case .issuer(let field, let value): "\(field): does not make a valid issuer URL (\(value.debugDescription))"
            case .plugin(let error, let index): "authenticators[\(index)].\(error.field): \(error)"
            case .keys(let error): "\(error)"
            case .engine(let error): "\(error)"
            }
        }
    }

    /// A registry of the built-in plugins: `mock-push`, `sms`, `email` and `push`, each with its page. Add your
    /// own descriptors to it before you pass it to ``assemble(_:registry:dataDirectory:clock:random:environment:background:logger:)``.
    public static func builtInRegistry() throws(PluginRegistryError) -> PluginRegistry {
        var registry = PluginRegistry()
        try registry.register(MockPushAuthenticator.descriptor)
        try registry.register(MockPushAuthenticator.pageDescriptor)
        try registry.register(SMSAuthenticator.descriptor)
        try registry.register(SMSAuthenticator.pageDescriptor)
        try registry.register(EmailAuthenticator.descriptor)
        try registry.register(EmailAuthenticator.pageDescriptor)
        try registry.register(PushAuthenticator.descriptor)
        try registry.register(PushAuthenticator.deviceAPIDescriptor)
        return registry
    }

    /// Makes the server described by `configuration`.
    /// - Parameters:
    ///   - configuration: The configuration.
    ///   - registry: The plugins the configuration may name; the built-ins when `nil`.
    ///   - dataDirectory: Where the SQLite store and the generated key live; `nil` keeps state in memory.
    ///   - clock: The clock.
    ///   - random: The CSPRNG.
    ///   - environment: Where `BACKCHANNEL_KEY_ENCRYPTION_KEY` is read.
    ///   - background: Where plugins run their deliveries.
    ///   - logger: The logger.
    /// - Throws: ``Failure`` naming what to fix.
    public static func assemble(
        _ configuration: BackchanneldConfiguration,
        registry: PluginRegistry? = nil,
        dataDirectory: URL?,
        clock: any BackchannelClock = SystemClock(),
        random: any RandomSource = SystemRandomSource(),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        background: BackgroundWork = BackgroundWork(),
        logger: Logger
    ) async throws(Failure) -> ServerAssembly {
        let issuer = configuration.server.effectiveIssuer
        // Checked before anything is opened or created: a bad issuer or host is a configuration error.
        guard let issuerURL = URL(string: issuer), issuerURL.scheme == "https" || issuerURL.scheme == "http", issuerURL.host != nil,
            URL(string: "\(issuer)\(EndpointPaths.frontChannelPrefix)/") != nil
        else {
            throw .issuer(field: configuration.server.issuer == nil ? "server.host" : "server.issuer", value: issuer)
        }
        for (index, user) in configuration.users.enumerated() {
            if let hash = user.userCodeHash, UserCodeHash(hash) == nil {
                throw .userCode(field: "users[\(index)].user_code_hash")
            }
        }
        var keyEncryptionKey = try Self.keyEncryptionKey(configuration.store, environment: environment)
        if keyEncryptionKey == nil { try Self.checkUnsealedAllowed(configuration) }
        let transport = try TransportSecurity(configuration.server)
        let (unmeteredStore, pluginState, plainKeyStore, limitStore, storeServices) = try await openStore(
            configuration, dataDirectory: dataDirectory, clock: clock, logger: logger)
        // Every store operation timed and its errors counted, for the metrics.
        let store = MeteredPendingRequestStore(unmeteredStore)
        // What the store keeps of secrets (a generated signing key, the ping/push outbox) is sealed by default:
        // in a SQLite store under a key-encryption key generated into the data directory; in a shared PostgreSQL
        // database only a configured key will do, or, for a generated signing key, the operator's explicit word
        // that it may stay in clear.
        if keyEncryptionKey == nil, let plainKeyStore {
            if plainKeyStore is SQLiteStore,
                let directory = dataDirectory ?? configuration.store.path.map({ URL(fileURLWithPath: $0).deletingLastPathComponent() })
            {
                keyEncryptionKey = try GeneratedKeyEncryptionKey.load(in: directory, random: random)
            }
        }
        var keyStore = plainKeyStore
        if let plainKeyStore, let keyEncryptionKey {
            do {
                keyStore = try EncryptedSigningKeyStore(plainKeyStore, keyEncryptionKey: keyEncryptionKey)
            } catch {
                throw .keys(error)
            }
        } else if plainKeyStore is PostgresStore {
            logger.warning(
                "no key-encryption key: ping/push notification secrets\(configuration.keys.isEmpty ? " and the generated signing key (store.allow_unsealed_signing_key)" : "") are kept in clear in the shared PostgreSQL database. Set store.key_encryption_key_file or BACKCHANNEL_KEY_ENCRYPTION_KEY")
        }
        let directory = ReloadableUserDirectory(configuration.users)
        let plugins: PluginRegistry
        do throws(PluginRegistryError) {
            if let registry { plugins = registry } else { plugins = try builtInRegistry() }
            try plugins.validateLinks()
        } catch {
            throw .plugin(error, index: 0)
        }
        let keys: SigningKeySet
        do {
            keys = try await SigningKeySet.load(configuration.keys, keyStore: keyStore)
        } catch {
            throw .keys(error)
        }
        var auditLogger = Logger(label: "backchannel.audit")
        auditLogger.logLevel = logger.logLevel
        let audit = AuditLog(logger: auditLogger, subjects: configuration.audit.subjects, subjectKey: keys.subjectHashKey)
        let outboxWakeup = OutboxWakeup()
        var routes: [AuthenticatorRoute] = []
        for (index, settings) in configuration.authenticators.enumerated() {
            let name = settings.name ?? settings.plugin
            var pluginLogger = logger
            pluginLogger[metadataKey: "authenticator"] = "\(name)"
            guard let frontChannelBaseURL = URL(string: "\(issuer)\(EndpointPaths.frontChannelPrefix)/\(name)/") else {
                throw .plugin(PluginRegistryError.invalidConfiguration(plugin: settings.plugin, field: "name", reason: "does not make a valid URL path"), index: index)
            }
            let services = BackchannelHostServices(
                userDirectory: directory,
                clock: clock,
                random: random,
                logger: pluginLogger,
                completionSink: StoreCompletionSink(store: store, audit: audit, outbox: outboxWakeup, logger: logger),
                stateStore: pluginState,
                frontChannelBaseURL: frontChannelBaseURL,
                exposure: ServerExposure(bindHost: configuration.server.host),
                background: background,
                deliveries: DeliveryCounters(authenticator: name)
            )
            do {
                let instance = try plugins.makeAuthenticator(
                    plugin: settings.plugin, name: name, configuration: settings.configuration,
                    frontChannelConfiguration: settings.frontChannel, services: services)
                routes.append(AuthenticatorRoute(instance: instance, acr: settings.acr))
            } catch {
                throw .plugin(error, index: index)
            }
        }
        let engine: BackchannelEngine
        do {
            engine = try BackchannelEngine(
                issuer: issuer, policy: configuration.policy, clients: configuration.clients, authenticators: routes,
                keys: keys, store: store, clock: clock, random: random, userDirectory: directory, limitStore: limitStore,
                replayStore: pluginState, keyFetcher: HTTPClientKeyFetcher(), clientCertificateAuthorities: transport.authorities, logger: logger,
                audit: audit, outboxSeal: keyEncryptionKey.map(OutboxSeal.init(keyEncryptionKey:)) ?? .none)
        } catch {
            throw .engine(error)
        }
        let engines = EngineHandle(engine)
        let router = BackchannelRouter.make(
            engines: engines, maxBodySize: configuration.server.maxBodySize, context: BackchannelRequestContext.self,
            clientCertificates: transport.certificateSource)
        return ServerAssembly(
            configuration: configuration, engines: engines,
            reloader: ConfigurationReloader(engines: engines, directory: directory, configuration: configuration, logger: logger), router: router,
            transport: transport, pluginState: pluginState, background: background, storeServices: storeServices, outboxWakeup: outboxWakeup,
            logger: logger, clock: clock)
    }

    /// Without a key-encryption key, a signing key generated into a shared PostgreSQL database would be kept in
    /// clear: refused, before anything is opened, unless the configuration says so explicitly.
    static func checkUnsealedAllowed(_ configuration: BackchanneldConfiguration) throws(Failure) {
        guard configuration.store.kind == .postgres, configuration.keys.isEmpty, !configuration.store.allowUnsealedSigningKey else { return }
        throw .keyEncryption(
            field: "store.key_encryption_key_file",
            reason: "is required to seal the signing key generated into the shared PostgreSQL database (openssl rand -base64 32 > FILE; "
                + "or BACKCHANNEL_KEY_ENCRYPTION_KEY); store.allow_unsealed_signing_key: true keeps it in clear instead")
    }

    /// The key-encryption key from `store.key_encryption_key_file` or `BACKCHANNEL_KEY_ENCRYPTION_KEY`, if any.
    private static func keyEncryptionKey(_ settings: StoreSettings, environment: [String: String]) throws(Failure) -> [UInt8]? {
        let text: String
        let field: String
        if let path = settings.keyEncryptionKeyFile {
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw .keyEncryption(field: "store.key_encryption_key_file", reason: "cannot read \(path)")
            }
            (text, field) = (contents, "store.key_encryption_key_file")
        } else if let value = environment["BACKCHANNEL_KEY_ENCRYPTION_KEY"] {
            (text, field) = (value, "BACKCHANNEL_KEY_ENCRYPTION_KEY")
        } else {
            return nil
        }
        guard let key = EncryptedSigningKeyStore.parseKey(text), key.count == 32 else {
            throw .keyEncryption(field: field, reason: "must hold 32 random bytes as base64 or hex (openssl rand -base64 32)")
        }
        return key
    }

    /// Opens the configured store: SQLite in the data directory by default, PostgreSQL when configured,
    /// memory when asked for or when there is no data directory.
    private static func openStore(
        _ configuration: BackchanneldConfiguration, dataDirectory: URL?, clock: any BackchannelClock, logger: Logger
    ) async throws(Failure) -> (any PendingRequestStore, any PluginStateStore, (any SigningKeyStore)?, any LimitStore, [any Service]) {
        let retention = TimeInterval(configuration.policy.expiredRequestRetention)
        let settings = configuration.store
        switch settings.kind ?? (dataDirectory == nil && settings.path == nil ? .memory : .sqlite) {
        case .memory:
            return (
                InMemoryPendingRequestStore(expiredRequestRetention: retention), InMemoryPluginStateStore(clock: clock),
                dataDirectory.map { FileSigningKeyStore(directory: $0) }, InMemoryLimitStore(), []
            )
        case .sqlite:
            guard let path = settings.path ?? dataDirectory?.appendingPathComponent("backchannel.sqlite").path else {
                throw .store("path: sqlite needs a path or a data directory")
            }
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                let reason = (error as NSError).localizedFailureReason ?? "it cannot be created"
                throw .store(
                    "cannot create the data directory \(directory.path) (\(reason)); pass --data-dir (or store.path) with a directory this user can write")
            }
            do {
                let store = try SQLiteStore(path: path, expiredRequestRetention: retention, clock: clock)
                // The file is this process's alone (an exclusive lock): its limits can live in its memory.
                return (store, store, store, InMemoryLimitStore(), [])
            } catch {
                throw .store("path: cannot open \(path): \(error)")
            }
        case .postgres:
            do {
                let store = try await PostgresStore.connect(
                    url: settings.url ?? "", connections: settings.connections ?? 20, expiredRequestRetention: retention, clock: clock, logger: logger)
                return (store, store, store, store, [store])
            } catch let error as PostgresStoreError {
                throw .store("url: \(error)")
            } catch {
                throw .store("url: cannot connect: \(error)")
            }
        }
    }
}
