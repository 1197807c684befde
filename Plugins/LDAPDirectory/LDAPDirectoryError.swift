/// Why the LDAP directory could not answer. Never carries the bind password or a searched value.
public struct LDAPDirectoryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code's name.
        public let name: String
        /// No connection to the server (refused, unreachable, TLS failed, certificate not trusted).
        public static let unreachable = Code(name: "ldap_unreachable")
        /// The server refused the bind DN and password.
        public static let bindRefused = Code(name: "ldap_bind_refused")
        /// A search failed or took longer than the timeout.
        public static let searchFailed = Code(name: "ldap_search_failed")
        /// A hint matched more than one entry: the directory cannot say which user it means.
        public static let ambiguous = Code(name: "ldap_ambiguous")
        /// An entry matched but lacks the attribute `attributes.subject` names.
        public static let noSubject = Code(name: "ldap_no_subject")

        public var description: String { name }
    }

    /// The kind.
    public let code: Code
    /// What happened, in words safe for a log (libldap's message).
    public let description: String
}
