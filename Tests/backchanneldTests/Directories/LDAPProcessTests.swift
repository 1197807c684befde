import BackchannelCore
import BackchannelTesting
import Foundation
import Testing

/// The `ldap` directory in a real process against a real `slapd`: users found, readiness on `/readyz`, lookups
/// on `/metrics`, and a directory that goes down failing requests with `server_error`, never `unknown_user_id`.
@Suite("LDAP directory in a process", .timeLimit(.minutes(2)),
    .enabled(if: BackchanneldProcess.isBuilt && TemporarySlapd.isInstalled, "skipped: needs the backchanneld binary and slapd (.ci/run installs it)"))
struct LDAPProcessTests {
    static let people = """
        dn: ou=people,dc=example,dc=com
        objectClass: organizationalUnit
        ou: people

        dn: uid=alice,ou=people,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: alice
        cn: Alice
        sn: Liddell
        mail: alice@example.com

        """

    @Test("a user in LDAP authenticates; with slapd gone, requests answer server_error at once and /readyz says not ready")
    func ldapEndToEnd() async throws {
        let slapd = try await TemporarySlapd.start(ldif: Self.people)
        defer { slapd.stop() }
        let directory = try ChildProcess.temporaryDirectory("ldap-process")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("backchannel.yaml")
        try """
            policy: { min_client_secret_length: 8 }
            directory:
              plugin: ldap
              configuration:
                url: \(slapd.url)
                bind_dn: "\(TemporarySlapd.rootDN)"
                bind_password_env: TEST_LDAP_PASSWORD
                search_base: "ou=people,dc=example,dc=com"
                filters: { subject: "(uid={hint})", login_hint: "(|(uid={hint})(mail={hint}))" }
                attributes: { subject: uid, email: mail, claims: { name: cn } }
              cache: { ttl_seconds: 60, negative_ttl_seconds: 0 }
            clients:
              - { client_id: demo-client, client_secret: demo-secret }
            authenticators:
              - { plugin: mock-push, configuration: { users: { alice: { action: silent } } } }
            """.write(to: file, atomically: true, encoding: .utf8)
        let node = try await BackchanneldProcess(
            arguments: ["--config", file.path, "--data-dir", directory.appendingPathComponent("data").path], log: directory.appendingPathComponent("log"),
            environment: ["TEST_LDAP_PASSWORD": TemporarySlapd.rootPassword])
        defer { node.stop() }
        _ = try await DemoFlow.start(node, "alice@example.com")
        let ready = try await HTTPPeer.get("\(node.operationsURL)/readyz")
        #expect(ready.status == 200)
        #expect(ready.json["checks"]?.objectValue?["directory"] == .string("ok"))
        let metrics = try await HTTPPeer.get("\(node.operationsURL)/metrics").text
        #expect(metrics.contains(#"backchannel_directory_lookups_total{directory="ldap",result="found"}"#))

        slapd.stop()
        // Cached: alice is still found for the cache's time to live.
        _ = try await DemoFlow.start(node, "alice@example.com")
        let refused = try await HTTPPeer.post(
            "\(node.baseURL)/backchannel/authentication", form: [("scope", "openid"), ("login_hint", "bob@example.com")], basic: DemoFlow.client)
        #expect(refused.status == 500)
        #expect(refused.json["error"] == .string("server_error"))
        let notReady = try await HTTPPeer.get("\(node.operationsURL)/readyz")
        #expect(notReady.status == 503)
        #expect(notReady.json["checks"]?.objectValue?["directory"]?.stringValue?.hasPrefix("not ready: ") == true)
    }
}
