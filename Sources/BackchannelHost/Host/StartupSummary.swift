import BackchannelServer
import Foundation

/// What `backchanneld --config` prints once it serves: what a newcomer checks first, as the demo's
/// walkthrough does for the embedded defaults. Never a secret (no client secret, no database password).
enum StartupSummary {
    static func text(_ assembly: ServerAssembly, configurationFile: String, dataDirectory: URL, adminAPI: Bool) -> String {
        let configuration = assembly.configuration
        let issuer = assembly.engine.issuer
        let operations = configuration.server.operations
        let listener = operations.enabled ? "http://\(operations.host):\(operations.port) (/metrics, /healthz, /readyz)" : "off"
        let admin = operations.enabled && adminAPI ? "on, under /admin/ (bearer token)" : "off (set server.operations.admin_token_file or BACKCHANNEL_ADMIN_TOKEN)"
        let clients = configuration.clients.map { "\($0.clientId) (\($0.backchannelTokenDeliveryMode.rawValue))" }
        let authenticators = assembly.engine.authenticatorInstances.map { "\($0.name) (\($0.plugin))" }
        var lines: [String] = ["", "Backchannel is running with \(configurationFile)."]
        lines.append("Issuer:         \(issuer)   Discovery: \(issuer)/.well-known/openid-configuration")
        lines.append("Listening on:   \(configuration.server.host):\(configuration.server.port)")
        lines.append("Operations:     \(listener)")
        lines.append("Admin API:      \(admin)")
        lines.append("Store:          \(store(configuration.store, dataDirectory: dataDirectory))")
        lines.append("Signing keys:   \(keys(configuration))")
        lines.append("Clients:        \(clients.isEmpty ? "none" : clients.joined(separator: ", "))")
        lines.append("Authenticators: \(authenticators.joined(separator: ", "))")
        lines.append("Users:          \(configuration.users.count) in the configuration")
        lines.append("")
        if configuration.clients.isEmpty { lines.insert("Warning: no client is configured, so every request is refused.", at: lines.count - 1) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The store and where it keeps its data; a PostgreSQL URL without its password.
    static func store(_ settings: StoreSettings, dataDirectory: URL) -> String {
        switch settings.kind ?? .sqlite {
        case .memory:
            return "memory (nothing survives a restart)"
        case .sqlite:
            return "SQLite at " + (settings.path ?? dataDirectory.appendingPathComponent("backchannel.sqlite").path)
        case .postgres:
            guard let components = URLComponents(string: settings.url ?? ""), let host = components.host else { return "PostgreSQL" }
            let user = components.user.map { "\($0)@" } ?? ""
            return "PostgreSQL at \(user)\(host):\(components.port ?? 5432)\(components.path)"
        }
    }

    private static func keys(_ configuration: BackchanneldConfiguration) -> String {
        guard configuration.keys.isEmpty else {
            return "\(configuration.keys.count) from the configuration"
        }
        switch configuration.store.kind ?? .sqlite {
        case .postgres: return "generated (ES256, RS256), kept in the database"
        case .sqlite: return "generated (ES256, RS256), kept in the SQLite file"
        case .memory: return "generated (ES256, RS256), kept in the data directory"
        }
    }
}
