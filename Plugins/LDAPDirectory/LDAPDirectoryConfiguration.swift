import BackchannelCore

/// The `ldap` directory's configuration (`directory: { plugin: ldap, configuration: … }`).
///
/// ```yaml
/// url: ldaps://ldap.example.com          # ldap:// only to loopback, unless start_tls
/// start_tls: false
/// ca_file: /etc/backchannel/ldap-ca.pem  # the server certificate's issuers; the system's by default
/// bind_dn: cn=backchannel,ou=services,dc=example,dc=com
/// bind_password_file: /etc/backchannel/ldap-password   # or bind_password_env: LDAP_PASSWORD
/// search_base: ou=people,dc=example,dc=com
/// filters:
///   subject: "(uid={hint})"
///   login_hint: "(|(uid={hint})(mail={hint}))"
///   email: "(mail={hint})"
///   phone_number: "(telephoneNumber={hint})"
/// attributes:
///   subject: uid                          # entryUUID, or objectGUID on Active Directory, never changes
///   login_hints: [uid, mail]
///   email: mail
///   phone_number: telephoneNumber
///   claims: { name: cn, given_name: givenName, family_name: sn }
/// connections: 4
/// timeout_seconds: 5
/// ```
public struct LDAPDirectoryConfiguration: Decodable, Sendable {
    /// The filter templates, one per hint kind; `{hint}` stands for the escaped value.
    public struct Filters: Decodable, Sendable {
        /// Finds the entry of a subject.
        public var subject: String
        /// Finds the entry a `login_hint` names (when no more specific template applies).
        public var loginHint: String
        /// Finds the entry of an e-mail address; `login_hint` is used when absent.
        public var email: String?
        /// Finds the entry of an E.164 phone number; `login_hint` is used when absent.
        public var phoneNumber: String?
    }

    /// Which attribute of an entry feeds what.
    public struct Attributes: Decodable, Sendable {
        /// The subject: an attribute that never changes for the user.
        public var subject: String
        /// Further names a `login_hint` may use (the user's other identifiers).
        public var loginHints: [String]?
        /// The e-mail address.
        public var email: String?
        /// The phone number (E.164).
        public var phoneNumber: String?
        /// OpenID Connect claim name → attribute.
        public var claims: [String: String]?
    }

    /// `ldap://` or `ldaps://`, with host and port.
    public var url: String
    /// Whether to upgrade an `ldap://` connection with StartTLS (required off loopback).
    public var startTls: Bool?
    /// PEM file of the certificate authorities the server's certificate must chain to.
    public var caFile: String?
    /// The DN to bind as; anonymous when absent.
    public var bindDn: String?
    /// A file holding the bind password.
    public var bindPasswordFile: String?
    /// An environment variable holding the bind password.
    public var bindPasswordEnv: String?
    /// Where users are searched (subtree).
    public var searchBase: String
    /// The filter templates.
    public var filters: Filters
    /// The attribute map.
    public var attributes: Attributes
    /// How many connections at most (each runs one search at a time); 4 by default.
    public var connections: Int?
    /// How long a connection, a bind or a search may take; 5 seconds by default.
    public var timeoutSeconds: Int?
}
