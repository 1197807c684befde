import BackchannelCore
import BackchannelServer

extension ServerAssembly {
    /// The start-up failures, each naming what to fix.
    public enum Failure: Error, CustomStringConvertible {
        /// An authenticator's plugin refused its configuration.
        case plugin(PluginRegistryError, index: Int)
        /// A signing key could not be loaded or generated.
        case keys(SigningKeyError)
        /// The engine refused the configuration.
        case engine(EngineConfigurationError)
        /// The store could not be opened.
        case store(String)
        /// The issuer (or the host it defaults from) makes no URL.
        case issuer(field: String, value: String)
        /// A user's `user_code_hash` is not one.
        case userCode(field: String)
        /// The key-encryption key is missing, unreadable or malformed.
        case keyEncryption(field: String, reason: String)
        /// A directory of `directory:` cannot be made.
        case directory(field: String, reason: String)
        /// A TLS or client-certificate file is missing, unreadable or malformed.
        case transport(field: String, reason: String)

        public var description: String {
            switch self {
            case .store(let reason): "store: \(reason)"
            case .keyEncryption(let field, let reason), .transport(let field, let reason), .directory(let field, let reason): "\(field): \(reason)"
            case .userCode(let field): "\(field): not a hash made by backchanneld --hash-user-code"
            case .issuer(let field, let value): "\(field): does not make a valid issuer URL (\(value.debugDescription))"
            case .plugin(let error, let index): "authenticators[\(index)].\(error.field): \(error)"
            case .keys(let error): "\(error)"
            case .engine(let error): "\(error)"
            }
        }
    }
}
