import BackchannelTesting
import Foundation
import Synchronization

/// A real SMTP server process (aiosmtpd, through Fixtures/smtp_server.py) on a loopback port, with a
/// throw-away self-signed certificate for the TLS modes.
final class SMTPTestServer: @unchecked Sendable {
    enum Mode { case plain, starttls, tls }

    let port: Int
    let directory: URL
    let certificate: URL
    private let process: Process
    /// Counts the messages the server stored, as it says on its standard output.
    private let stored: EventCounter<String>

    /// Asked once: each suite's trait reads it.
    static let isAvailable: Bool = {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import aiosmtpd"]
        check.standardOutput = FileHandle.nullDevice
        check.standardError = FileHandle.nullDevice
        guard (try? check.run()) != nil else { return false }
        return ProcessExit.wait(for: check) == 0
    }()

    /// Starts a server on a thread of its own: making the certificate and waiting for Python to listen
    /// take a second or so, which must not block one of the few threads every test's tasks run on.
    static func start(mode: Mode, auth: (String, String)? = nil, port: Int? = nil) async throws -> SMTPTestServer {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try SMTPTestServer(mode: mode, auth: auth, port: port) })
            }.start()
        }
    }

    /// A server on `port`, or on a free one.
    init(mode: Mode, auth: (String, String)? = nil, port requested: Int? = nil) throws {
        self.port = try requested ?? LoopbackPort.free()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("mail"), withIntermediateDirectories: true)
        certificate = directory.appendingPathComponent("cert.pem")
        let key = directory.appendingPathComponent("key.pem")
        try Self.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key.path, "-out", certificate.path,
        ])
        var arguments = [Self.fixture.path, "--port", "\(port)", "--maildir", directory.appendingPathComponent("mail").path]
        switch mode {
        case .plain: break
        case .starttls: arguments += ["--starttls", certificate.path, key.path]
        case .tls: arguments += ["--tls", certificate.path, key.path]
        }
        if let auth { arguments += ["--auth", "\(auth.0):\(auth.1)"] }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let stored = EventCounter<String>()
        self.stored = stored
        let pending = Mutex("")
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            let lines = pending.withLock { text -> [Substring] in
                text += String(decoding: data, as: UTF8.self)
                var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                text = String(lines.removeLast())
                return lines
            }
            for line in lines where line == "stored" { stored.record("stored") }
        }
        try process.run()
        for _ in 0..<200 {
            if Self.accepts(port) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw CocoaError(.fileReadUnknown)
    }

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/smtp_server.py")

    /// The delivered messages, in order.
    func messages() -> [String] {
        let mail = directory.appendingPathComponent("mail")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: mail.path)) ?? []).filter { $0.hasSuffix(".eml") }
        return names.sorted { Int($0.dropLast(4)) ?? 0 < Int($1.dropLast(4)) ?? 0 }
            .compactMap { try? String(contentsOf: mail.appendingPathComponent($0), encoding: .utf8) }
    }

    /// Waits until the server has stored `count` messages.
    func waitForMessages(_ count: Int) async {
        await stored.wait(for: "stored", count: count)
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            _ = ProcessExit.wait(for: process, timeout: .seconds(10))
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        _ = ProcessExit.wait(for: process)
    }
}
