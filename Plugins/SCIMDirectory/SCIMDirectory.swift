import BackchannelCore
import BackchannelSCIM
import Foundation

/// The `scim` directory: users of a SCIM 2.0 service (RFC 7643/7644), found by one request per lookup through
/// the host's HTTP client.
///
/// A subject is the resource's `id` (`GET /Users/{id}`); a login hint is searched as `emails.value` when it is
/// an e-mail address, `phoneNumbers.value` (E.164) when a phone number, `userName` otherwise, each with the
/// value quoted and escaped (``SCIMFilter``). A search that matches two users is an error, never a guess; an
/// inactive user is no user.
public struct SCIMDirectory: UserDirectory, ReadinessReporting {
    /// Registered as `scim`.
    public static let descriptor = DirectoryPluginDescriptor(registryName: "scim", configuration: SCIMDirectoryConfiguration.self) { configuration, services in
        try SCIMDirectory(configuration: configuration, services: services, environment: ProcessInfo.processInfo.environment)
    }

    /// Why the service could not answer.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What happened, without the token or the searched value.
        public let description: String
    }

    private let users: URL
    private let token: String
    private let timeout: Duration
    private let http: any OutboundHTTPClient

    /// Checks the configuration (the URL, the token, the CA file), failing at start-up naming the field.
    public init(configuration: SCIMDirectoryConfiguration, services: DirectoryServices, environment: [String: String]) throws(ConfigurationError) {
        guard let base = URL(string: configuration.baseUrl), let scheme = base.scheme?.lowercased(), let host = base.host,
            scheme == "https" || (scheme == "http" && (host == "localhost" || host.hasPrefix("127.") || host == "::1"))
        else {
            throw ConfigurationError(path: "base_url", reason: "must be an https:// URL (http:// only to a loopback service)")
        }
        users = base.appendingPathComponent("Users")
        if let file = configuration.bearerTokenFile {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw ConfigurationError(path: "bearer_token_file", reason: "cannot be read")
            }
            token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else if let variable = configuration.bearerTokenEnv, let value = environment[variable], !value.isEmpty {
            token = value
        } else {
            throw ConfigurationError(path: "bearer_token_file", reason: "a bearer token is required: bearer_token_file or bearer_token_env")
        }
        guard !token.isEmpty, !token.contains(where: \.isNewline) else { throw ConfigurationError(path: "bearer_token_file", reason: "the token is empty or has line breaks") }
        let seconds = configuration.timeoutSeconds ?? 5
        guard (1...60).contains(seconds) else { throw ConfigurationError(path: "timeout_seconds", reason: "must be from 1 to 60") }
        timeout = .seconds(seconds)
        if let caFile = configuration.caFile {
            do {
                http = try services.http.trusting(certificatesInPEMFile: caFile)
            } catch {
                throw ConfigurationError(path: "ca_file", reason: "\(error)")
            }
        } else {
            http = services.http
        }
    }

    public func user(subject: String) async throws -> DirectoryUser? {
        // One path segment: a subject with a slash or a dot-segment cannot reach another resource.
        guard !subject.isEmpty, subject != ".", subject != "..", !subject.contains("/"),
            let escaped = subject.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
        else { return nil }
        let response = try await get(users.absoluteString + "/" + escaped)
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw Failure(description: "GET /Users/{id} answered \(response.status)") }
        let resource: SCIMUser
        do {
            resource = try JSONDecoder().decode(SCIMUser.self, from: Data(response.body))
        } catch {
            throw Failure(description: "GET /Users/{id} answered what is not a SCIM User")
        }
        guard resource.id == subject else { throw Failure(description: "GET /Users/{id} answered another user") }
        return try? resource.directoryUser().get()
    }

    public func user(loginHint: String) async throws -> DirectoryUser? {
        let key = DirectoryIndexKey.normalized(loginHint)
        let filter =
            if key.contains("@") {
                SCIMFilter.equals("emails.value", key)
            } else if key.hasPrefix("+"), DirectoryIndexKey.phoneNumber(key) != nil {
                SCIMFilter.equals("phoneNumbers.value", key)
            } else {
                SCIMFilter.equals("userName", loginHint)
            }
        var components = URLComponents(url: users, resolvingAgainstBaseURL: false)
        components?.queryItems = [URLQueryItem(name: "filter", value: filter), URLQueryItem(name: "count", value: "2")]
        // `+` means a space in a query: a phone number's must stay a plus.
        guard let url = components?.url?.absoluteString.replacingOccurrences(of: "+", with: "%2B") else { return nil }
        let response = try await get(url)
        guard response.status == 200 else { throw Failure(description: "GET /Users?filter= answered \(response.status)") }
        let list: SCIMListResponse
        do {
            list = try JSONDecoder().decode(SCIMListResponse.self, from: Data(response.body))
        } catch {
            throw Failure(description: "GET /Users?filter= answered what is not a SCIM ListResponse")
        }
        guard list.totalResults <= 1, list.resources.count <= 1 else { throw Failure(description: "more than one user matches") }
        return try list.resources.first.flatMap { try? $0.directoryUser().get() }
    }

    public func readiness() async -> PluginReadiness {
        var components = URLComponents(url: users, resolvingAgainstBaseURL: false)
        components?.queryItems = [URLQueryItem(name: "count", value: "0")]
        do {
            let response = try await get(components?.url?.absoluteString ?? users.absoluteString)
            return response.status == 200 ? .ready : .notReady("GET /Users answered \(response.status)")
        } catch {
            return .notReady("\(error)")
        }
    }

    private func get(_ url: String) async throws -> OutboundHTTPResponse {
        guard let url = URL(string: url) else { throw Failure(description: "the URL cannot be made") }
        var headers = HTTPHeaderFields()
        headers.append(name: "Authorization", value: "Bearer \(token)")
        headers.append(name: "Accept", value: "application/scim+json")
        do {
            return try await http.send(OutboundHTTPRequest(url: url, headers: headers, timeout: timeout), maxResponseBytes: 1 << 20)
        } catch {
            throw Failure(description: "the SCIM service could not be reached: \(error.code)")
        }
    }
}
