import BackchannelServer
import Foundation

extension ServerAssembly {
    /// Without a key-encryption key, a signing key generated into a shared store (PostgreSQL) would be kept in
    /// clear: refused, before anything is opened, unless the configuration says so explicitly.
    static func checkUnsealedAllowed(_ configuration: BackchanneldConfiguration, shared: Bool) throws(Failure) {
        guard shared, configuration.keys.isEmpty, !configuration.store.allowUnsealedSigningKey else { return }
        throw .keyEncryption(
            field: "store.key_encryption_key_file",
            reason: "is required to seal the signing key generated into the shared database (openssl rand -base64 32 > FILE; "
                + "or BACKCHANNEL_KEY_ENCRYPTION_KEY); store.allow_unsealed_signing_key: true keeps it in clear instead")
    }

    /// The key-encryption key from `store.key_encryption_key_file` or `BACKCHANNEL_KEY_ENCRYPTION_KEY`, if any.
    static func keyEncryptionKey(_ settings: StoreSettings, environment: [String: String]) throws(Failure) -> [UInt8]? {
        let text: String
        let field: String
        if let path = settings.keyEncryptionKeyFile {
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw .keyEncryption(field: "store.key_encryption_key_file", reason: "cannot read \(path)")
            }
            (text, field) = (contents, "store.key_encryption_key_file")
        } else if let value = environment["BACKCHANNEL_KEY_ENCRYPTION_KEY"] {
            (text, field) = (value, "BACKCHANNEL_KEY_ENCRYPTION_KEY")
        } else {
            return nil
        }
        guard let key = EncryptedSigningKeyStore.parseKey(text), key.count == 32 else {
            throw .keyEncryption(field: field, reason: "must hold 32 random bytes as base64 or hex (openssl rand -base64 32)")
        }
        return key
    }
}
