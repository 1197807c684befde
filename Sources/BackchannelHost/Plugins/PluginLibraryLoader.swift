import BackchannelCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Loads binary authenticator plugins (`plugins_dir`): every shared library in the directory, in name
/// order, is opened, handshaken through its ``BackchannelPluginLibrary/entryPointName`` and its descriptors
/// registered by name, after the plugins this binary links. Each refusal names the file.
///
/// A library is never closed: its code backs the handlers for the life of the process. Plugins run in this
/// process with its privileges, so they are loaded only from the directory the configuration names; the
/// directory and each library must belong to the server's user or root, be writable by nobody else, and
/// not be symbolic links. A library's constructors run when it is loaded, before the handshake: these
/// checks are what stand before that.
public enum PluginLibraryLoader {
    /// The dynamic library every plugin links for the plugin API. The host loads it before the plugins, from
    /// beside its executable, so each plugin's dependency on it is met by the one already loaded; the code
    /// plugins call is the host's own (it exports its symbols), so types are the same on both sides.
    public static let apiLibraryName = "libBackchannelPluginAPI.so"

    /// What was loaded from one library.
    public struct LoadedLibrary: Sendable {
        /// The file.
        public let path: String
        /// Its back-channel registry names.
        public let backChannels: [String]
        /// Its directory registry names.
        public let directories: [String]
        /// The plugin API version it was built against.
        public let apiVersion: PluginAPIVersion
    }

