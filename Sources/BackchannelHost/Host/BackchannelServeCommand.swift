import ArgumentParser
import BackchannelCore
import BackchannelHTTP
import BackchannelServer
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// The command line of a Backchannel server: `backchanneld`'s, and any integrator's own host's.
///
/// Run it with ``BackchannelHostMain/run(components:)``, which hands it the plugins and stores it links.
struct BackchannelServeCommand: AsyncParsableCommand {
    /// The plugins and stores this process links, set by ``BackchannelHostMain/run(components:)``.
    @TaskLocal static var components = HostComponents()

    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Backchannel: an OpenID Connect CIBA (Client-Initiated Backchannel Authentication) server.",
        discussion: """
            With no options it serves a demo on 127.0.0.1:8080: the mock push authenticator, the users alice \
            (approves), bob (denies) and carol (never answers), and the client demo-client / demo-secret. \
            --config replaces the demo with a YAML or JSON file; README.md documents every field.
            """
    )

    @Option(name: .long, help: ArgumentHelp("A YAML or JSON configuration file.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: "The address to listen on (overrides server.host).")
    var host: String?

    @Option(name: .long, help: "The port to listen on (overrides server.port).")
    var port: Int?

    @Option(name: .long, help: "The operations listener's port: /metrics, /healthz, /readyz (overrides server.operations.port).")
    var operationsPort: Int?

    @Option(name: .long, help: ArgumentHelp("Where the server keeps its state, such as its generated signing key.", valueName: "directory"))
    var dataDir: String = "./.backchannel"

    @Option(name: .long, help: ArgumentHelp("A directory of binary authenticator plugins (overrides plugins_dir).", valueName: "directory"))
    var pluginsDir: String?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(name: .long, help: "text (the default) or json: one JSON object per line, for log shippers.")
    var logFormat: String = "text"

    @Flag(name: .long, help: "Read a user code from standard input, print its hash for a user's user_code_hash, and exit.")
    var hashUserCode = false

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard ["text", "json"].contains(logFormat) else {
            throw ValidationError("--log-format must be text or json")
        }
        if let port, !(0...65535).contains(port) {
            throw ValidationError("--port must be between 0 and 65535")
        }
        if let operationsPort, !(0...65535).contains(operationsPort) {
            throw ValidationError("--operations-port must be between 0 and 65535")
        }
    }

    /// A configuration error: said alone (no usage block, which would suggest a command-line mistake), and
    /// exit status 78 (`EX_CONFIG`), distinct from a usage error's 64.
    static func configurationFailure(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        return ExitCode(78)
    }

    func run() async throws {
        if hashUserCode {
            guard let code = readLine(strippingNewline: true), !code.isEmpty else {
                throw ValidationError("--hash-user-code reads the code from standard input; none was given")
            }
            print(try UserCodeHash.make(code: code).stored)
            return
        }
        var configuration: BackchanneldConfiguration
        if let config {
            do {
                configuration = try ConfigurationLoader.load(path: config)
            } catch {
                throw Self.configurationFailure("\(config): \(error)")
            }
        } else {
            configuration = EmbeddedDefaults.configuration
        }
        // With tracing on, every log line (audit events included) says the trace and span it belongs to.
        let logMetadata = configuration.observability.tracing == nil ? nil : TracingBackend.logMetadata
        if logFormat == "json" {
            LoggingSystem.bootstrap({ label, provider in JSONLogHandler(label: label, metadataProvider: provider) }, metadataProvider: logMetadata)
        } else if let logMetadata {
            LoggingSystem.bootstrap(StreamLogHandler.standardError, metadataProvider: logMetadata)
        }
        var logger = Logger(label: "backchanneld")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        if let host { configuration.server.host = host }
        if let port { configuration.server.port = port }
        if let operationsPort { configuration.server.operations.port = operationsPort }
        if let pluginsDir { configuration.pluginsDir = pluginsDir }
        // Binary plugins join the ones this binary links before anything else is read or opened.
        var components = Self.components
        if let directory = configuration.pluginsDir {
            do {
                for library in try PluginLibraryLoader.load(directory: directory, into: &components.plugins) {
                    logger.notice(
                        "loaded a binary plugin",
                        metadata: [
                            "file": "\(library.path)", "plugins": "\(library.backChannels.joined(separator: ","))",
                            "directories": "\(library.directories.joined(separator: ","))", "plugin_api": "\(library.apiVersion)",
                        ])
                }
            } catch {
                throw Self.configurationFailure("\(error)")
            }
        }
        let operations = configuration.server.operations
        if config == nil, ServerExposure(bindHost: configuration.server.host) != .loopback {
            throw Self.configurationFailure(
                "the embedded demo serves a published client secret and a page that approves anyone: it binds loopback only "
                    + "(127.0.0.1, ::1, localhost). Serve other interfaces with --config and your own clients.")
        }
        // Checked before anything is created (the data directory, a key): a taken port fails cleanly.
        if let reason = await ListenCheck.unavailable(host: configuration.server.host, port: configuration.server.port) {
            throw Self.configurationFailure(
                "cannot listen on \(configuration.server.host):\(configuration.server.port): \(reason). Pass --port to choose another port.")
        }
        if operations.enabled, let reason = await ListenCheck.unavailable(host: operations.host, port: operations.port) {
            throw Self.configurationFailure(
                "cannot listen on \(operations.host):\(operations.port) for operations: \(reason). Pass --operations-port to choose another port, "
                    + "or set server.operations.enabled: false.")
        }
        // The metrics of this process go to Prometheus, read at /metrics on the operations listener; without
        // the listener nobody could read them, and swift-metrics' default handlers record nothing.
        let registry = PrometheusCollectorRegistry()
        if operations.enabled { MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry)) }

        // Spans go out over OTLP when `observability.tracing` says where; its exporter runs first among the
        // services, so it stops last and the last spans leave.
        let tracing: TracingBackend?
        do {
            tracing = try configuration.observability.tracing.map { try TracingBackend($0, logger: logger) }
        } catch {
            throw Self.configurationFailure("observability.tracing: \(error)")
        }
        let assembly: ServerAssembly
        do {
            assembly = try await ServerAssembly.assemble(
                configuration, components: components, dataDirectory: URL(fileURLWithPath: dataDir, isDirectory: true), tracing: tracing,
                logger: logger)
        } catch {
            throw Self.configurationFailure(config.map { "\($0): \(error)" } ?? "\(error)")
        }
        let engine = assembly.engine
        let adminToken: String?
        do {
            adminToken = try operations.resolvedAdminToken(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw Self.configurationFailure(config.map { "\($0): \(error)" } ?? "\(error)")
        }
        // The operations listener speaks plain HTTP: the admin API's bearer token must not cross a network on it.
        if adminToken != nil, operations.enabled, ServerExposure(bindHost: operations.host) != .loopback {
            throw Self.configurationFailure(
                "server.operations.host: the admin API is served over plain HTTP, so only on a loopback address (\(operations.host) is not): "
                    + "bind the operations listener to 127.0.0.1 and put a TLS proxy in front, or turn the admin API off")
        }
        let reloader = assembly.reloader
        var reload: (@Sendable () -> ReloadOutcome)?
        if let config { reload = { reloader.reload(path: config) } }
        let admin = adminToken.map { AdminRoutes(engines: assembly.engines, token: $0, reload: reload, users: assembly.users) }
        // The operator console: the admin token signs an operator in, under the admin API's rule.
        let console: OperatorConsole?
        let deliveries = assembly.deliveryCounters
        do {
            console = try adminToken.map { token in
                try OperatorConsole(
                    engines: assembly.engines, token: token, sessions: ConsoleSessions(lifetime: TimeInterval(operations.consoleSessionSeconds)),
                    reload: reload, users: assembly.users, configuration: { reloader.configurationInForce }, deliveries: { deliveries.mapValues(\.counts) },
                    audit: assembly.auditTail, logger: logger)
            }
        } catch {
            throw Self.configurationFailure("the operator console: \(error)")
        }
        let summary = config.map {
            StartupSummary.text(assembly, configurationFile: $0, dataDirectory: URL(fileURLWithPath: dataDir, isDirectory: true), adminAPI: adminToken != nil)
        }
        let reloadOnSignal: [any Service] = [ReloadSignalService(reloader: assembly.reloader, path: config, logger: logger)]
        let announce = config == nil
        let app = Application(
            router: assembly.router,
            server: try assembly.serverBuilder(),
            configuration: .init(address: .hostname(configuration.server.host, port: configuration.server.port), serverName: "backchanneld"),
            services: (tracing.map { [$0.service] } ?? []) + assembly.services + reloadOnSignal
                + (operations.enabled ? [operationsApplication(assembly, registry: registry, admin: admin, console: console, logger: logger)] : []),
            onServerRunning: { _ in
                // Written and flushed at once: stdout is block-buffered when piped.
                if announce {
                    FileHandle.standardOutput.write(Data(Walkthrough.text(issuer: engine.issuer).utf8))
                } else if let summary {
                    FileHandle.standardOutput.write(Data(summary.utf8))
                }
            },
            logger: logger
        )
        // SIGTERM and SIGINT: stop accepting, finish in-flight requests, drain deliveries, close the store.
        try await app.runService()
    }

    /// The operations listener, a service of the main application: shut down with it.
    private func operationsApplication(
        _ assembly: ServerAssembly, registry: PrometheusCollectorRegistry, admin: AdminRoutes?, console: OperatorConsole?, logger: Logger
    ) -> any Service {
        let settings = assembly.configuration.server.operations
        // The public port's timeouts: an idle connection, or a request whose body trickles in, is closed.
        return Application(
            router: OperationsRouter.make(engines: assembly.engines, metrics: { registry.emitToBuffer() }, admin: admin, console: console),
            server: .http1(configuration: assembly.httpConfiguration),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "backchanneld-operations"),
            logger: logger)
    }
}

/// The entry point of a Backchannel server process.
///
/// An integrator's whole server is one `@main` that registers the plugins and stores it links and hands over:
///
/// ```swift
/// @main enum MyServer {
///     static func main() async throws {
///         var components = HostComponents(stores: [PostgresStoreProvider()])
///         try components.plugins.register(ConsoleCodeAuthenticator.descriptor)
///         try components.plugins.register(ConsoleCodeAuthenticator.pageDescriptor)
///         await BackchannelHostMain.run(components: components)
///     }
/// }
/// ```
public enum BackchannelHostMain {
    /// Parses the command line (`--config`, `--host`, `--port`, `--data-dir`, …) and serves until
    /// stopped, with the plugins and stores of `components`; exits the process on a usage or configuration error.
    public static func run(components: HostComponents) async {
        await BackchannelServeCommand.$components.withValue(components) { await BackchanneldCommand.main() }
    }
}
