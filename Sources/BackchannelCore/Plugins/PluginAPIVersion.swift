/// The version of the plugin API, `BackchannelCore`'s public surface, under semantic versioning.
///
/// A descriptor records the version its plugin was compiled against (``current`` is inlined into the
/// plugin). Within one major version the API only grows, and every addition has a default: a plugin built
/// against 1.x works with a server of any 1.y with y ≥ x. A registry refuses a plugin of another major
/// version, and a binary plugin of a newer minor version than the server's (it may use what the server
/// lacks).
public struct PluginAPIVersion: Sendable, Hashable, CustomStringConvertible {
    /// Incompatible changes.
    public var major: Int
    /// Compatible additions.
    public var minor: Int

    /// A version.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// The version of this `BackchannelCore`: 1.5. `CHANGELOG.md` lists what each version added.
    ///
    /// Emitted into the caller (never a call into the server's library, even unoptimised), so a plugin's
    /// descriptors and handshake report the version the plugin was compiled against.
    @_alwaysEmitIntoClient
    public static var current: PluginAPIVersion { PluginAPIVersion(major: 1, minor: 5) }

    /// Whether a plugin built against this version works with a server of version `host`: the same major
    /// version, and a minor version not newer than the server's.
    @_alwaysEmitIntoClient
    public func runs(on host: PluginAPIVersion) -> Bool {
        major == host.major && minor <= host.minor
    }

    public var description: String { "\(major).\(minor)" }
}
