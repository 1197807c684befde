import Foundation

/// A real OpenLDAP server (Debian's `slapd`) of a test's own, on loopback: its configuration and data in a
/// temporary directory, loaded from LDIF before it starts, stopped and removed by ``stop()``.
///
/// `slapd` detaches only once it listens (it tells its parent through a pipe), so ``start(ldif:tls:)``
/// returns when the server answers, with no wait on time.
public final class TemporarySlapd: Sendable {
    /// The base of the test data.
    public static let suffix = "dc=example,dc=com"
    /// The administrator's DN, which may read and write everything.
    public static let rootDN = "cn=admin,dc=example,dc=com"
    /// The administrator's password.
    public static let rootPassword = "admin-secret-for-tests"

    /// `ldap://127.0.0.1:<port>`.
    public let url: String
    /// `ldaps://127.0.0.1:<port>`, when started with a certificate.
    public let ldapsURL: String?
    private let directory: URL

    /// Whether `slapd` and `slapadd` are installed (`.ci/run` installs them).
    public static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/slapd") && FileManager.default.isExecutableFile(atPath: "/usr/sbin/slapadd")
    }

    private init(url: String, ldapsURL: String?, directory: URL) {
        self.url = url
        self.ldapsURL = ldapsURL
        self.directory = directory
    }

    /// Starts a server holding `ldif` (entries under ``suffix``; the suffix entry itself is added first).
    /// - Parameters:
    ///   - ldif: The entries, in LDIF.
    ///   - tls: PEM files of the server's certificate and key, for LDAPS and StartTLS.
    public static func start(ldif: String, tls: (certificateFile: String, keyFile: String)? = nil) async throws -> TemporarySlapd {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backchannel-slapd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("db"), withIntermediateDirectories: true)
        let configuration = directory.appendingPathComponent("slapd.conf")
        try """
            include /etc/ldap/schema/core.schema
            include /etc/ldap/schema/cosine.schema
            include /etc/ldap/schema/inetorgperson.schema
            modulepath /usr/lib/ldap
            moduleload back_mdb
            pidfile \(directory.appendingPathComponent("slapd.pid").path)
            \(tls.map { "TLSCertificateFile \($0.certificateFile)\nTLSCertificateKeyFile \($0.keyFile)" } ?? "")
            database mdb
            maxsize 67108864
            suffix "\(suffix)"
            rootdn "\(rootDN)"
            rootpw \(rootPassword)
            directory \(directory.appendingPathComponent("db").path)
            index uid,mail,telephoneNumber eq
            """.write(to: configuration, atomically: true, encoding: .utf8)
        let data = directory.appendingPathComponent("data.ldif")
        try ("""
            dn: \(suffix)
            objectClass: dcObject
            objectClass: organization
            dc: example
            o: Example
            """ + "\n\n" + ldif).write(to: data, atomically: true, encoding: .utf8)
        do {
            try await run("/usr/sbin/slapadd", ["-f", configuration.path, "-l", data.path], step: "load the test data")
            // slapd says why it could not start only to syslog, which a test machine may not run; the likely
            // reason on a busy machine is a port taken between the check and slapd's bind, so a failed start
            // is tried again on fresh ports (a few times, each on the event of slapd's exit, never a wait).
            var attempt = 1
            while true {
                let port = try LoopbackPort.free()
                let ldaps = try tls.map { _ in try LoopbackPort.free() }
                let url = "ldap://127.0.0.1:\(port)"
                let ldapsURL = ldaps.map { "ldaps://127.0.0.1:\($0)" }
                do {
                    try await run(
                        "/usr/sbin/slapd", ["-f", configuration.path, "-h", ([url + "/"] + (ldapsURL.map { [$0 + "/"] } ?? [])).joined(separator: " ")],
                        step: "start slapd (attempt \(attempt), port \(port))")
                    return TemporarySlapd(url: url, ldapsURL: ldapsURL, directory: directory)
                } catch is Failure where attempt < 4 {
                    // Whatever half-started is stopped before the next attempt uses the same database.
                    killServer(pidFile: directory.appendingPathComponent("slapd.pid"))
                    attempt += 1
                }
            }
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Stops the server and removes its files.
    public func stop() {
        Self.killServer(pidFile: directory.appendingPathComponent("slapd.pid"))
        try? FileManager.default.removeItem(at: directory)
    }

    private static func killServer(pidFile: URL) {
        if let text = try? String(contentsOf: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGKILL)
        }
        try? FileManager.default.removeItem(at: pidFile)
    }

    /// Why a step failed, with what the tool printed.
    public struct Failure: Error, CustomStringConvertible {
        /// What was being done.
        public let step: String
        /// What the tool printed.
        public let output: String
        public var description: String { "slapd: \(step) failed: \(output)" }
    }

    /// Runs a tool to completion through `system(3)` on a thread of its own (as ``TemporaryPostgresServer``
    /// does): the wait is on the shell alone, so the daemon's inherited descriptors cannot hold it.
    private static func run(_ executable: String, _ arguments: [String], step: String) async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("backchannel-slapd-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let quote = { (text: String) in "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let command = ([executable] + arguments).map(quote).joined(separator: " ") + " </dev/null >\(quote(output.path)) 2>&1"
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: system(command)) }
        }
        guard status == 0 else {
            let printed = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            throw Failure(step: step, output: "exit status \(status)" + (printed.isEmpty ? " (nothing printed)" : ": " + printed))
        }
    }
}
