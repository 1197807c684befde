import Foundation

/// Keeps the generated signing key in `signing-key.pem` in a data directory, readable by the owner only.
public struct FileSigningKeyStore: SigningKeyStore {
    /// The directory.
    public let directory: URL

    /// Creates a store in `directory`, which is created (mode 0700) when needed.
    public init(directory: URL) {
        self.directory = directory
    }

    public func generatedSigningKey(create: @Sendable () -> String) async throws -> String {
        let file = directory.appendingPathComponent("signing-key.pem")
        if let pem = try? String(contentsOf: file, encoding: .utf8) { return pem }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let pem = create()
        // Created owner-only before any key byte is written; O_EXCL semantics make a concurrent start lose.
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw SigningKeyError(field: file.path, reason: "cannot be created")
        }
        let handle = try FileHandle(forWritingTo: file)
        try handle.write(contentsOf: Data(pem.utf8))
        try handle.close()
        return pem
    }
}
