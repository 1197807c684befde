import BackchannelCore

/// A security profile a client follows (`profile` in its configuration): the server refuses at start-up a
/// configuration that breaks it, and at run time every request that does.
public enum ClientProfile: String, Codable, Sendable, Hashable, ConfigurationEnum {
    /// FAPI: Client Initiated Backchannel Authentication Profile, on top of FAPI 1.0 Advanced (see
    /// ``FAPICIBAProfile`` for the rules).
    case fapiCIBA = "fapi-ciba"
}
