import BackchannelCore
import Foundation
import Testing

/// Whether `swift build` built the plugin API library the server loads plugins with.
private let pluginAPILibraryIsBuilt = FileManager.default.fileExists(atPath: BackchanneldProcess.builtExecutable("libBackchannelPluginAPI.so").path)

/// The stock `backchanneld` loads an authenticator it was not built with from `plugins_dir`:
/// `Examples/ConsoleCodePlugin`, built here with SwiftPM as its README says, and libraries made to be refused.
@Suite("binary plugins in the stock backchanneld", .serialized, .timeLimit(.minutes(10)),
    .enabled(if: BackchanneldProcess.isBuilt && pluginAPILibraryIsBuilt, "skipped: backchanneld or libBackchannelPluginAPI.so is not built beside the tests"))
struct BinaryPluginTests {
    /// Where this test process keeps what it makes: the libraries built with swiftc, the servers' data and logs.
    static let workspace: URL = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("binary-plugins-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }()

    /// Where the example plugin's SwiftPM builds go: inside the repository's own `.build` (ignored by git, gone
    /// with it) and shared by every run, since a scratch directory per run left the better part of a gigabyte
    /// in the temporary directory each time.
    static let scratchRoot = ConsoleCodeFlow.repository.appendingPathComponent(".build/binary-plugin-tests")

    /// The example plugin, built once: `swift build --package-path Examples/ConsoleCodePlugin`.
    static let examplePlugin = Task<URL, any Error> {
        let scratch = scratchRoot.appendingPathComponent("scratch")
        // SwiftPM's incremental build of the path dependency misses a file added to the plugin API since the last
        // build (seen: "cannot find type" for the new file's type): a changed set of files starts afresh.
        let core = ConsoleCodeFlow.repository.appendingPathComponent("Sources/BackchannelCore").path
        let files = ((try? FileManager.default.subpathsOfDirectory(atPath: core)) ?? []).sorted().joined(separator: "\n")
        let record = scratchRoot.appendingPathComponent("scratch-core-files.txt")
        if (try? String(contentsOf: record, encoding: .utf8)) != files {
            try? FileManager.default.removeItem(at: scratch)
            try? FileManager.default.createDirectory(at: scratchRoot, withIntermediateDirectories: true)
            try? files.write(to: record, atomically: true, encoding: .utf8)
        }
        let build = {
            try await ChildProcess.run(
                URL(fileURLWithPath: "/usr/bin/env"),
                // One job: the rest of the suite runs beside this build on the same 2 cores.
                [
                    "swift", "build", "--jobs", "1", "--package-path", ConsoleCodeFlow.repository.appendingPathComponent("Examples/ConsoleCodePlugin").path,
                    "--scratch-path", scratch.path,
                ])
        }
        var (status, output) = try await build()
        if status != 0 {
            // The same set of files can still leave SwiftPM's incremental state behind (seen after a `git stash`
            // and back): a failed build is tried once more from nothing before it counts.
            try? FileManager.default.removeItem(at: scratch)
            (status, output) = try await build()
        }
        guard status == 0 else { throw BuildFailure(output: output) }
        return scratch.appendingPathComponent("debug/libConsoleCodePlugin.so")
    }

    /// The commit recorded as plugin API 1.0 (`.ci/plugin-api-1.0.commit`).
    static var oneZeroCommit: String {
        get throws {
            try String(contentsOf: ConsoleCodeFlow.repository.appendingPathComponent(".ci/plugin-api-1.0.commit"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// The example plugin as it was at the 1.0 commit, built against the plugin API of that commit: a git
    /// worktree of it, the example's package built inside it (its `path: "../.."` dependency is that tree).
    static let oneZeroPlugin = Task<URL, any Error> {
        // A fixed place, so the shared scratch directory builds the same package path each run; what a run that
        // stopped half-way left there goes first.
        let tree = scratchRoot.appendingPathComponent("api-1.0")
        _ = try? await ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/env"), ["git", "-C", ConsoleCodeFlow.repository.path, "worktree", "remove", "--force", tree.path])
        try? FileManager.default.removeItem(at: tree)
        _ = try? await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), ["git", "-C", ConsoleCodeFlow.repository.path, "worktree", "prune"])
        let git = try await ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["git", "-C", ConsoleCodeFlow.repository.path, "worktree", "add", "--detach", "--force", tree.path, try oneZeroCommit])
        guard git.status == 0 else { throw BuildFailure(output: git.output) }
        let scratch = scratchRoot.appendingPathComponent("scratch-1.0")
        let (status, output) = try await ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["swift", "build", "--jobs", "1", "--package-path", tree.appendingPathComponent("Examples/ConsoleCodePlugin").path, "--scratch-path", scratch.path])
        // The worktree is removed once built: only the library is needed.
        _ = try? await ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/env"), ["git", "-C", ConsoleCodeFlow.repository.path, "worktree", "remove", "--force", tree.path])
        guard status == 0 else { throw BuildFailure(output: output) }
        return scratch.appendingPathComponent("debug/libConsoleCodePlugin.so")
    }

    struct BuildFailure: Error, CustomStringConvertible {
        var output: String
        var description: String { "the build failed:\n\(output)" }
    }

    /// A plugins directory holding `libraries` (file name → source file), as an operator would make it.
    private static func pluginsDirectory(_ libraries: [(String, URL)], mode: Int = 0o755) throws -> URL {
        let directory = workspace.appendingPathComponent("plugins-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, source) in libraries { try FileManager.default.copyItem(at: source, to: directory.appendingPathComponent(name)) }
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: directory.path)
        return directory
    }

    /// A shared library compiled from `source` with swiftc, with extra arguments.
    private static func library(_ name: String, _ source: String, arguments: [String] = []) async throws -> URL {
        let file = workspace.appendingPathComponent("\(name).swift")
        try source.write(to: file, atomically: true, encoding: .utf8)
        let output = workspace.appendingPathComponent("lib\(name).so")
        let (status, text) = try await ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/env"), ["swiftc", "-emit-library", "-module-name", name, file.path, "-o", output.path] + arguments)
        guard status == 0 else { throw BuildFailure(output: text) }
        return output
    }

    /// A library whose handshake reports `version` (major << 16 | minor) and `toolchain`, as one built against
    /// that API version or with that compiler does; it hands over nothing.
    private static func handshakeOnly(_ name: String, version: String, toolchain: String) async throws -> URL {
        try await library(
            name,
            """
            @_cdecl("backchannel_plugin_entry_v1")
            public func entry(
                _ hostVersion: UInt32, _ hostToolchain: UnsafePointer<CChar>,
                _ pluginVersion: UnsafeMutablePointer<UInt32>, _ pluginToolchain: UnsafeMutablePointer<UnsafePointer<CChar>?>
            ) -> UnsafeMutableRawPointer? {
                pluginVersion.pointee = \(version)
                pluginToolchain.pointee = UnsafeRawPointer(("\(toolchain)" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
                return nil
            }
            """)
    }

    /// Starts the stock server with `--plugins-dir` on an address it cannot bind, so that it stops either at the
    /// plugins or at the listen check. - Returns: its exit status and what it printed.
    private static func refusal(_ directory: URL) async throws -> (status: Int32, output: String) {
        try await ChildProcess.run(
            BackchanneldProcess.executable,
            [
                "--config", ConsoleCodeFlow.configuration.path, "--plugins-dir", directory.path, "--host", "203.0.113.1", "--data-dir",
                workspace.appendingPathComponent("data").path,
            ])
    }

    /// Starts the stock server with `plugin` in its plugins directory and runs the console-code flow through it.
    /// - Returns: the token response and the server's log.
    private static func flow(
        through plugin: URL, named name: String, configuration: URL = ConsoleCodeFlow.configuration
    ) async throws -> (tokens: HTTPPeer.Answer, log: String) {
        let directory = try pluginsDirectory([("libConsoleCodePlugin.so", plugin)])
        let log = workspace.appendingPathComponent("\(name)-log")
        let node = try await BackchanneldProcess(
            arguments: [
                "--config", configuration.path, "--plugins-dir", directory.path, "--data-dir",
                workspace.appendingPathComponent("\(name)-data").path,
            ], log: log, logLevel: "notice")
        defer { node.stop() }
        let tokens = try await ConsoleCodeFlow.run(node, log: log)
        return (tokens, try String(contentsOf: log, encoding: .utf8))
    }

    @Test("the stock backchanneld serves a flow through console-code, a plugin it was not built with, loaded from plugins_dir")
    func flowThroughBinaryPlugin() async throws {
        let (tokens, log) = try await Self.flow(through: try await Self.examplePlugin.value, named: "flow")
        #expect(tokens.status == 200, "\(tokens.text)")
        #expect(tokens.json["id_token"] != nil)
        #expect(log.contains("loaded a binary plugin"))
    }

    @Test("a directory a binary plugin ships (csv) finds the users of a flow through the stock backchanneld")
    func directoryFromBinaryPlugin() async throws {
        let users = Self.workspace.appendingPathComponent("users-\(UUID().uuidString).csv")
        try "alice,alice@example.com\n".write(to: users, atomically: true, encoding: .utf8)
        let configuration = try ConsoleCodeFlow.configuration(withCSVDirectory: users, in: Self.workspace)
        let (tokens, log) = try await Self.flow(through: try await Self.examplePlugin.value, named: "directory", configuration: configuration)
        #expect(tokens.status == 200, "\(tokens.text)")
        #expect(log.contains("directories=csv") || log.contains(#""directories":"csv""#) || log.contains("directories: csv"), "\(log)")
    }

    @Test("a plugin built against plugin API 1.0, from the recorded commit, loads into this server of a later minor version and serves a flow")
    func olderMinorVersion() async throws {
        let (tokens, log) = try await Self.flow(through: try await Self.oneZeroPlugin.value, named: "flow-1.0")
        #expect(tokens.status == 200, "\(tokens.text)")
        #expect(tokens.json["id_token"] != nil)
        #expect(log.contains("loaded a binary plugin") && log.contains("plugin_api=1.0"), "\(log)")
        #expect(PluginAPIVersion.current.minor > 0, "the server is of a later minor version than the plugin")
    }

    @Test("a library built against another plugin API version is refused at start-up, naming the file and both versions")
    func otherAPIVersion() async throws {
        for (version, words) in [("\((PluginAPIVersion.current.major + 1) << 16)", "another major version"), ("\(BackchannelPluginLibrary.encoded(.current) + 1)", "a newer minor version")] {
            let library = try await Self.handshakeOnly("OtherVersion", version: version, toolchain: "\(BackchannelPluginLibrary.toolchain)")
            let (status, output) = try await Self.refusal(try Self.pluginsDirectory([("libother-version.so", library)]))
            #expect(status == 78)
            #expect(output.contains("libother-version.so was built against plugin API") && output.contains(words), "\(output)")
        }
    }

    @Test("a library built with another Swift compiler is refused at start-up, naming the file and both compilers")
    func otherToolchain() async throws {
        let library = try await Self.handshakeOnly("OtherToolchain", version: "\(BackchannelPluginLibrary.encoded(.current))", toolchain: "Swift 5.10")
        let (status, output) = try await Self.refusal(try Self.pluginsDirectory([("libother-toolchain.so", library)]))
        #expect(status == 78)
        #expect(output.contains("libother-toolchain.so was built with Swift 5.10"), "\(output)")
    }

    @Test("a file that is not a library, and a library without the entry point, are refused naming the file")
    func notAPlugin() async throws {
        let text = Self.workspace.appendingPathComponent("notes.txt")
        try "not a library".write(to: text, atomically: true, encoding: .utf8)
        var (status, output) = try await Self.refusal(try Self.pluginsDirectory([("libnotes.so", text)]))
        #expect(status == 78)
        #expect(output.contains("libnotes.so is not a shared library"), "\(output)")

        let plain = try await Self.library("Plain", "public func nothing() {}")
        (status, output) = try await Self.refusal(try Self.pluginsDirectory([("libplain.so", plain)]))
        #expect(status == 78)
        #expect(output.contains("libplain.so has no entry point backchannel_plugin_entry_v1"), "\(output)")
    }

    @Test("a registry name already taken is refused, naming the second file")
    func registryNameTaken() async throws {
        let plugin = try await Self.examplePlugin.value
        let (status, output) = try await Self.refusal(try Self.pluginsDirectory([("liba.so", plugin), ("libb.so", plugin)]))
        #expect(status == 78)
        #expect(output.contains("libb.so plugin 'console-code': registry_name is already registered"), "\(output)")
    }

    @Test("a back channel whose front channel no library provides is refused, naming its file")
    func danglingLink() async throws {
        let plugin = try await Self.examplePlugin.value
        let build = plugin.deletingLastPathComponent()
        let dangling = try await Self.library(
            "Dangling",
            """
            import BackchannelCore
            final class Nobody: BackchannelAuthenticationHandler {
                func startAuthentication(_ request: BackchannelAuthenticationRequest) async throws -> BackchannelStartAuthenticationResult { .failed(.unknownUserId) }
                func checkAuthenticationStatus(authReqId: AuthReqId) async throws -> BackchannelAuthenticationResult? { nil }
                func cancelAuthenticationRequest(authReqId: AuthReqId) async throws {}
            }
            @_cdecl("backchannel_plugin_entry_v1")
            public func entry(
                _ hostVersion: UInt32, _ hostToolchain: UnsafePointer<CChar>,
                _ pluginVersion: UnsafeMutablePointer<UInt32>, _ pluginToolchain: UnsafeMutablePointer<UnsafePointer<CChar>?>
            ) -> UnsafeMutableRawPointer? {
                BackchannelPluginLibrary.export(
                    hostVersion: hostVersion, hostToolchain: hostToolchain, pluginVersion: pluginVersion, pluginToolchain: pluginToolchain
                ) {
                    BackchannelPluginLibrary(backChannels: [
                        BackChannelPluginDescriptor(registryName: "dangling", configuration: NoConfiguration.self, frontChannelName: "nowhere") { _, _ in Nobody() }
                    ])
                }
            }
            """,
            arguments: ["-I", build.appendingPathComponent("Modules").path, "-L", build.path, "-lBackchannelPluginAPI"])
        let (status, output) = try await Self.refusal(try Self.pluginsDirectory([("libdangling.so", dangling)]))
        #expect(status == 78)
        #expect(output.contains("libdangling.so plugin 'dangling': front_channel 'nowhere' is not a registered front-channel plugin"), "\(output)")
    }

    @Test("a plugins directory, or a library in it, that anyone may write to is refused")
    func worldWritable() async throws {
        let plugin = try await Self.examplePlugin.value
        let (status, output) = try await Self.refusal(try Self.pluginsDirectory([("libConsoleCodePlugin.so", plugin)], mode: 0o777))
        #expect(status == 78)
        #expect(output.contains("is writable by anyone"), "\(output)")

        // A library anyone may write to, in a directory nobody else may, is refused too.
        let directory = try Self.pluginsDirectory([("libConsoleCodePlugin.so", plugin)])
        let library = directory.appendingPathComponent("libConsoleCodePlugin.so")
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: library.path)
        let (libraryStatus, libraryOutput) = try await Self.refusal(directory)
        #expect(libraryStatus == 78)
        #expect(libraryOutput.contains("libConsoleCodePlugin.so is writable by anyone"), "\(libraryOutput)")
    }

