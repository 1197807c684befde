/// What a store surrounds a poll's status check with, when its poll read fetched more than the request.
///
/// A database store may read, in the poll's one round trip, what the authenticator's status check will
/// read next (its records kept under the request's hash); it then returns a scope from
/// ``PendingRequestStore/pollRead(authReqIdHash:)``, and the engine runs the check inside it. What the
/// scope does is the store's business: the engine neither knows nor cares what was read ahead.
public protocol StatusCheckScope: Sendable {
    /// Runs `check`, the authenticator's status check of the polled request, inside this scope.
    func run<Result>(_ check: () async throws -> Result) async rethrows -> Result
}
