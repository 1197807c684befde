/// What a binary plugin hands the host: the descriptors of a shared library that the stock `backchanneld`
/// loads from its `plugins_dir`, then registers by name like its built-ins.
///
/// A plugin library links the plugin API as the dynamic library product `BackchannelPluginAPI` (never
/// statically: a type linked into both sides exists twice, and casts across fail) and exports one C
/// function, ``entryPointName`` (`backchannel_plugin_entry_v1`, one name per major version), of type
/// ``EntryPoint``, whose body is one call to ``export(hostVersion:hostToolchain:pluginVersion:pluginToolchain:_:)``:
///
/// ```swift
/// @_cdecl("backchannel_plugin_entry_v1")
/// public func backchannelPluginEntry(
///     _ hostVersion: UInt32, _ hostToolchain: UnsafePointer<CChar>,
///     _ pluginVersion: UnsafeMutablePointer<UInt32>, _ pluginToolchain: UnsafeMutablePointer<UnsafePointer<CChar>?>
/// ) -> UnsafeMutableRawPointer? {
///     BackchannelPluginLibrary.export(
///         hostVersion: hostVersion, hostToolchain: hostToolchain, pluginVersion: pluginVersion, pluginToolchain: pluginToolchain
///     ) {
///         BackchannelPluginLibrary(backChannels: [MyAuthenticator.descriptor], frontChannels: [MyAuthenticator.pageDescriptor])
///     }
/// }
/// ```
///
/// The handshake uses C types only, so a library the server cannot run is refused before any Swift value
/// crosses: the plugin writes the version and toolchain it was compiled with, and makes its descriptors only
/// when the server can run it. The plugin API is built with library evolution, so a plugin built against 1.x
/// runs on a server of any 1.y with y ≥ x (``PluginAPIVersion/runs(on:)``); Swift on Linux has no stable ABI
/// across compiler versions, so the compiler must be the server's.
public final class BackchannelPluginLibrary: Sendable {
    /// The back-channel descriptors, each registered under its registry name.
    public let backChannels: [BackChannelPluginDescriptor]
    /// The front-channel descriptors the back-channel ones link to.
    public let frontChannels: [FrontChannelPluginDescriptor]

    /// The directory descriptors. Added in 1.2.
    public let directories: [DirectoryPluginDescriptor]

    /// A library's descriptors.
    public init(backChannels: [BackChannelPluginDescriptor], frontChannels: [FrontChannelPluginDescriptor] = []) {
        self.backChannels = backChannels
        self.frontChannels = frontChannels
        self.directories = []
    }

    /// A library's descriptors, directories among them. Added in 1.2.
    public init(backChannels: [BackChannelPluginDescriptor], frontChannels: [FrontChannelPluginDescriptor] = [], directories: [DirectoryPluginDescriptor]) {
        self.backChannels = backChannels
        self.frontChannels = frontChannels
        self.directories = directories
    }

    /// The C symbol every plugin library exports.
    public static let entryPointName = "backchannel_plugin_entry_v1"

    /// The type of the entry point: the host's API version (``encoded(_:)``) and toolchain in; the plugin's
    /// written to the two pointers; a retained `BackchannelPluginLibrary` (opaque) out when they match, else nil.
    public typealias EntryPoint = @convention(c) (
        UInt32, UnsafePointer<CChar>, UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<UnsafePointer<CChar>?>
    ) -> UnsafeMutableRawPointer?

    /// A version as the handshake carries it: the major version in the high 16 bits, the minor in the low.
    @inlinable
    public static func encoded(_ version: PluginAPIVersion) -> UInt32 {
        UInt32(truncatingIfNeeded: version.major) << 16 | UInt32(truncatingIfNeeded: version.minor) & 0xFFFF
    }

    /// The version the handshake carries, decoded.
    @inlinable
    public static func decoded(_ version: UInt32) -> PluginAPIVersion {
        PluginAPIVersion(major: Int(version >> 16), minor: Int(version & 0xFFFF))
    }

    /// The Swift compiler this code was compiled with. Emitted into the caller, so the plugin's entry point
    /// reports its compiler and the host its own.
    @_alwaysEmitIntoClient
    public static var toolchain: StaticString {
        #if compiler(>=6.4)
            "Swift 6.4 or later"
        #elseif compiler(>=6.3.2)
            "Swift 6.3.2 or later 6.3"
        #elseif compiler(>=6.3.1)
            "Swift 6.3.1"
        #elseif compiler(>=6.3)
            "Swift 6.3.0"
        #elseif compiler(>=6.2)
            "Swift 6.2"
        #else
            "Swift 6.1 or earlier"
        #endif
    }

    /// The body of a plugin's entry point: reports the API version and toolchain the plugin was compiled with,
    /// and, only when the host can run it (its API version ``PluginAPIVersion/runs(on:)`` the host's, the same
    /// compiler), makes the library and hands it over retained. Emitted into the plugin, so what it reports is
    /// the plugin's own.
    @_alwaysEmitIntoClient
    public static func export(
        hostVersion: UInt32, hostToolchain: UnsafePointer<CChar>, pluginVersion: UnsafeMutablePointer<UInt32>,
        pluginToolchain: UnsafeMutablePointer<UnsafePointer<CChar>?>, _ make: () -> BackchannelPluginLibrary
    ) -> UnsafeMutableRawPointer? {
        let version = encoded(PluginAPIVersion.current)
        // A string literal's StaticString is null-terminated.
        let toolchain = UnsafeRawPointer(Self.toolchain.utf8Start).assumingMemoryBound(to: CChar.self)
        pluginVersion.pointee = version
        pluginToolchain.pointee = toolchain
        guard PluginAPIVersion.current.runs(on: decoded(hostVersion)), String(cString: toolchain) == String(cString: hostToolchain) else {
            return nil
        }
        return Unmanaged.passRetained(make()).toOpaque()
    }
}
