import BackchannelBuiltIns
import BackchannelCore
import BackchannelServer
import BackchannelTesting
import Foundation
import Logging
import Testing

@testable import BackchannelHost

/// Configurations a security review refuses are refused at start-up, with an error naming the field.
@Suite("start-up refusals")
struct StartupRefusalTests {
    private func assemble(_ configuration: BackchanneldConfiguration, dataDirectory: URL? = nil) async throws {
        _ = try await ServerAssembly.assemble(configuration, components: try .builtIn(), dataDirectory: dataDirectory, logger: Logger(label: "test"))
    }

    private var base: BackchanneldConfiguration {
        var configuration = EmbeddedDefaults.configuration
        configuration.policy = ServerPolicy()
        configuration.clients = [ClientConfiguration(clientId: "console", clientSecret: "a-long-enough-secret")]
        return configuration
    }

    @Test("an empty or short client_secret is refused, naming the field")
    func shortSecret() async throws {
        for secret in ["", "short-secret"] {
            var configuration = base
            configuration.clients = [ClientConfiguration(clientId: "console", clientSecret: secret)]
            let error = await #expect(throws: ServerAssembly.Failure.self) { try await assemble(configuration) }
            #expect("\(error.map { "\($0)" } ?? "")".contains("clients[0].client_secret"))
        }
    }

    @Test("a host or issuer that makes no URL is a configuration error, not a crash")
    func malformedIssuer() async throws {
        var configuration = base
        configuration.server.host = "bad host^"
        let error = await #expect(throws: ServerAssembly.Failure.self) { try await assemble(configuration) }
        #expect("\(error.map { "\($0)" } ?? "")".hasPrefix("server.host"))
        configuration = base
        configuration.server.issuer = "http://exa mple.com"
        await #expect(throws: ServerAssembly.Failure.self) { try await assemble(configuration) }
    }

    @Test("mock push refuses a server bound beyond loopback unless the configuration declares a test deployment")
    func mockPushExposure() async throws {
        var configuration = base
        configuration.server.host = "0.0.0.0"
        let error = await #expect(throws: ServerAssembly.Failure.self) { try await assemble(configuration) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("test_deployment"))
        guard case .object(var plugin) = configuration.authenticators[0].configuration else { Issue.record("no object"); return }
        plugin["test_deployment"] = .bool(true)
        configuration.authenticators[0].configuration = .object(plugin)
        try await assemble(configuration)
    }

    @Test("a host that does not link the configured kind of store refuses it, naming the kinds it can open")
    func storeKindNotLinked() async throws {
        var configuration = base
        configuration.store = StoreSettings(kind: .sqlite, path: "/nonexistent/never-created.sqlite")
        var components = try HostComponents.builtIn()
        components = HostComponents(plugins: components.plugins)
        let error = await #expect(throws: ServerAssembly.Failure.self) {
            _ = try await ServerAssembly.assemble(configuration, components: components, dataDirectory: nil, logger: Logger(label: "test"))
        }
        #expect("\(error.map { "\($0)" } ?? "")" == "store: kind: sqlite is not linked into this server; it can open memory")
        #expect(!FileManager.default.fileExists(atPath: "/nonexistent"))
    }

    @Test("an empty key file left by a crash names the file and the remedy")
    func emptyKeyFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("signing-key.pem").path, contents: Data())
        var configuration = base
        configuration.store = StoreSettings(kind: .memory)
        let error = await #expect(throws: ServerAssembly.Failure.self) { try await assemble(configuration, dataDirectory: directory) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("delete it"))
    }

    @Test("a generated key file is complete and no temporary file is left beside it")
    func generatedKeyFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let pem = try await FileSigningKeyStore(directory: directory).generatedSigningKey(algorithm: .es256) { "-----BEGIN PRIVATE KEY-----\nAA\n-----END PRIVATE KEY-----\n" }
        #expect(try String(contentsOf: directory.appendingPathComponent("signing-key.pem"), encoding: .utf8) == pem)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["signing-key.pem"])
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("signing-key.pem").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test("the embedded demo refuses to listen beyond loopback",
        .enabled(if: BackchanneldProcess.isBuilt, "skipped: the backchanneld binary is not built beside the tests"))
    func demoLoopbackOnly() async throws {
        let (status, text) = try await ChildProcess.run(
            BackchanneldProcess.executable,
            [
                "--host", "0.0.0.0", "--port", "0", "--operations-port", "0", "--data-dir",
                FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)").path,
            ])
        #expect(status != 0)
        #expect(text.contains("loopback"))
    }
}
