import BackchannelCore
import BackchannelTesting
import Testing

/// A minimal plugin pair to register: a handler that starts everything and never concludes.
private struct ProbeConfiguration: Decodable, Sendable {
    var greeting: String
    var retries: Int
}

private struct ProbePageConfiguration: Decodable, Sendable {
    var title: String
}

private final class ProbeHandler: BackchannelAuthenticationHandler {
    let configuration: ProbeConfiguration
    init(configuration: ProbeConfiguration) { self.configuration = configuration }
    func startAuthentication(_ request: BackchannelAuthenticationRequest) async throws -> BackchannelStartAuthenticationResult { .started }
    func checkAuthenticationStatus(authReqId: AuthReqId) async throws -> BackchannelAuthenticationResult? { nil }
    func cancelAuthenticationRequest(authReqId: AuthReqId) async throws {}
}

private struct ProbePage: FrontChannelInteraction {
    let title: String
    let handler: ProbeHandler
    func respond(to request: FrontChannelRequest) async -> FrontChannelResponse { .html("<h1>\(title)</h1>") }
}

private func backChannel(_ name: String = "probe", linkedTo frontChannel: String? = "probe-page") -> BackChannelPluginDescriptor {
    BackChannelPluginDescriptor(registryName: name, configuration: ProbeConfiguration.self, frontChannelName: frontChannel) { configuration, _ in
        ProbeHandler(configuration: configuration)
    }
}

private func frontChannel(_ name: String = "probe-page") -> FrontChannelPluginDescriptor {
    FrontChannelPluginDescriptor(registryName: name, configuration: ProbePageConfiguration.self, handler: ProbeHandler.self) {
        configuration, handler, _ in
        ProbePage(title: configuration.title, handler: handler)
    }
}

private let services = BackchannelHandlerHarness(users: []).services
private let goodConfiguration: JSONValue = .object(["greeting": .string("hi"), "retries": .integer(2)])
private let goodPage: JSONValue = .object(["title": .string("Probe")])

@Suite("PluginRegistry")
struct PluginRegistryTests {
    @Test("a plugin built against an older minor version runs on this server; a newer minor or another major one does not")
    func versionRule() {
        let host = PluginAPIVersion(major: 1, minor: 3)
        #expect(PluginAPIVersion(major: 1, minor: 0).runs(on: host))
        #expect(PluginAPIVersion(major: 1, minor: 3).runs(on: host))
        #expect(!PluginAPIVersion(major: 1, minor: 4).runs(on: host))
        #expect(!PluginAPIVersion(major: 2, minor: 0).runs(on: host))
        #expect(!PluginAPIVersion(major: 0, minor: 9).runs(on: host))
    }