    @Test("a library or directory writable by its group, owned by another user, or reached through a symbolic link is refused")
    func ownershipAndLinks() async throws {
        let plugin = try await Self.examplePlugin.value
        let groupWritable = try Self.pluginsDirectory([("libConsoleCodePlugin.so", plugin)], mode: 0o775)
        var (status, output) = try await Self.refusal(groupWritable)
        #expect(status == 78 && output.contains("is writable by its group"), "\(output)")

        let foreign = try Self.pluginsDirectory([("libConsoleCodePlugin.so", plugin)])
        let foreignLibrary = foreign.appendingPathComponent("libConsoleCodePlugin.so")
        try FileManager.default.setAttributes([.ownerAccountID: 65534], ofItemAtPath: foreignLibrary.path)
        (status, output) = try await Self.refusal(foreign)
        #expect(status == 78 && output.contains("libConsoleCodePlugin.so belongs to another user"), "\(output)")

        // A link to a library kept in a directory anyone may write to: the library is fine, the way to it is not.
        let open = Self.workspace.appendingPathComponent("open-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: open, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: open.path)
        try FileManager.default.copyItem(at: plugin, to: open.appendingPathComponent("libConsoleCodePlugin.so"))
        let linked = try Self.pluginsDirectory([])
        try FileManager.default.createSymbolicLink(
            at: linked.appendingPathComponent("libConsoleCodePlugin.so"), withDestinationURL: open.appendingPathComponent("libConsoleCodePlugin.so"))
        (status, output) = try await Self.refusal(linked)
        #expect(status == 78 && output.contains("libConsoleCodePlugin.so is a symbolic link"), "\(output)")

        let linkedDirectory = Self.workspace.appendingPathComponent("linked-\(UUID().uuidString)")
        try FileManager.default.createSymbolicLink(at: linkedDirectory, withDestinationURL: try Self.pluginsDirectory([("libConsoleCodePlugin.so", plugin)]))
        (status, output) = try await Self.refusal(linkedDirectory)
        #expect(status == 78 && output.contains("is a symbolic link"), "\(output)")
    }

    @Test("two libraries in one directory are each loaded from their own file")
    func twoLibrariesLoaded() async throws {
        let plugin = try await Self.examplePlugin.value
        let notes = Self.workspace.appendingPathComponent("notes-\(UUID().uuidString).txt")
        try "not a library".write(to: notes, atomically: true, encoding: .utf8)
        // The second is refused for what it is, not taken for the first.
        let (status, output) = try await Self.refusal(try Self.pluginsDirectory([("liba.so", plugin), ("libz.so", notes)]))
        #expect(status == 78 && output.contains("libz.so is not a shared library"), "\(output)")
    }
}
