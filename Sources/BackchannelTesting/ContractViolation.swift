/// A broken obligation of the `BackchannelAuthenticationHandler` contract.
public struct ContractViolation: Error, Sendable, Hashable, CustomStringConvertible {
    /// The obligation, as named in ``BackchannelHandlerContract``.
    public var check: String
    /// What the handler did instead.
    public var detail: String

    public var description: String { "\(check): \(detail)" }
}