    @Test("a plugin built against another major API version, or a newer minor one, is refused by name, either half")
    func incompatibleAPIVersion() throws {
        var registry = PluginRegistry()
        let future = PluginAPIVersion(major: PluginAPIVersion.current.major + 1, minor: 0)
        let back = BackChannelPluginDescriptor(registryName: "future", apiVersion: future, configuration: ProbeConfiguration.self, frontChannelName: nil) {
            configuration, _ in ProbeHandler(configuration: configuration)
        }
        #expect(throws: PluginRegistryError.incompatibleAPIVersion(plugin: "future", built: future.description, host: PluginAPIVersion.current.description)) {
            try registry.register(back)
        }
        let front = FrontChannelPluginDescriptor(
            registryName: "future-page", apiVersion: future, configuration: ProbePageConfiguration.self, handler: ProbeHandler.self
        ) { configuration, handler, _ in ProbePage(title: configuration.title, handler: handler) }
        #expect(throws: PluginRegistryError.self) { try registry.register(front) }
        // A newer minor version of the same major may use what this server lacks: refused too.
        let newer = PluginAPIVersion(major: PluginAPIVersion.current.major, minor: PluginAPIVersion.current.minor + 1)
        #expect(throws: PluginRegistryError.incompatibleAPIVersion(plugin: "minor", built: newer.description, host: PluginAPIVersion.current.description)) {
            try registry.register(BackChannelPluginDescriptor(registryName: "minor", apiVersion: newer, configuration: ProbeConfiguration.self, frontChannelName: nil) {
                configuration, _ in ProbeHandler(configuration: configuration)
            })
        }
        // This version itself is accepted.
        try registry.register(BackChannelPluginDescriptor(registryName: "current", configuration: ProbeConfiguration.self, frontChannelName: nil) {
            configuration, _ in ProbeHandler(configuration: configuration)
        })
    }

    @Test("makes a handler and its paired interaction from configuration")
    func makesPairedAuthenticator() async throws {
        var registry = PluginRegistry()
        try registry.register(backChannel())
        try registry.register(frontChannel())
        let instance = try registry.makeAuthenticator(
            plugin: "probe", name: "probe-1", configuration: goodConfiguration, frontChannelConfiguration: goodPage, services: services)
        #expect(instance.name == "probe-1")
        #expect(instance.plugin == "probe")
        let handler = try #require(instance.handler as? ProbeHandler)
        #expect(handler.configuration.retries == 2)
        let page = try #require(instance.interaction as? ProbePage)
        #expect(page.handler === handler)
        #expect(await page.respond(to: FrontChannelRequest(method: .get, path: "")).body == "<h1>Probe</h1>")
    }

    @Test("a duplicate back-channel registry name fails, naming the plugin and field")
    func duplicateBackChannelName() throws {
        var registry = PluginRegistry()
        try registry.register(backChannel())
        #expect(throws: PluginRegistryError.duplicateRegistryName(plugin: "probe")) { try registry.register(backChannel()) }
        let error = PluginRegistryError.duplicateRegistryName(plugin: "probe")
        #expect(error.plugin == "probe")
        #expect(error.field == "registry_name")
        #expect(error.description.contains("'probe'") && error.description.contains("registry_name"))
    }

    @Test("a duplicate front-channel registry name fails, naming the plugin")
    func duplicateFrontChannelName() throws {
        var registry = PluginRegistry()
        try registry.register(frontChannel())
        #expect(throws: PluginRegistryError.duplicateRegistryName(plugin: "probe-page")) { try registry.register(frontChannel()) }
    }

    @Test("a back-channel descriptor linked to an unregistered front channel fails at start-up")
    func unregisteredFrontChannel() throws {
        var registry = PluginRegistry()
        try registry.register(backChannel(linkedTo: "missing-page"))
        let expected = PluginRegistryError.unregisteredFrontChannel(plugin: "probe", frontChannel: "missing-page")
        #expect(throws: expected) { try registry.validateLinks() }
        #expect(throws: expected) {
            try registry.makeAuthenticator(plugin: "probe", configuration: goodConfiguration, services: services)
        }
        #expect(expected.plugin == "probe")
        #expect(expected.field == "front_channel")
        #expect(expected.description.contains("missing-page"))
    }

    @Test("an unknown registry name fails, naming it and the plugin field")
    func unknownRegistryName() throws {
        let registry = PluginRegistry()
        let error = #expect(throws: PluginRegistryError.self) {
            try registry.makeAuthenticator(plugin: "carrier-pigeon", services: services)
        }
        #expect(error == .unknownRegistryName(plugin: "carrier-pigeon"))
        #expect(error?.plugin == "carrier-pigeon")
        #expect(error?.field == "plugin")
    }

    @Test("a missing configuration field fails, naming the plugin and the field's path")
    func missingConfigurationField() throws {
        var registry = PluginRegistry()
        try registry.register(backChannel())
        try registry.register(frontChannel())
        let error = #expect(throws: PluginRegistryError.self) {
            try registry.makeAuthenticator(
                plugin: "probe", configuration: .object(["greeting": .string("hi")]), frontChannelConfiguration: goodPage, services: services)
        }
        #expect(error?.plugin == "probe")
        #expect(error?.field == "configuration.retries")
    }

    @Test("a mistyped configuration field fails, naming the plugin and the field's path")
    func mistypedConfigurationField() throws {
        var registry = PluginRegistry()
        try registry.register(backChannel())
        try registry.register(frontChannel())
        let error = #expect(throws: PluginRegistryError.self) {
            try registry.makeAuthenticator(
                plugin: "probe", configuration: .object(["greeting": .string("hi"), "retries": .string("many")]),
                frontChannelConfiguration: goodPage, services: services)
        }
        #expect(error?.plugin == "probe")
        #expect(error?.field == "configuration.retries")
        #expect(error?.description.contains("expected a number") == true)
    }

    @Test("an undecodable front-channel configuration names the front_channel section")
    func undecodableFrontChannelConfiguration() throws {
        var registry = PluginRegistry()
        try registry.register(backChannel())
        try registry.register(frontChannel())
        let error = #expect(throws: PluginRegistryError.self) {
            try registry.makeAuthenticator(plugin: "probe", configuration: goodConfiguration, frontChannelConfiguration: .object([:]), services: services)
        }
        #expect(error?.plugin == "probe")
        #expect(error?.field == "front_channel.title")
    }
}
