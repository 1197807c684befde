import Foundation

/// Unpadded base64url (RFC 4648 §5), as JOSE, `auth_req_id`s and the push authenticator's keys and
/// signatures use it.
public enum Base64URL {
    /// The bytes in base64url, without padding. Inlinable, so callers get it specialised for their byte
    /// sequence (the engine runs it on every poll).
    @inlinable
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        // Byte-level translation of standard base64: Foundation's string replacing is slow on Linux,
        // and this runs on every poll (the auth_req_id's hash).
        let standard = Data(bytes).base64EncodedData()
        return String(unsafeUninitializedCapacity: standard.count) { output in
            var count = 0
            for byte in standard where byte != UInt8(ascii: "=") {
                output[count] = byte == UInt8(ascii: "+") ? UInt8(ascii: "-") : byte == UInt8(ascii: "/") ? UInt8(ascii: "_") : byte
                count += 1
            }
            return count
        }
    }

    /// The bytes of unpadded base64url text; `nil` for anything else (padding included).
    @inlinable
    public static func decode(_ text: some StringProtocol) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
