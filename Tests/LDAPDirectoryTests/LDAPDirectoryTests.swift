import BackchannelCore
import BackchannelTesting
import Foundation
import LDAPDirectory
import Logging
import Testing

/// The `ldap` directory against a real `slapd` on loopback, started by each test with its own data.
@Suite("LDAP directory", .timeLimit(.minutes(2)),
    .enabled(if: TemporarySlapd.isInstalled, "skipped: slapd is not installed; .ci/run installs it (Debian's slapd)"))
struct LDAPDirectoryTests {
    static let people = """
        dn: ou=people,dc=example,dc=com
        objectClass: organizationalUnit
        ou: people

        dn: uid=alice,ou=people,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: alice
        cn: Alice Liddell
        givenName: Alice
        sn: Liddell
        mail: alice@example.com
        telephoneNumber: +1 555 0100

        dn: uid=bob,ou=people,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: bob
        cn: Bob
        sn: Builder
        mail: shared@example.com

        dn: uid=carol,ou=people,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: carol
        cn: Carol
        sn: Singer
        mail: shared@example.com

        dn:: dWlkPWpvc8OpLG91PXBlb3BsZSxkYz1leGFtcGxlLGRjPWNvbQ==
        objectClass: inetOrgPerson
        uid:: am9zw6k=
        cn:: Sm9zw6k=
        sn:: TmnDsW8=

        """

    static func configuration(url: String, _ extra: [String: JSONValue] = [:]) -> JSONValue {
        var members: [String: JSONValue] = [
            "url": .string(url),
            "bind_dn": .string(TemporarySlapd.rootDN),
            "bind_password_env": .string("TEST_LDAP_PASSWORD"),
            "search_base": .string("ou=people,dc=example,dc=com"),
            "filters": .object([
                "subject": .string("(uid={hint})"), "login_hint": .string("(|(uid={hint})(mail={hint}))"),
                "email": .string("(mail={hint})"), "phone_number": .string("(telephoneNumber={hint})"),
            ]),
            "attributes": .object([
                "subject": .string("uid"), "login_hints": .array([.string("mail")]), "email": .string("mail"),
                "phone_number": .string("telephoneNumber"),
                "claims": .object(["name": .string("cn"), "given_name": .string("givenName"), "family_name": .string("sn")]),
            ]),
            "connections": .integer(2), "timeout_seconds": .integer(5),
        ]
        members.merge(extra) { $1 }
        return .object(members)
    }

    static func directory(_ configuration: JSONValue, password: String = TemporarySlapd.rootPassword) throws -> LDAPDirectory {
        let settings = try configuration.decode(as: LDAPDirectoryConfiguration.self)
        return try LDAPDirectory(
            configuration: settings, services: DirectoryServices(logger: Logger(label: "test"), http: NoHTTP()),
            environment: ["TEST_LDAP_PASSWORD": password])
    }

    struct NoHTTP: OutboundHTTPClient {
        func send(_ request: OutboundHTTPRequest, maxResponseBytes: Int) async throws(OutboundHTTPError) -> OutboundHTTPResponse {
            throw OutboundHTTPError(code: .connectionRefused)
        }
        func trusting(certificatesInPEMFile path: String) throws(OutboundHTTPError) -> any OutboundHTTPClient { self }
    }

    @Test("a user is found by subject, login hint, e-mail address in any case and phone number in any spacing, with claims mapped")
    func findsUsers() async throws {
        let server = try await TemporarySlapd.start(ldif: Self.people)
        defer { server.stop() }
        let directory = try Self.directory(Self.configuration(url: server.url))
        defer { Task { await directory.close() } }
        let alice = try #require(try await directory.user(subject: "alice"))
        #expect(alice.email == "alice@example.com")
        #expect(alice.phoneNumber == "+15550100")
        #expect(alice.loginHints == ["alice@example.com"])
        #expect(alice.attributes == ["name": .string("Alice Liddell"), "given_name": .string("Alice"), "family_name": .string("Liddell")])
        for hint in ["alice", "Alice@Example.COM", "+1 555-0100"] {
            #expect(try await directory.user(loginHint: hint)?.subject == "alice", "\(hint)")
        }
        #expect(try await directory.user(loginHint: "josé")?.subject == "josé")
        #expect(try await directory.user(loginHint: "nobody") == nil)
        #expect(await directory.readiness() == .ready)
    }

    @Test("hints written as filter syntax match nothing: they cannot widen or end the search", arguments: [
        "*", "*)(uid=*", "alice)(uid=*", "*)(|(uid=*", "\\2a", "alice\u{0}", "(uid=alice)", "jos*", "é*", "a*e",
    ])
    func injectionCannotWiden(hint: String) async throws {
        let server = try await TemporarySlapd.start(ldif: Self.people)
        defer { server.stop() }
        let directory = try Self.directory(Self.configuration(url: server.url))
        defer { Task { await directory.close() } }
        #expect(try await directory.user(loginHint: hint) == nil)
        #expect(try await directory.user(subject: hint) == nil)
    }

