import BackchannelCore

/// Where a backchannel authentication request stands. Transitions go one way only:
/// `pending → approved | denied | failed`, `approved → redeemed` (then the record is deleted), and any
/// unredeemed state `→ expired` once its expiry passes.
public enum PendingRequestState: Sendable, Hashable {
    /// The user has not concluded it.
    case pending
    /// The user approved; the tokens have not been collected.
    case approved(AuthenticationAttributes)
    /// The user refused.
    case denied(reason: String?)
    /// The authentication could not be completed.
    case failed(reason: String?)
    /// The expiry passed before redemption; kept for a while to answer `expired_token`.
    case expired

    /// The state a conclusion moves a pending request to.
    public init(result: BackchannelAuthenticationResult) {
        switch result {
        case .approved(let attributes): self = .approved(attributes)
        case .denied(let reason): self = .denied(reason: reason)
        case .failed(let reason): self = .failed(reason: reason)
        }
    }
}
