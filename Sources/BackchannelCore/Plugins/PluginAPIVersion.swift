/// The version of the plugin API, `BackchannelCore`'s public surface.
///
/// A descriptor records the version its plugin was compiled against (``current`` is inlined into the
/// plugin), and a registry refuses a plugin of another major version: within one major version the
/// API only grows.
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

    /// The version of this `BackchannelCore`: 1.6 (1.1 added ``BackchannelAuthenticationHandler/readiness()``,
    /// with a default; 1.2 added ``BackchannelHostServices/deliveries``; 1.3 added
    /// ``BackchannelAuthenticationHandler/cancelAuthenticationRequests(_:)`` and
    /// ``PluginStateStore/delete(namespace:keys:)``, both with defaults; 1.4 added ``BackchannelPluginLibrary``,
    /// ``DeviceEnrollmentIssuer`` and ``Base64URL``; 1.5 added ``PluginStateSlot/loadRecord(_:)``,
    /// ``PluginStateSlot/update(_:from:_:)`` and the `from:` of ``PluginStateSlot/conclude(_:with:reportingTo:leavingGroup:from:change:)``;
    /// 1.6 added ``BackgroundWork/closeAtShutdown(_:_:)`` and ``BackgroundWork/close()``).
    @inlinable
    public static var current: PluginAPIVersion { PluginAPIVersion(major: 1, minor: 6) }

    public var description: String { "\(major).\(minor)" }
}