    @Test("a hint two entries share is an error, never one of them")
    func ambiguousIsAnError() async throws {
        let server = try await TemporarySlapd.start(ldif: Self.people)
        defer { server.stop() }
        let directory = try Self.directory(Self.configuration(url: server.url))
        defer { Task { await directory.close() } }
        let error = await #expect(throws: LDAPDirectoryError.self) { try await directory.user(loginHint: "shared@example.com") }
        #expect(error?.code == .ambiguous)
    }

    @Test("an entry without the subject attribute is an error naming it, never an unknown user")
    func entryWithoutSubject() async throws {
        let server = try await TemporarySlapd.start(ldif: Self.people)
        defer { server.stop() }
        var configuration = Self.configuration(url: server.url)
        if case .object(var members) = configuration, case .object(var attributes)? = members["attributes"] {
            attributes["subject"] = .string("employeeNumber")
            members["attributes"] = .object(attributes)
            configuration = .object(members)
        }
        let directory = try Self.directory(configuration)
        defer { Task { await directory.close() } }
        let error = await #expect(throws: LDAPDirectoryError.self) { try await directory.user(loginHint: "alice") }
        #expect(error?.code == .noSubject)
        #expect(try await directory.user(loginHint: "nobody") == nil)
    }

    @Test("a wrong bind password is refused as such; a server that is down fails at once, and readiness says so")
    func bindAndDown() async throws {
        let server = try await TemporarySlapd.start(ldif: Self.people)
        let wrong = try Self.directory(Self.configuration(url: server.url), password: "wrong")
        let refused = await #expect(throws: LDAPDirectoryError.self) { try await wrong.user(subject: "alice") }
        #expect(refused?.code == .bindRefused)
        let directory = try Self.directory(Self.configuration(url: server.url))
        #expect(try await directory.user(subject: "alice") != nil)
        server.stop()
        let down = await #expect(throws: LDAPDirectoryError.self) { try await directory.user(subject: "alice") }
        #expect(down?.code == .unreachable)
        #expect(await directory.readiness() != .ready)
        await directory.close()
        await wrong.close()
    }

    @Test("more lookups at once than connections all get their answer")
    func boundedPool() async throws {
        let server = try await TemporarySlapd.start(ldif: Self.people)
        defer { server.stop() }
        let directory = try Self.directory(Self.configuration(url: server.url))
        defer { Task { await directory.close() } }
        let found = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<40 { group.addTask { try await directory.user(subject: "alice") != nil } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(found == 40)
    }

    @Test("plain ldap:// off loopback, a filter without {hint}, or a bind DN without a password stop the start, naming the field")
    func configurationRefusals() throws {
        for (extra, field) in [
            (["url": JSONValue.string("ldap://ldap.example.com")], "url"),
            (["filters": .object(["subject": .string("(uid=alice)"), "login_hint": .string("(uid={hint})")])], "filters.subject"),
            (["bind_password_env": .string("UNSET_VARIABLE")], "bind_password_env"),
        ] {
            let error = #expect(throws: ConfigurationError.self) { try Self.directory(Self.configuration(url: "ldap://127.0.0.1:1", extra)) }
            #expect(error?.path == field)
        }
        _ = try Self.directory(Self.configuration(url: "ldap://ldap.example.com", ["start_tls": .bool(true)]))
    }

    /// A self-signed certificate for 127.0.0.1 (its own authority) and its key, made with `openssl`.
    static func certificate(in directory: URL, name: String) throws -> (certificateFile: String, keyFile: String) {
        let (certificate, key) = (directory.appendingPathComponent("\(name).pem").path, directory.appendingPathComponent("\(name)-key.pem").path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(ProcessExit.wait(for: process) == 0)
        return (certificate, key)
    }

    @Test("LDAPS and StartTLS connect when the server's certificate chains to the configured authority, and fail when it does not")
    func tlsChecksTheCertificate() async throws {
        let files = FileManager.default.temporaryDirectory.appendingPathComponent("ldap-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: files) }
        let server = try Self.certificate(in: files, name: "server")
        let stranger = try Self.certificate(in: files, name: "stranger")
        let slapd = try await TemporarySlapd.start(ldif: Self.people, tls: server)
        defer { slapd.stop() }
        let ldaps = try #require(slapd.ldapsURL)
        for configuration in [
            Self.configuration(url: ldaps, ["ca_file": .string(server.certificateFile)]),
            Self.configuration(url: slapd.url, ["ca_file": .string(server.certificateFile), "start_tls": .bool(true)]),
        ] {
            let directory = try Self.directory(configuration)
            #expect(try await directory.user(subject: "alice")?.email == "alice@example.com")
            await directory.close()
        }
        for configuration in [
            Self.configuration(url: ldaps, ["ca_file": .string(stranger.certificateFile)]),
            Self.configuration(url: slapd.url, ["ca_file": .string(stranger.certificateFile), "start_tls": .bool(true)]),
        ] {
            let directory = try Self.directory(configuration)
            let error = await #expect(throws: LDAPDirectoryError.self) { try await directory.user(subject: "alice") }
            #expect(error?.code == .unreachable)
            await directory.close()
        }
    }
}
