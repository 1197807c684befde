import BackchannelCore
import BackchannelHTTP
import BackchannelOutbound
import BackchannelServer
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle
import Tracing
import NIOCore

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
    /// The users of the `store` directory, when `directory:` selects it: what `/admin/users` manages.
    public let users: (any UserStore)?
    /// What users are read through (the configured directories, measured and chained).
    let directory: any UserDirectory
    /// The plugins' background work (deliveries), drained at shutdown.
    public let background: BackgroundWork
    /// The HTTP clients lent to plugins, shut down after their background work.
    let httpClients: HostHTTPClients
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
        // The directory closes its connections after everything that reads users has stopped.
        let directoryClosing: [any Service] = (directory as? any ClosingAtShutdown).map { [CloseAtShutdownService(target: $0)] } ?? []
        return storeServices + directoryClosing + [
            // Shut down before the store, after the HTTP server and the plugins' deliveries.
            NotificationService(engines: engines, transport: HTTPNotificationTransport(tracing: OutboundTracing(tracer)), wakeup: outboxWakeup, logger: logger),
            BackgroundWorkService(
                work: background, httpClients: httpClients, deadline: .seconds(configuration.server.shutdownDeadline), logger: logger),
            RepeatingService(period: .seconds(1)) { while await engines.current.sweepExpired() == 1000 {} },
            // The pending-requests gauge, read from the store now and then rather than counted per request.
            RepeatingService(period: .seconds(5)) { await engines.current.refreshPendingGauge() },
            // The readiness gauge, kept current even when nothing probes /readyz.
            RepeatingService(period: .seconds(15)) { _ = await engines.current.readiness() },
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
    /// Where spans go (`observability.tracing`); `nil` when tracing is off.
    let tracer: (any Tracer)?
    /// The clock the engine and plugins run on, for the purge too.
    let clock: any BackchannelClock
    /// The latest audit events, for the operator console.
    public let auditTail: AuditTail
    /// Each authenticator's delivery counters, by its name (the operator console shows their counts).
    public let deliveryCounters: [String: DeliveryCounters]


    /// Makes the server described by `configuration`.
    /// - Parameters:
    ///   - configuration: The configuration.
    ///   - components: The plugins the configuration may name and the stores it may open.
    ///   - dataDirectory: Where the SQLite store and the generated key live; `nil` keeps state in memory.
    ///   - clock: The clock.
    ///   - random: The CSPRNG.
    ///   - environment: Where `BACKCHANNEL_KEY_ENCRYPTION_KEY` is read.
    ///   - background: Where plugins run their deliveries; by default a new one, which carries the submitter's
    ///     trace into the work when `tracing` is set.
    ///   - tracing: Where spans go and which requests are traced (`observability.tracing`); `nil`, the default,
    ///     records none.
    ///   - logger: The logger.
    /// - Throws: ``Failure`` naming what to fix.
    public static func assemble(
        _ configuration: BackchanneldConfiguration,
        components: HostComponents,
        dataDirectory: URL?,
        clock: any BackchannelClock = SystemClock(),
        random: any RandomSource = SystemRandomSource(),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        background: BackgroundWork? = nil,
        tracing: TracingBackend? = nil,
        logger: Logger
    ) async throws(Failure) -> ServerAssembly {
        let tracer = tracing?.tracer
        let background = background ?? (tracer == nil ? BackgroundWork() : TracingBackend.backgroundWork())
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
        let provider = try storeProvider(configuration, components: components, dataDirectory: dataDirectory)
        var keyEncryptionKey = try Self.keyEncryptionKey(configuration.store, environment: environment)
        if keyEncryptionKey == nil { try Self.checkUnsealedAllowed(configuration, shared: provider.isShared) }
        let transport = try TransportSecurity(configuration.server)
        let opened = try await openStore(provider, configuration, dataDirectory: dataDirectory, clock: clock, logger: logger)
        // Every store operation timed and its errors counted, for the metrics.
        let store = MeteredPendingRequestStore(opened.pendingRequests, tracer: EngineTracer(tracer), system: provider.kind)
        // What the store keeps of secrets (a generated signing key, the ping/push outbox) is sealed by default:
        // in a store of this process alone under a key-encryption key generated into its private directory; in
        // a shared store only a configured key will do, or, for a generated signing key, the operator's
        // explicit word that it may stay in clear.
        if keyEncryptionKey == nil, opened.signingKeys != nil, let directory = opened.privateDirectory {
            keyEncryptionKey = try GeneratedKeyEncryptionKey.load(in: directory, random: random)
        }
        var keyStore = opened.signingKeys
        if let plainKeyStore = opened.signingKeys, let keyEncryptionKey {
            do {
                keyStore = try EncryptedSigningKeyStore(plainKeyStore, keyEncryptionKey: keyEncryptionKey)
            } catch {
                throw .keys(error)
            }
        } else if provider.isShared {
            logger.warning(
                "no key-encryption key: ping/push notification secrets\(configuration.keys.isEmpty ? " and the generated signing key (store.allow_unsealed_signing_key)" : "") are kept in clear in the shared \(provider.kind) store. Set store.key_encryption_key_file or BACKCHANNEL_KEY_ENCRYPTION_KEY")
        }
        let plugins = components.plugins
        let httpClients = HostHTTPClients(tracing: OutboundTracing(tracer))
        let directories = try Self.makeDirectories(
            configuration, registry: plugins, storeUsers: opened.users,
            services: DirectoryServices(logger: logger, clock: clock, http: httpClients.client, exposure: ServerExposure(bindHost: configuration.server.host)))
        let directory = directories.directory
        do throws(PluginRegistryError) {
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
        // What the audit trail logs is also kept, the latest events, for the operator console.
        let auditTail = AuditTail()
        let audit = AuditLog(
            logger: AuditTailHandler.logger(auditLogger, tail: auditTail), subjects: configuration.audit.subjects, subjectKey: keys.subjectHashKey)
        var deliveryCounters: [String: DeliveryCounters] = [:]
        let outboxWakeup = OutboxWakeup()
        var routes: [AuthenticatorRoute] = []
        for (index, settings) in configuration.authenticators.enumerated() {
            let name = settings.name ?? settings.plugin
            var pluginLogger = logger
            pluginLogger[metadataKey: "authenticator"] = "\(name)"
            guard let frontChannelBaseURL = URL(string: "\(issuer)\(EndpointPaths.frontChannelPrefix)/\(name)/") else {
                throw .plugin(PluginRegistryError.invalidConfiguration(plugin: settings.plugin, field: "name", reason: "does not make a valid URL path"), index: index)
            }
            let counters = DeliveryCounters(authenticator: name)
            deliveryCounters[name] = counters
            var services = BackchannelHostServices(
                userDirectory: directory,
                clock: clock,
                random: random,
                logger: pluginLogger,
                completionSink: StoreCompletionSink(store: store, audit: audit, outbox: outboxWakeup, logger: logger),
                stateStore: opened.pluginState,
                frontChannelBaseURL: frontChannelBaseURL,
                exposure: ServerExposure(bindHost: configuration.server.host),
                background: background,
                http: httpClients.client,
                deliveries: counters
            )
            services.outboundCalls = OutboundTracing(tracer)
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
                EngineConfiguration(
                    issuer: issuer, policy: configuration.policy, clients: configuration.clients, authenticators: routes, keys: keys,
                    userDirectory: directory, clientCertificateAuthorities: transport.authorities),
                stores: EngineStores(requests: store, limits: opened.limits, replay: opened.pluginState),
                environment: EngineEnvironment(
                    clock: clock, random: random, keyFetcher: HTTPClientKeyFetcher(tracing: OutboundTracing(tracer)), logger: logger,
                    audit: audit, outboxSeal: keyEncryptionKey.map(OutboxSeal.init(keyEncryptionKey:)) ?? .none, tracer: tracer))
        } catch {
            throw .engine(error)
        }
        let engines = EngineHandle(engine)
        let router = BackchannelRouter.make(
            engines: engines, maxBodySize: configuration.server.maxBodySize, context: BackchannelRequestContext.self,
            clientCertificates: transport.certificateSource, tracer: tracer, sampling: tracing?.sampling ?? 1)
        return ServerAssembly(
            configuration: configuration, engines: engines,
            reloader: ConfigurationReloader(engines: engines, directory: directory, staticUsers: directories.staticUsers, configuration: configuration, logger: logger),
            router: router,
            transport: transport, pluginState: opened.pluginState, users: directories.storeUsers, directory: directory, background: background, httpClients: httpClients, storeServices: opened.services, outboxWakeup: outboxWakeup,
            logger: logger, tracer: tracer, clock: clock, auditTail: auditTail, deliveryCounters: deliveryCounters)
    }
}
