/// The ready-to-paste curl session `backchanneld` prints when it runs on its embedded defaults.
public enum Walkthrough {
    /// The text, for a server announcing `issuer`.
    public static func text(issuer: String) -> String {
        let client = "\(EmbeddedDefaults.clientId):\(EmbeddedDefaults.clientSecret)"
        return """

            Backchannel is running on its embedded defaults (demo only: the client secret is public).
            Issuer: \(issuer)   Discovery: \(issuer)/.well-known/openid-configuration

            Users of the mock push authenticator: alice approves after 2 s, bob denies, carol never answers.
            Answer by hand on the simulated phone: \(issuer)/authn/mock-push/?user=carol

            1. Ask the server to authenticate alice:

              curl -s -u \(client) -d scope=openid -d login_hint=alice -d binding_message=W4SP \\
                \(issuer)/backchannel/authentication

            2. Poll for her tokens with the auth_req_id it answered (pending at first, tokens after ~2 s):

              curl -s -u \(client) -d grant_type=urn:openid:params:grant-type:ciba -d auth_req_id=<auth_req_id> \\
                \(issuer)/token

            Or both at once:

              ID=$(curl -s -u \(client) -d scope=openid -d login_hint=alice \(issuer)/backchannel/authentication \\
                | sed 's/.*"auth_req_id":"\\([^"]*\\)".*/\\1/'); sleep 5
              curl -s -u \(client) -d grant_type=urn:openid:params:grant-type:ciba -d auth_req_id=$ID \(issuer)/token

            """
    }
}
