import BackchannelCore
import BackchannelTesting
import Foundation
import Testing

@testable import BackchannelHTTP

@Suite("operator console sessions")
struct ConsoleSessionsTests {
    @Test("a session lives until its absolute expiry, not a moment after, and is gone once looked at expired")
    func expiry() async {
        let clock = VirtualClock()
        let sessions = ConsoleSessions(lifetime: 60, clock: clock)
        let (id, session) = sessions.start()
        #expect(sessions.session(id) == session)
        await clock.advance(by: 59)
        #expect(sessions.session(id) == session)
        await clock.advance(by: 1)
        #expect(sessions.session(id) == nil)
        await clock.advance(by: -30)
        #expect(sessions.session(id) == nil)
    }

    @Test("an unknown, overlong or ended session id is no session")
    func unknownIds() {
        let sessions = ConsoleSessions(lifetime: 60, clock: VirtualClock())
        let (id, _) = sessions.start()
        #expect(sessions.session(nil) == nil)
        #expect(sessions.session("forged") == nil)
        #expect(sessions.session(String(repeating: "a", count: 10_000)) == nil)
        sessions.end(id)
        #expect(sessions.session(id) == nil)
    }

    @Test("past its capacity, the session expiring first goes")
    func capacity() async {
        let clock = VirtualClock()
        let sessions = ConsoleSessions(lifetime: 60, clock: clock, capacity: 2)
        let first = sessions.start().id
        await clock.advance(by: 1)
        let second = sessions.start().id
        await clock.advance(by: 1)
        let third = sessions.start().id
        #expect(sessions.session(first) == nil)
        #expect(sessions.session(second) != nil && sessions.session(third) != nil)
    }

    @Test("a form's CSRF token must be the session's own")
    func csrf() {
        let sessions = ConsoleSessions(lifetime: 60, clock: VirtualClock())
        let (_, session) = sessions.start()
        let (_, other) = sessions.start()
        #expect(ConsoleSessions.csrfMatches(session.csrfToken, session))
        #expect(!ConsoleSessions.csrfMatches(other.csrfToken, session))
        #expect(!ConsoleSessions.csrfMatches(nil, session))
        #expect(!ConsoleSessions.csrfMatches("", session))
    }
}

@Suite("the configuration as the console shows it")
struct ConfigurationRedactionTests {
    @Test("secrets are redacted wherever they are; paths, names and public values are shown")
    func redaction() throws {
        let tree = try JSONDecoder().decode(JSONValue.self, from: Data("""
            {"server": {"operations": {"admin_token": "t0p-secret", "admin_token_file": "/etc/token"}},
             "clients": [{"client_id": "rp", "client_secret": "s3cret", "client_name": "RP", "jwks_uri": "https://rp/jwks"}],
             "store": {"postgres": {"password": "pw", "password_file": "/run/pw"}, "key_encryption_key_env": "KEK"},
             "users": [{"subject": "alice", "user_code_hash": "$scrypt$…"}],
             "keys": [{"kid": "k1", "pem": "-----BEGIN PRIVATE KEY-----x"}],
             "authenticators": [{"plugin": "sms", "configuration": {"api_key": "ak", "note": "-----BEGIN EC PRIVATE KEY-----y"}}]}
            """.utf8))
        let text = ConfigurationRedaction.text(tree)
        for secret in ["t0p-secret", "s3cret", "\"pw\"", "$scrypt", "BEGIN PRIVATE", "BEGIN EC PRIVATE", "\"ak\""] {
            #expect(!text.contains(secret), "\\(secret) is shown")
        }
        for shown in ["/etc/token", "\"RP\"", "https://rp/jwks", "/run/pw", "KEK", "alice", "k1"] {
            #expect(text.contains(shown), "\\(shown) is hidden")
        }
    }
}
