/// Describes a directory plugin: where users live (a database, LDAP, a SCIM service) and how to make a
/// ``UserDirectory`` that reads them.
///
/// Registered in the same ``PluginRegistry`` as authenticators, by a host or a binary plugin
/// (``BackchannelPluginLibrary/directories``); the configuration selects one or several by registry name
/// (`directory:`), and every authenticator then reads users through them
/// (``BackchannelHostServices/userDirectory``). Added in 1.2.
public struct DirectoryPluginDescriptor: Sendable {
    /// The name this descriptor is registered under, such as `"ldap"`; configuration files name it.
    public let registryName: String
    /// The plugin API version the plugin was compiled against.
    public let apiVersion: PluginAPIVersion
    let makeDirectory: @Sendable (JSONValue, DirectoryServices) throws -> any UserDirectory

    /// Creates a descriptor.
    /// - Parameters:
    ///   - registryName: The name it is registered under.
    ///   - apiVersion: The plugin API version it was compiled against; leave the default.
    ///   - configuration: The type its configuration decodes into (snake_case keys in the file).
    ///   - makeDirectory: Makes the directory from its decoded configuration and the host's services. Check
    ///     what can be checked without the network here (a malformed filter template, a missing secret), so a
    ///     mistake fails at start-up; a directory out of reach is a readiness matter (``ReadinessReporting``).
    public init<Configuration: Decodable & Sendable>(
        registryName: String,
        apiVersion: PluginAPIVersion = .current,
        configuration: Configuration.Type,
        makeDirectory: @escaping @Sendable (Configuration, DirectoryServices) throws -> any UserDirectory
    ) {
        self.registryName = registryName
        self.apiVersion = apiVersion
        self.makeDirectory = { value, services in
            try makeDirectory(try value.decode(as: Configuration.self), services)
        }
    }
}
