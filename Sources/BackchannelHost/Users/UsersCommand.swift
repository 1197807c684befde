import ArgumentParser
import BackchannelCore
import BackchannelServer
import Foundation
import Logging
import NIOFileSystem
import ServiceLifecycle

/// `backchanneld users`: the users of the `store` directory, from the command line.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage the users kept in the server's store (the `store` directory).",
        subcommands: [UsersImportCommand.self])
}

/// `backchanneld users import FILE`: users from a JSON Lines file or a SCIM 2.0 `ListResponse`, streamed.
struct UsersImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import users into the server's store from a JSON Lines file or a SCIM 2.0 ListResponse.",
        discussion: """
            Each user is created, or replaced by subject; an import can be repeated without duplicates. \
            Records that cannot be imported are listed with their line (or Resources index) and the reason, \
            and the rest are imported. A SQLite store belongs to one process: stop the server first (or use \
            /admin/users). On PostgreSQL every running node sees the users as soon as each batch commits.
            """)

    @Argument(help: ArgumentHelp("The file: JSON Lines (one user per line, as in users:) or a SCIM ListResponse.", valueName: "file"))
    var file: String

    @Option(name: .long, help: "jsonl or scim; by default, scim for a file ending in .json, jsonl otherwise.")
    var format: String?

    @Option(name: .long, help: ArgumentHelp("The server's YAML or JSON configuration file (its store: section).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("The server's data directory (where its SQLite store is).", valueName: "directory"))
    var dataDir: String = "./.backchannel"

    func validate() throws {
        if let format, UserImporter.Format(rawValue: format) == nil {
            throw ValidationError("--format must be jsonl or scim")
        }
    }

    func run() async throws {
        let format = format.flatMap(UserImporter.Format.init) ?? (file.hasSuffix(".json") ? .scim : .jsonl)
        var logger = Logger(label: "backchanneld")
        logger.logLevel = .warning
        let configuration: BackchanneldConfiguration
        do {
            configuration = try config.map { try ConfigurationLoader.load(path: $0) } ?? EmbeddedDefaults.configuration
        } catch {
            throw BackchannelServeCommand.configurationFailure("\(config ?? ""): \(error)")
        }
        let components = BackchannelServeCommand.components
        let opened: OpenedStore
        do {
            let dataDirectory = URL(fileURLWithPath: dataDir, isDirectory: true)
            let provider = try ServerAssembly.storeProvider(configuration, components: components, dataDirectory: dataDirectory)
            guard provider.kind != "memory" else {
                throw BackchannelServeCommand.configurationFailure("the memory store keeps nothing after this command: import into sqlite or postgres")
            }
            opened = try await ServerAssembly.openStore(provider, configuration, dataDirectory: dataDirectory, clock: SystemClock(), logger: logger)
        } catch let failure as ServerAssembly.Failure {
            throw BackchannelServeCommand.configurationFailure("\(failure)")
        }
        guard let users = opened.users else {
            throw BackchannelServeCommand.configurationFailure("store: this kind of store keeps no users")
        }
        let (services, serviceLogger) = (opened.services, logger)
        let report = try await withThrowingTaskGroup(of: UserImporter.Report?.self) { group in
            // The store's own services (a connection pool) run while the import does.
            group.addTask {
                try await ServiceGroup(services: services, logger: serviceLogger).run()
                return nil
            }
            defer { group.cancelAll() }
            return try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(file)) { handle in
                try await UserImporter(users: users, format: format).run(handle.readChunks(chunkLength: .kibibytes(64)).map { $0.readableBytesView })
            }
        }
        print("created \(report.created), updated \(report.updated), unchanged \(report.unchanged), skipped \(report.skipped.count)")
        for (position, reason) in report.skipped.prefix(1000) {
            print("skipped \(position): \(reason)")
        }
        if report.skipped.count > 1000 { print("… and \(report.skipped.count - 1000) more skipped") }
    }
}
