@testable import BackchannelCore
import Foundation
import Logging
import Testing

/// A directory plugin: registered like an authenticator, made from its typed configuration; a login hint finds
/// its user however the client spelled it.
@Suite("directories")
struct DirectoryTests {
    struct Settings: Decodable, Sendable {
        var searchBase: String
    }

    struct FixedDirectory: UserDirectory {
        let base: String
        func user(subject: String) async throws -> DirectoryUser? { subject == base ? DirectoryUser(subject: base) : nil }
        func user(loginHint: String) async throws -> DirectoryUser? { nil }
    }

    static let descriptor = DirectoryPluginDescriptor(registryName: "fixed", configuration: Settings.self) { settings, _ in
        FixedDirectory(base: settings.searchBase)
    }

    static let services = DirectoryServices(logger: Logger(label: "test"), http: RefusingHTTPClient())

    struct RefusingHTTPClient: OutboundHTTPClient {
        func send(_ request: OutboundHTTPRequest, maxResponseBytes: Int) async throws(OutboundHTTPError) -> OutboundHTTPResponse {
            throw OutboundHTTPError(code: .connectionRefused)
        }

        func trusting(certificatesInPEMFile path: String) throws(OutboundHTTPError) -> any OutboundHTTPClient { self }
    }

    @Test("a registered directory is made from its snake_case configuration")
    func madeFromConfiguration() async throws {
        var registry = PluginRegistry()
        try registry.register(Self.descriptor)
        #expect(registry.directoryPluginNames == ["fixed"])
        let directory = try registry.makeDirectory(plugin: "fixed", configuration: .object(["search_base": .string("dc=x")]), services: Self.services)
        #expect(try await directory.user(subject: "dc=x")?.subject == "dc=x")
    }

    @Test("a second directory under the same name is refused")
    func duplicateRefused() throws {
        var registry = PluginRegistry()
        try registry.register(Self.descriptor)
        #expect(throws: PluginRegistryError.duplicateRegistryName(plugin: "fixed")) { try registry.register(Self.descriptor) }
    }

    @Test("an unknown directory names those registered; a bad configuration names its field")
    func failuresNamed() throws {
        var registry = PluginRegistry()
        try registry.register(Self.descriptor)
        let unknown = #expect(throws: PluginRegistryError.self) { try registry.makeDirectory(plugin: "ldap", services: Self.services) }
        #expect(unknown?.description == "no directory plugin is registered as 'ldap' (registered: fixed)")
        let bad = #expect(throws: PluginRegistryError.self) {
            try registry.makeDirectory(plugin: "fixed", configuration: .object(["search_base": .integer(1)]), services: Self.services)
        }
        #expect(bad?.field == "configuration.search_base")
    }

    @Test("e-mail addresses match in any letter case, phone numbers however they are spaced, other hints exactly")
    func normalisedHints() {
        #expect(DirectoryIndexKey.normalized(" Alice@Example.COM ") == "alice@example.com")
        #expect(DirectoryIndexKey.normalized("+1 (555) 010-0100") == "+15550100100")
        #expect(DirectoryIndexKey.normalized("0044 20 7946 0018") == "+442079460018")
        #expect(DirectoryIndexKey.normalized("5550100") == "5550100")  // no country code: not a phone number
        #expect(DirectoryIndexKey.normalized("Alice") == "Alice")
        #expect(DirectoryIndexKey.phoneNumber("+1 555 abc") == nil)
        #expect(DirectoryIndexKey.phoneNumber("+0123456789") == nil)
    }

    @Test("the static directory finds a user by subject, login hint, e-mail address and phone number")
    func staticFindsEveryKey() async throws {
        let directory = StaticUserDirectory([
            DirectoryUser(subject: "u1", loginHints: ["alice"], phoneNumber: "+15550100", email: "Alice@Example.com")
        ])
        for hint in ["u1", "alice", "alice@example.com", "ALICE@example.com", "+1 555 0100", "00 1 555 0100"] {
            #expect(try await directory.user(loginHint: hint)?.subject == "u1", "\(hint)")
        }
        #expect(try await directory.user(loginHint: "bob") == nil)
    }
}