    /// Loads every library in `directory` into `registry`.
    /// - Returns: What each library registered, in load order.
    /// - Throws: ``PluginLoadError`` naming the file (or the directory) at fault.
    public static func load(directory: String, into registry: inout PluginRegistry) throws(PluginLoadError) -> [LoadedLibrary] {
        try checkDirectory(directory)
        let suffix = ".so"
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(suffix) }.sorted()
        } catch {
            throw PluginLoadError(path: directory, reason: "cannot be listed")
        }
        guard !names.isEmpty else { return [] }
        try loadAPILibrary()
        var loaded: [LoadedLibrary] = []
        var owners: [String: String] = [:]  // back-channel registry name → file, for link errors
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            let (library, built) = try open(path)
            do {
                for descriptor in library.frontChannels { try registry.register(descriptor) }
                for descriptor in library.backChannels { try registry.register(descriptor) }
                for descriptor in library.directories { try registry.register(descriptor) }
            } catch {
                throw PluginLoadError(path: path, reason: error.description)
            }
            for descriptor in library.backChannels { owners[descriptor.registryName] = path }
            loaded.append(
                LoadedLibrary(
                    path: path, backChannels: library.backChannels.map(\.registryName), directories: library.directories.map(\.registryName),
                    apiVersion: built))
        }
        do {
            try registry.validateLinks()
        } catch {
            throw PluginLoadError(path: owners[error.plugin] ?? directory, reason: error.description)
        }
        return loaded
    }

    /// The directory must exist, be a directory itself (not a symbolic link), belong to this server's user or
    /// root, and be writable by nobody else.
    private static func checkDirectory(_ directory: String) throws(PluginLoadError) {
        var status = stat()
        guard lstat(directory, &status) == 0 else { throw PluginLoadError(path: directory, reason: "does not exist") }
        guard status.st_mode & S_IFMT != S_IFLNK else {
            throw PluginLoadError(path: directory, reason: "is a symbolic link: name the directory itself, so what is loaded is what was checked")
        }
        guard status.st_mode & S_IFMT == S_IFDIR else { throw PluginLoadError(path: directory, reason: "is not a directory") }
        try checkOwnership(status, path: directory)
    }

    /// Plugins run with the server's privileges: what they are loaded from belongs to its user or root, and
    /// nobody else (group or anyone) may write to it.
    private static func checkOwnership(_ status: stat, path: String) throws(PluginLoadError) {
        guard status.st_mode & S_IWOTH == 0 else {
            throw PluginLoadError(path: path, reason: "is writable by anyone: plugins run with the server's privileges, so it must not be")
        }
        guard status.st_mode & S_IWGRP == 0 else {
            throw PluginLoadError(path: path, reason: "is writable by its group: plugins run with the server's privileges, so only its owner may write to it")
        }
        guard status.st_uid == geteuid() || status.st_uid == 0 else {
            throw PluginLoadError(
                path: path, reason: "belongs to another user (uid \(status.st_uid)): it must belong to the server's user (uid \(geteuid())) or root")
        }
    }

    /// Opens one library and takes its descriptors, after the handshake. The file is opened once, without
    /// following a symbolic link, checked through that descriptor, and the library is loaded from that same
    /// descriptor: what runs is what was checked, even if the name is changed in between.
    /// Opens a library and shakes hands. - Returns: its descriptors, and the API version it reported it was built
    ///   against (the handshake's, emitted into the plugin: a descriptor's default `apiVersion` is evaluated in
    ///   this server's library, as default arguments of a resilient module are).
    private static func open(_ path: String) throws(PluginLoadError) -> (BackchannelPluginLibrary, PluginAPIVersion) {
        let descriptor = openFile(path)
        guard descriptor >= 0 else {
            if errno == ELOOP {
                throw PluginLoadError(path: path, reason: "is a symbolic link: put the library itself in the plugins directory")
            }
            throw PluginLoadError(path: path, reason: "cannot be read")
        }
        // Left open once loaded, like the library itself: the dynamic loader knows a library by the name it was
        // opened under, so a later library must not come in under a descriptor number used before.
        var loaded = false
        defer { if !loaded { close(descriptor) } }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw PluginLoadError(path: path, reason: "is not a regular file")
        }
        try checkOwnership(status, path: path)
        guard let handle = dlopen("/proc/self/fd/\(descriptor)", RTLD_NOW | RTLD_LOCAL) else {
            throw PluginLoadError(path: path, reason: "is not a shared library this server can load (\(lastError()))")
        }
        loaded = true
        guard let symbol = dlsym(handle, BackchannelPluginLibrary.entryPointName) else {
            throw PluginLoadError(
                path: path, reason: "has no entry point \(BackchannelPluginLibrary.entryPointName): it is not a Backchannel plugin")
        }
        let entry = unsafeBitCast(symbol, to: BackchannelPluginLibrary.EntryPoint.self)
        let host = PluginAPIVersion.current
        let hostToolchain = BackchannelPluginLibrary.toolchain
        var pluginVersion: UInt32 = 0
        var pluginToolchain: UnsafePointer<CChar>?
        // A string literal's StaticString is null-terminated.
        let hostToolchainText = UnsafeRawPointer(hostToolchain.utf8Start).assumingMemoryBound(to: CChar.self)
        let registration = entry(BackchannelPluginLibrary.encoded(host), hostToolchainText, &pluginVersion, &pluginToolchain)
        let built = BackchannelPluginLibrary.decoded(pluginVersion)
        guard built.runs(on: host) else {
            let which = built.major == host.major ? "a newer minor version" : "another major version"
            throw PluginLoadError(
                path: path,
                reason: "was built against plugin API \(built), this server has \(host) (\(which)); rebuild it against this release's BackchannelPluginAPI")
        }
        let toolchain = pluginToolchain.map { String(cString: $0) } ?? "an unknown compiler"
        guard toolchain == hostToolchain.description else {
            throw PluginLoadError(
                path: path, reason: "was built with \(toolchain), this server with \(hostToolchain): Swift has no stable ABI on Linux; rebuild it with \(hostToolchain)")
        }
        guard let registration, let library = Unmanaged<AnyObject>.fromOpaque(registration).takeRetainedValue() as? BackchannelPluginLibrary else {
            throw PluginLoadError(
                path: path,
                reason: "did not hand over its descriptors (it must link BackchannelPluginAPI dynamically, not BackchannelCore statically)")
        }
        return (library, built)
    }

    /// Loads the plugin API library from beside the executable (by name, through its run path).
    private static func loadAPILibrary() throws(PluginLoadError) {
        guard dlopen(apiLibraryName, RTLD_NOW | RTLD_LOCAL) != nil else {
            let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
            throw PluginLoadError(
                path: apiLibraryName,
                reason: "is needed beside this server (\(directory)) to load plugins; `swift build` builds it (\(lastError()))")
        }
    }

    /// `open(2)` for reading, refusing a symbolic link (`ELOOP`).
    private static func openFile(_ path: String) -> Int32 {
        #if canImport(Glibc)
            Glibc.open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        #else
            Darwin.open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        #endif
    }

    private static func lastError() -> String {
        dlerror().map { String(cString: $0) } ?? "unknown error"
    }
}
