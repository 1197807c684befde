import Crypto
import CryptoExtras
import BackchannelCore
import Foundation

/// A user code (CIBA Core §7.1) as the user directory keeps it: a slow salted hash, never the code.
///
/// The form is `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>` with base64 (unpadded) salt and hash:
/// scrypt costs memory as well as time, so a leaked directory does not give up short codes cheaply.
public struct UserCodeHash: Sendable, Hashable {
    let logN: Int
    let r: Int
    let p: Int
    let salt: [UInt8]
    let hash: [UInt8]

    /// The cost new hashes get: N = 2^14, r = 8, p = 1 (16 MiB, tens of milliseconds).
    static let defaultLogN = 14

    /// Reads the stored form. - Returns: `nil` when `text` is not one.
    public init?(_ text: String) {
        let fields = text.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0].isEmpty, fields[1] == "scrypt" else { return nil }
        var parameters: [String: Int] = [:]
        for pair in fields[2].split(separator: ",") {
            let parts = pair.split(separator: "=")
            guard parts.count == 2, let value = Int(parts[1]) else { return nil }
            parameters[String(parts[0])] = value
        }
        guard let logN = parameters["ln"], (10...20).contains(logN), let r = parameters["r"], (1...32).contains(r),
            let p = parameters["p"], (1...16).contains(p), let salt = Self.unbase64(fields[3]), salt.count >= 16,
            let hash = Self.unbase64(fields[4]), hash.count >= 32
        else { return nil }
        self.init(logN: logN, r: r, p: p, salt: salt, hash: hash)
    }

    private init(logN: Int, r: Int, p: Int, salt: [UInt8], hash: [UInt8]) {
        self.logN = logN
        self.r = r
        self.p = p
        self.salt = salt
        self.hash = hash
    }

    /// Hashes a code with a fresh random salt, for the configuration file.
    public static func make(code: String, random: any RandomSource = SystemRandomSource()) throws -> UserCodeHash {
        let salt = random.bytes(count: 16)
        let hash = try derive(code, salt: salt, logN: defaultLogN, r: 8, p: 1, count: 32)
        return UserCodeHash(logN: defaultLogN, r: 8, p: 1, salt: salt, hash: hash)
    }

    /// The stored form.
    public var stored: String {
        "$scrypt$ln=\(logN),r=\(r),p=\(p)$\(Self.base64(salt))$\(Self.base64(hash))"
    }

    /// Whether `code` is the code, compared in constant time.
    public func matches(_ code: String) -> Bool {
        guard let derived = try? Self.derive(code, salt: salt, logN: logN, r: r, p: p, count: hash.count) else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(derived, hash) { difference |= a ^ b }
        return difference == 0 && derived.count == hash.count
    }

    private static func derive(_ code: String, salt: [UInt8], logN: Int, r: Int, p: Int, count: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(code.utf8), salt: salt, outputByteCount: count, rounds: 1 << logN, blockSize: r, parallelism: p,
            maxMemory: 256 * 1024 * 1024)
        return key.withUnsafeBytes { Array($0) }
    }

    private static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    private static func unbase64(_ text: Substring) -> [UInt8]? {
        let padded = String(text) + String(repeating: "=", count: (4 - text.count % 4) % 4)
        return Data(base64Encoded: padded).map(Array.init)
    }
}
