import BackchannelCore
import BackchannelServer
import Foundation
import Logging

extension ServerAssembly {
    /// The directories `directory:` selects, made and chained: what every authenticator and the engine read
    /// users through.
    struct Directories {
        /// What authenticators and the engine read users through.
        let directory: any UserDirectory
        /// The configuration file's `users:`, replaced by a reload.
        let staticUsers: ReloadableUserDirectory
        /// The server store's users, when the `store` directory is selected (the admin API manages them).
        let storeUsers: (any UserStore)?
    }

    static func makeDirectories(
        _ configuration: BackchanneldConfiguration, registry: PluginRegistry, storeUsers: (any UserStore)?, services: DirectoryServices
    ) throws(Failure) -> Directories {
        let staticUsers = ReloadableUserDirectory(configuration.users)
        var links: [DirectoryChain.Link] = []
        var selectedStore: (any UserStore)?
        for (index, settings) in configuration.directory.enumerated() {
            let made: any UserDirectory
            switch settings.plugin {
            case DirectorySettings.staticPlugin:
                made = staticUsers
            case DirectorySettings.storePlugin:
                guard let storeUsers else {
                    throw .directory(field: "directory[\(index)].plugin", reason: "the \(configuration.store.kind) store keeps no users")
                }
                made = StoreUserDirectory(users: storeUsers)
                selectedStore = storeUsers
            default:
                var logger = services.logger
                logger[metadataKey: "directory"] = "\(settings.plugin)"
                var own = services
                own.logger = logger
                do {
                    made = try registry.makeDirectory(plugin: settings.plugin, configuration: settings.configuration, services: own)
                } catch {
                    throw .directory(field: "directory[\(index)].\(error.field)", reason: error.description)
                }
            }
            // A directory plugin (remote: LDAP, SCIM, yours) is counted and timed, its answers cached as configured;
            // the server's own (static, store) answer from memory or the store, which has its metrics already.
            let local = [DirectorySettings.staticPlugin, DirectorySettings.storePlugin].contains(settings.plugin)
            let cache = settings.cache
            let directory: any UserDirectory =
                local
                ? made
                : MeteredUserDirectory(
                    made, name: settings.plugin,
                    cache: cache.maxEntries == 0 ? nil : (TimeInterval(cache.ttlSeconds), TimeInterval(cache.negativeTtlSeconds), cache.maxEntries),
                    clock: services.clock)
            links.append(DirectoryChain.Link(name: settings.plugin, subjectPrefix: settings.subjectPrefix, directory: directory))
        }
        // One directory without a prefix needs no chain around it.
        if links.count == 1, links[0].subjectPrefix.isEmpty {
            return Directories(directory: links[0].directory, staticUsers: staticUsers, storeUsers: selectedStore)
        }
        do {
            return Directories(directory: try DirectoryChain(links), staticUsers: staticUsers, storeUsers: selectedStore)
        } catch {
            throw .directory(field: "directory[\(error.index)].subject_prefix", reason: error.description)
        }
    }
}
