import CLDAP
import Foundation

/// One connection to the LDAP server, through libldap's synchronous calls: each call blocks its thread, so the
/// pool runs them on NIO's thread pool for blocking work, never on the cooperative pool, and hands a
/// connection to one operation at a time.
final class LDAPConnection: @unchecked Sendable {
    /// One entry a search found: the attributes asked for, each with its values.
    struct Entry: Equatable {
        var attributes: [String: [String]]
    }

    /// What a connection is opened with.
    struct Settings: Sendable {
        var url: String
        var startTLS: Bool
        var caFile: String?
        var bindDN: String?
        var bindPassword: String?
        var timeout: Int
    }

    private let handle: OpaquePointer
    let timeout: Int

    private init(handle: OpaquePointer, timeout: Int) {
        self.handle = handle
        self.timeout = timeout
    }

    /// Connects (with TLS and its certificate check where the URL or StartTLS asks), and binds.
    static func open(_ settings: Settings) throws(LDAPDirectoryError) -> LDAPConnection {
        var handle: OpaquePointer?
        guard ldap_initialize(&handle, settings.url) == LDAP_SUCCESS, let handle else {
            throw LDAPDirectoryError(code: .unreachable, description: "the URL cannot be used")
        }
        let connection = LDAPConnection(handle: handle, timeout: settings.timeout)
        do {
            try connection.configure(settings)
            if settings.startTLS { try connection.check(ldap_start_tls_s(handle, nil, nil), .unreachable, "StartTLS failed") }
            if let dn = settings.bindDN { try connection.bind(dn: dn, password: settings.bindPassword ?? "") }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    private func configure(_ settings: Settings) throws(LDAPDirectoryError) {
        var version: Int32 = LDAP_VERSION3
        var timeout = timeval(tv_sec: settings.timeout, tv_usec: 0)
        // The certificate is always checked against the configured authorities (or the system's): a
        // system-wide ldap.conf saying otherwise does not apply to this connection.
        var requireCertificate: Int32 = LDAP_OPT_X_TLS_HARD
        var newContext: Int32 = 0
        try check(ldap_set_option(handle, LDAP_OPT_PROTOCOL_VERSION, &version), .unreachable, "cannot set the protocol version")
        try check(ldap_set_option(handle, LDAP_OPT_NETWORK_TIMEOUT, &timeout), .unreachable, "cannot set the network timeout")
        try check(ldap_set_option(handle, LDAP_OPT_TIMEOUT, &timeout), .unreachable, "cannot set the timeout")
        try check(ldap_set_option(handle, LDAP_OPT_X_TLS_REQUIRE_CERT, &requireCertificate), .unreachable, "cannot require certificates")
        if let caFile = settings.caFile {
            try check(ldap_set_option(handle, LDAP_OPT_X_TLS_CACERTFILE, caFile), .unreachable, "cannot use the CA file")
        }
        // The TLS options above take effect in a context of this connection's own.
        try check(ldap_set_option(handle, LDAP_OPT_X_TLS_NEWCTX, &newContext), .unreachable, "cannot make the TLS context")
    }

    private func bind(dn: String, password: String) throws(LDAPDirectoryError) {
        var bytes = Array(password.utf8CString.dropLast())
        let status = bytes.withUnsafeMutableBufferPointer { buffer in
            var credentials = berval(bv_len: ber_len_t(buffer.count), bv_val: buffer.baseAddress)
            return ldap_sasl_bind_s(handle, dn, nil, &credentials, nil, nil, nil)
        }
        // The password's bytes do not outlive the bind in this buffer.
        for index in bytes.indices { bytes[index] = 0 }
        if status == LDAP_INVALID_CREDENTIALS || status == LDAP_INAPPROPRIATE_AUTH {
            throw LDAPDirectoryError(code: .bindRefused, description: "the server refused the bind DN and password")
        }
        try check(status, .unreachable, "the bind failed")
    }

    /// The entries under `base` that `filter` matches (at most 2: one is an answer, two an ambiguity).
    func search(base: String, filter: String, attributes: [String]) throws(LDAPDirectoryError) -> [Entry] {
        var names = attributes.map { strdup($0) } + [nil]
        defer { for name in names { free(name) } }
        var timeout = timeval(tv_sec: self.timeout, tv_usec: 0)
        var result: OpaquePointer?
        let status = ldap_search_ext_s(handle, base, LDAP_SCOPE_SUBTREE, filter, &names, 0, nil, nil, &timeout, 2, &result)
        defer { if let result { ldap_msgfree(result) } }
        if status == LDAP_SIZELIMIT_EXCEEDED {
            throw LDAPDirectoryError(code: .ambiguous, description: "more than one entry matches")
        }
        if status == LDAP_NO_SUCH_OBJECT { return [] }
        try check(status, status == LDAP_SERVER_DOWN || status == LDAP_CONNECT_ERROR ? .unreachable : .searchFailed, "the search failed")
        var entries: [Entry] = []
        var entry = ldap_first_entry(handle, result)
        while let current = entry {
            var values: [String: [String]] = [:]
            for name in attributes {
                guard let found = ldap_get_values_len(handle, current, name) else { continue }
                var index = 0
                var strings: [String] = []
                while let value = found[index] {
                    let pointee = value.pointee
                    strings.append(
                        String(decoding: UnsafeRawBufferPointer(start: pointee.bv_val, count: Int(pointee.bv_len)), as: UTF8.self))
                    index += 1
                }
                ldap_value_free_len(found)
                values[name] = strings
            }
            entries.append(Entry(attributes: values))
            entry = ldap_next_entry(handle, current)
        }
        return entries
    }

    /// Unbinds and closes the connection.
    func close() {
        ldap_unbind_ext_s(handle, nil, nil)
    }

    private func check(_ status: Int32, _ code: LDAPDirectoryError.Code, _ what: String) throws(LDAPDirectoryError) {
        guard status != LDAP_SUCCESS else { return }
        throw LDAPDirectoryError(code: code, description: "\(what): \(String(cString: ldap_err2string(status)))")
    }
}
