import BackchannelBuiltIns
import BackchannelCore
import BackchannelTesting
import Foundation
import Logging
import Testing

@testable import BackchannelHost

@Suite("Configuration file")
struct ConfigurationTests {
    private let valid = """
        server:
          port: 9090
          issuer: https://login.example.com
        policy:
          interval: 3
        clients:
          - client_id: console
            client_secret: s3cret-s3cret-s3cret
            token_endpoint_auth_methods: [client_secret_basic]
        authenticators:
          - plugin: mock-push
            configuration:
              users:
                alice: { action: approve, after_seconds: 1 }
        users:
          - subject: alice
            login_hints: [alice@example.com]
        """

    private func parse(_ yaml: String) throws -> BackchanneldConfiguration {
        try ConfigurationLoader.parse(Data(yaml.utf8), json: false)
    }

    @Test("a YAML file configures the server, policy, clients, authenticators and users")
    func validYAML() async throws {
        let configuration = try parse(valid)
        #expect(configuration.server.effectiveIssuer == "https://login.example.com")
        #expect(configuration.policy.interval == 3)
        #expect(configuration.clients.first?.tokenEndpointAuthMethods == [.clientSecretBasic])
        #expect(configuration.users.first?.loginHints == ["alice@example.com"])
        let assembly = try await ServerAssembly.assemble(configuration, components: try .builtIn(), dataDirectory: nil, logger: Logger(label: "test"))
        #expect(assembly.engine.issuer == "https://login.example.com")
    }

    @Test("the same file in JSON is read too")
    func validJSON() throws {
        let json = #"{"clients":[{"client_id":"c","client_secret":"s"}],"authenticators":[{"plugin":"mock-push","configuration":{"users":{}}}]}"#
        let configuration = try ConfigurationLoader.parse(Data(json.utf8), json: true)
        #expect(configuration.clients.first?.clientId == "c")
    }

