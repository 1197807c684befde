import BackchannelCore
import Foundation
import Logging

/// The `ldap` directory: users in OpenLDAP or Active Directory, found by one search per lookup.
///
/// Each hint kind has its filter template, filled with the RFC 4515 escaped hint (``LDAPFilter``): a hint can
/// match entries, never change the filter. An e-mail address is searched in lower case, a phone number in
/// E.164 form. A search that matches two entries is an error (which user would it be?), never a guess.
/// Plain `ldap://` is allowed to a loopback server only, unless upgraded with StartTLS; TLS always checks the
/// server's certificate and name.
public final class LDAPDirectory: UserDirectory, ReadinessReporting, ClosingAtShutdown {
    /// Registered as `ldap`.
    public static let descriptor = DirectoryPluginDescriptor(registryName: "ldap", configuration: LDAPDirectoryConfiguration.self) { configuration, services in
        try LDAPDirectory(configuration: configuration, services: services, environment: ProcessInfo.processInfo.environment)
    }

    private let pool: LDAPConnectionPool
    private let base: String
    private let filters: (subject: LDAPFilter, loginHint: LDAPFilter, email: LDAPFilter?, phoneNumber: LDAPFilter?)
    private let attributes: LDAPDirectoryConfiguration.Attributes
    private let requested: [String]
    private let logger: Logger

    /// Checks the configuration (a missing password, a plain connection off loopback, a filter without its
    /// placeholder fail here, at start-up); connects on first use.
    public init(configuration: LDAPDirectoryConfiguration, services: DirectoryServices, environment: [String: String]) throws(ConfigurationError) {
        guard let url = URL(string: configuration.url), let scheme = url.scheme?.lowercased(), ["ldap", "ldaps"].contains(scheme), let host = url.host else {
            throw ConfigurationError(path: "url", reason: "must be ldap://host:port or ldaps://host:port")
        }
        let startTLS = configuration.startTls ?? false
        if scheme == "ldap", !startTLS, !Self.isLoopback(host) {
            throw ConfigurationError(path: "url", reason: "plain ldap:// is allowed to a loopback server only: use ldaps:// or start_tls: true")
        }
        if let caFile = configuration.caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ConfigurationError(path: "ca_file", reason: "cannot be read")
        }
        var password: String?
        if let file = configuration.bindPasswordFile {
            guard let contents = FileManager.default.contents(atPath: file), let text = String(data: contents, encoding: .utf8) else {
                throw ConfigurationError(path: "bind_password_file", reason: "cannot be read")
            }
            password = text.trimmingCharacters(in: .newlines)
        } else if let variable = configuration.bindPasswordEnv {
            guard let value = environment[variable], !value.isEmpty else {
                throw ConfigurationError(path: "bind_password_env", reason: "the environment variable \(variable) is not set")
            }
            password = value
        }
        if configuration.bindDn != nil, password == nil {
            throw ConfigurationError(path: "bind_password_file", reason: "a bind_dn needs a password: bind_password_file or bind_password_env")
        }
        func filter(_ template: String?, _ path: String) throws(ConfigurationError) -> LDAPFilter? {
            guard let template else { return nil }
            guard let filter = LDAPFilter(template) else {
                throw ConfigurationError(path: "filters.\(path)", reason: "must be a parenthesised filter holding {hint}")
            }
            return filter
        }
        guard let subject = try filter(configuration.filters.subject, "subject"), let loginHint = try filter(configuration.filters.loginHint, "login_hint") else {
            throw ConfigurationError(path: "filters", reason: "subject and login_hint are required")
        }
        filters = (subject, loginHint, try filter(configuration.filters.email, "email"), try filter(configuration.filters.phoneNumber, "phone_number"))
        let connections = configuration.connections ?? 4
        guard (1...64).contains(connections) else { throw ConfigurationError(path: "connections", reason: "must be from 1 to 64") }
        let timeout = configuration.timeoutSeconds ?? 5
        guard (1...60).contains(timeout) else { throw ConfigurationError(path: "timeout_seconds", reason: "must be from 1 to 60") }
        attributes = configuration.attributes
        var names = [attributes.subject] + (attributes.loginHints ?? []) + [attributes.email, attributes.phoneNumber].compactMap { $0 }
        names += (attributes.claims ?? [:]).values.sorted()
        requested = names.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        base = configuration.searchBase
        logger = services.logger
        pool = LDAPConnectionPool(
            settings: LDAPConnection.Settings(
                url: configuration.url, startTLS: startTLS, caFile: configuration.caFile, bindDN: configuration.bindDn, bindPassword: password,
                timeout: timeout),
            size: connections)
    }

    public func user(subject: String) async throws -> DirectoryUser? {
        try await find(filters.subject.filter(for: subject))
    }

    public func user(loginHint: String) async throws -> DirectoryUser? {
        let key = DirectoryIndexKey.normalized(loginHint)
        if key.contains("@"), let email = filters.email { return try await find(email.filter(for: key)) }
        if key.hasPrefix("+"), DirectoryIndexKey.phoneNumber(key) != nil, let phone = filters.phoneNumber { return try await find(phone.filter(for: key)) }
        return try await find(filters.loginHint.filter(for: loginHint))
    }

    public func readiness() async -> PluginReadiness {
        do throws(LDAPDirectoryError) {
            _ = try await pool.withConnection { [base] connection throws(LDAPDirectoryError) in
                try connection.search(base: base, filter: "(objectClass=*)", attributes: ["1.1"]).count
            }
            return .ready
        } catch where error.code == .ambiguous {
            return .ready  // the base holds entries: the server answers
        } catch {
            return .notReady("\(error)")
        }
    }

    public func close() async {
        await pool.close()
    }

    private func find(_ filter: String) async throws -> DirectoryUser? {
        let (base, requested) = (self.base, self.requested)
        let entries = try await pool.withConnection { connection throws(LDAPDirectoryError) in
            try connection.search(base: base, filter: filter, attributes: requested)
        }
        guard let entry = entries.first else { return nil }
        guard entries.count == 1 else {
            throw LDAPDirectoryError(code: .ambiguous, description: "more than one entry matches")
        }
        return try user(from: entry)
    }

    /// The directory user of an entry. An entry without the subject attribute is an error, not "no user": the
    /// user exists, and the attribute map (or the entry) is wrong. Untyped `throws`: with `throws(LDAPDirectoryError)`
    /// here, Swift 6.3's optimiser crashes splitting the async `find` that calls it (a release build fails).
    private func user(from entry: LDAPConnection.Entry) throws -> DirectoryUser {
        func first(_ name: String?) -> String? { name.flatMap { entry.attributes[$0]?.first } }
        guard let subject = first(attributes.subject), !subject.isEmpty else {
            throw LDAPDirectoryError(code: .noSubject, description: "an entry matched but has no \(attributes.subject) attribute (attributes.subject)")
        }
        var hints: [String] = []
        for name in attributes.loginHints ?? [] {
            for value in entry.attributes[name] ?? [] where !hints.contains(value) && value != subject { hints.append(value) }
        }
        var claims: [String: JSONValue] = [:]
        for (claim, name) in attributes.claims ?? [:] {
            if let value = first(name) { claims[claim] = .string(value) }
        }
        return DirectoryUser(
            subject: subject, loginHints: hints, phoneNumber: first(attributes.phoneNumber).flatMap(DirectoryIndexKey.phoneNumber),
            email: first(attributes.email), attributes: claims)
    }

    private static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