    @Test("a bad value is reported with the path of its field")
    func badFieldPath() throws {
        let error = #expect(throws: ConfigurationError.self) {
            try parse(valid.replacingOccurrences(of: "token_endpoint_auth_methods: [client_secret_basic]", with: "backchannel_token_delivery_mode: fax"))
        }
        #expect(error?.path == "clients[0].backchannel_token_delivery_mode")
    }

    @Test("observability.tracing is read; an endpoint that is no http(s) URL, a sampling outside 0…1 and an unknown field are reported with their paths")
    func tracingSettings() throws {
        let tracing = try #require(try parse(valid + "\nobservability: { tracing: { endpoint: \"http://127.0.0.1:4318/v1/traces\", sampling: 0.25 } }")
            .observability.tracing)
        #expect(tracing.endpoint == "http://127.0.0.1:4318/v1/traces" && tracing.sampling == 0.25 && tracing.serviceName == "backchanneld")
        #expect(try parse(valid).observability.tracing == nil)
        for (yaml, path) in [
            ("{ endpoint: \"collector:4318\" }", "observability.tracing.endpoint"), ("{ endpoint: \"http://c/v1/traces\", sampling: 2 }", "observability.tracing.sampling"),
            ("{ endpoint: \"http://c/v1/traces\", protocol: grpc }", "observability.tracing.protocol"),
        ] {
            let error = #expect(throws: ConfigurationError.self) { try parse(valid + "\nobservability: { tracing: \(yaml) }") }
            #expect(error?.path == path, "\(yaml): \(String(describing: error))")
        }
        let session = #expect(throws: ConfigurationError.self) { try parse(valid.replacingOccurrences(of: "  port: 9090", with: "  port: 9090\n  operations: { console_session_seconds: 0 }")) }
        #expect(session?.path == "server.operations.console_session_seconds")
    }

    @Test("a missing required field is reported with its path")
    func missingField() throws {
        let error = #expect(throws: ConfigurationError.self) {
            try parse(valid.replacingOccurrences(of: "  - client_id: console\n    client_secret: s3cret-s3cret-s3cret", with: "  - client_secret: s3cret-s3cret-s3cret"))
        }
        #expect(error?.path == "clients[0].client_id")
    }

    @Test("a misspelt field is refused, not ignored")
    func unknownField() throws {
        let error = #expect(throws: ConfigurationError.self) { try parse(valid.replacingOccurrences(of: "client_secret:", with: "client_secert:")) }
        #expect(error?.path == "clients[0].client_secert")
        #expect(error?.reason == "is not a known field")
    }

    @Test("a misspelt plugin field is refused, naming the authenticator entry")
    func unknownPluginField() async throws {
        let configuration = try parse(valid.replacingOccurrences(of: "after_seconds: 1", with: "after_secs: 1"))
        let error = await #expect(throws: ServerAssembly.Failure.self) {
            try await ServerAssembly.assemble(configuration, components: try .builtIn(), dataDirectory: nil, logger: Logger(label: "test"))
        }
        #expect(error?.description.hasPrefix("authenticators[0].configuration.users.alice.after_secs:") == true)
    }

    @Test("a bad policy value is reported with its path")
    func badPolicy() throws {
        let error = #expect(throws: ConfigurationError.self) { try parse(valid.replacingOccurrences(of: "interval: 3", with: "interval: 0")) }
        #expect(error?.path == "policy.interval")
    }

    @Test("plugins_dir, server.tls and server.client_certificates are read; client certificates need TLS or a proxy's header, and a header needs its proxies")
    func pluginsAndTransport() throws {
        let configuration = try parse(
            """
            plugins_dir: /etc/backchannel/plugins
            server:
              tls: { certificate_file: /etc/s.pem, private_key_file: /etc/s.key }
              client_certificates: { ca_file: /etc/ca.pem }
            """)
        #expect(configuration.pluginsDir == "/etc/backchannel/plugins")
        #expect(configuration.server.tls == TLSSettings(certificateFile: "/etc/s.pem", privateKeyFile: "/etc/s.key"))
        #expect(configuration.server.clientCertificates == ClientCertificateSettings(caFile: "/etc/ca.pem"))
        #expect(configuration.server.effectiveIssuer.hasPrefix("https://"))
        #expect(throws: ConfigurationError.self) { try parse("server: { client_certificates: { ca_file: /etc/ca.pem } }") }
        #expect(throws: ConfigurationError.self) { try parse("server: { client_certificates: { header: X-Client-Cert } }") }
        #expect(try parse("server: { client_certificates: { header: X-Client-Cert, trusted_proxies: [10.0.0.5] } }").server.clientCertificates?.header == "X-Client-Cert")
    }

    @Test("a PostgreSQL store takes a connection count, and a count below one is reported with its path")
    func postgresConnections() throws {
        let configured = try parse(valid + "\nstore: { kind: postgres, url: \"postgres://u@127.0.0.1/db\", connections: 8 }")
        #expect(configured.store.connections == 8)
        let error = #expect(throws: ConfigurationError.self) {
            try parse(valid + "\nstore: { kind: postgres, url: \"postgres://u@127.0.0.1/db\", connections: 0 }")
        }
        #expect(error?.path == "store.connections")
    }

    @Test("a bad plugin configuration names the authenticator entry and the field")
    func badPluginConfiguration() async throws {
        let configuration = try parse(valid.replacingOccurrences(of: "action: approve", with: "action: maybe"))
        let error = await #expect(throws: ServerAssembly.Failure.self) {
            try await ServerAssembly.assemble(configuration, components: try .builtIn(), dataDirectory: nil, logger: Logger(label: "test"))
        }
        #expect(error?.description.hasPrefix("authenticators[0].configuration.users.alice.action:") == true)
    }

    @Test("an unknown plugin names the authenticator entry")
    func unknownPlugin() async throws {
        let configuration = try parse(valid.replacingOccurrences(of: "plugin: mock-push", with: "plugin: carrier-pigeon"))
        let error = await #expect(throws: ServerAssembly.Failure.self) {
            try await ServerAssembly.assemble(configuration, components: try .builtIn(), dataDirectory: nil, logger: Logger(label: "test"))
        }
        #expect(error?.description.hasPrefix("authenticators[0].plugin:") == true)
    }

    @Test("a file that is not YAML says so")
    func syntaxError() throws {
        let error = #expect(throws: ConfigurationError.self) { try parse("clients: [unclosed") }
        #expect(error?.reason.contains("not valid YAML") == true)
    }

    @Test("a wrong word for an enumerated setting lists the allowed ones, and the path appears once")
    func enumeratedValues() throws {
        let yaml = valid.replacingOccurrences(of: "alice: { action: approve, after_seconds: 1 }", with: "alice: { action: approved }")
        let configuration = try parse(yaml)
        let registry = try HostComponents.builtIn().plugins
        let error = #expect(throws: PluginRegistryError.self) {
            _ = try registry.makeAuthenticator(
                plugin: "mock-push", configuration: configuration.authenticators[0].configuration,
                services: BackchannelHandlerHarness(users: []).services)
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("must be one of approve, deny, silent, fail"))
        #expect(text.components(separatedBy: "users.alice.action").count == 2)
    }

    @Test("an unknown plugin name lists the registered plugins")
    func unknownPlugin() throws {
        let registry = try HostComponents.builtIn().plugins
        let error = #expect(throws: PluginRegistryError.self) {
            _ = try registry.makeAuthenticator(plugin: "push", services: BackchannelHandlerHarness(users: []).services)
        }
        #expect(error?.description == "no authenticator plugin is registered as 'push' (registered: email, mock-push, sms)")
    }

    @Test("a YAML 1.1 base-60 number that crashed Yams is read as text, and the file is refused with a field error")
    func sexagesimalDoesNotCrash() throws {
        // Found by fuzzing the configuration loader (Fuzz/Crashers/config/yams-sexagesimal-overflow).
        #expect(try YAMLTree.parse("1:1:11:2222222222:22:211:12:22:2") == .string("1:1:11:2222222222:22:211:12:22:2"))
        #expect(throws: ConfigurationError.self) { try parse("server: { port: 1:1:11:2222222222:22:211:12:22:2 }") }
    }

    @Test("YAML core-schema scalars: numbers, booleans, null; quoted scalars stay text; aliases are refused")
    func coreSchema() throws {
        #expect(try YAMLTree.parse("a: 8080\nb: 2.5\nc: true\nd: ~\ne: '8080'\nf: 0x1F") == .object([
            "a": .integer(8080), "b": .number(2.5), "c": .bool(true), "d": .null, "e": .string("8080"), "f": .string("0x1F"),
        ]))
        #expect(throws: ConfigurationError.self) { try parse("x: &a [1]\ny: *a") }
    }

    @Test("deep nesting, a deep indentation or a huge file is refused before any parser recurses")
    func boundedShape() throws {
        // Found by fuzzing: a thousand '[' overflowed the JSON scanner's stack (Fuzz/Crashers/config/deep-nesting-stack-overflow).
        for json in [false, true] {
            #expect(throws: ConfigurationError.self) { try ConfigurationLoader.parse(Data(String(repeating: "[", count: 1_100).utf8), json: json) }
        }
        #expect(throws: ConfigurationError.self) { try parse("a:\n" + String(repeating: " ", count: 200) + "b: 1") }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.parse(Data(repeating: 0x20, count: (1 << 20) + 1), json: false) }
        // Brackets inside quotes do not count.
        #expect(ConfigurationLoader.shapeProblem(Data(("a: \"" + String(repeating: "[", count: 100) + "\"").utf8)) == nil)
    }

    @Test("a limit of zero is refused, naming its field; a zero interval says it wants seconds")
    func positiveSettings() throws {
        let limit = #expect(throws: ConfigurationError.self) {
            try parse(valid.replacingOccurrences(of: "  interval: 3", with: "  interval: 3\n  limits: { subject_burst: 0 }"))
        }
        #expect(limit?.path == "policy.limits.subject_burst")
        let interval = #expect(throws: ConfigurationError.self) { try parse(valid.replacingOccurrences(of: "interval: 3", with: "interval: 0")) }
        #expect(interval?.path == "policy.interval")
        #expect(interval?.reason == "must be a positive number of seconds")
    }
}
