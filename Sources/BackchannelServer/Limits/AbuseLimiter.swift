import BackchannelCore
import Crypto
import Foundation
import Logging

/// Applies ``RequestLimits`` and the `user_code` check to backchannel authentication requests, before
/// any user is reached, and learns of conclusions so that counted requests stop counting.
struct AbuseLimiter: Sendable {
    let limits: RequestLimits
    let store: any LimitStore
    let directory: (any UserDirectory)?
    /// Where a failing limit store is reported (the client sees only `server_error`).
    let logger: Logger

    /// Who a hint names, for counting: the directory's subject when it knows the user, else the hint
    /// itself (hashed: an unknown user's hint can be anything), so unknown users are limited as well.
    /// A directory that fails fails the request with `server_error` at once: going on without the user would
    /// count them under another key and judge their `user_code` wrong.
    func subjectKey(for hint: BackchannelHint) async throws(OAuthError) -> (key: String, user: DirectoryUser?) {
        let user: DirectoryUser?
        do {
            user = try await directory?.user(for: hint)
        } catch {
            logger.error("the user directory failed", metadata: ["reason": "directory_failed", "error": "\(error)"])
            throw .serverError("the user directory could not be reached")
        }
        if let user { return ("s:" + user.subject, user) }
        switch hint {
        case .loginHint(let text): return ("h:" + Self.digest(text), nil)
        case .idTokenHint(let subject, _): return ("s:" + subject, nil)
        case .loginHintToken(let token): return ("t:" + Self.digest(token), nil)
        }
    }

    /// What a request for `subject` from `clientId` must pass, counting it until `until`; `nil` when the
    /// limits are off. `clientPaid`: the client's own rate token was taken already (by the user-code check).
    func admission(
        member: String, clientId: String, subject: String, until: Date, clientPaid: Bool = false, longPendingCap: Int? = nil
    ) -> LimitAdmission? {
        guard limits.enabled else { return nil }
        let pair = clientId + String(Self.separator) + subject
        return LimitAdmission(
            cooldown: .init(key: cooldownKey(clientId, subject), capacity: 1, refillPerSecond: cooldownRate),
            buckets: (clientPaid ? [] : [clientBucket(clientId)]) + [
                .init(key: Self.subjectBucketPrefix + subject, capacity: Double(limits.subjectBurst), refillPerSecond: Double(limits.subjectPerMinute) / 60)
            ],
            member: member,
            caps: [
                .init(key: "p:" + subject, limit: limits.maxPendingPerSubject),
                .init(key: "pc:" + pair, limit: limits.maxPendingPerClientSubject),
            ] + (longPendingCap.map { [.init(key: "pl:" + pair, limit: $0)] } ?? []),
            until: until)
    }

    /// The client's own rate: every request it sends takes a token.
    private func clientBucket(_ clientId: String) -> LimitAdmission.Bucket {
        .init(key: Self.clientBucketPrefix + clientId, capacity: Double(limits.clientBurst), refillPerSecond: Double(limits.clientPerMinute) / 60)
    }

    private static let clientBucketPrefix = "c:"
    private static let subjectBucketPrefix = "b:"

    /// A failing limit store: logged, and answered with a `server_error` that says nothing of it.
    func storeFailed(_ error: any Error) -> OAuthError {
        logger.error("the limit store failed", metadata: ["error": "\(error)"])
        return .serverError("the server could not complete the request")
    }

    /// The refusal a verdict on `admission` other than ``LimitVerdict/admitted`` stands for, counted in the metrics.
    static func check(_ verdict: LimitVerdict, of admission: LimitAdmission?) throws(OAuthError) {
        switch verdict {
        case .admitted:
            return
        case .coolingDown:
            EngineMetrics.refused(by: "cooldown")
            throw .accessDenied("the user recently denied this client's request; try again later", atTokenEndpoint: false)
        case .rateLimited(let bucket):
            if let admission, admission.buckets.indices.contains(bucket), admission.buckets[bucket].key.hasPrefix(clientBucketPrefix) {
                throw clientRateExceeded
            }
            EngineMetrics.refused(by: "subject_rate")
            throw .accessDenied("too many requests for this user; try again later", atTokenEndpoint: false)
        case .capReached:
            EngineMetrics.refused(by: "pending_cap")
            throw .accessDenied("too many requests are pending for this user", atTokenEndpoint: false)
        }
    }

    private static var clientRateExceeded: OAuthError {
        EngineMetrics.refused(by: "client_rate")
        return .accessDenied("this client sends requests too fast; slow down", atTokenEndpoint: false)
    }

    /// Checks a `user_code` against the user's hash. Wrong codes count against the pair (client, user): past
    /// the bound, that client's requests for the user are refused until the window refills, and no other
    /// client's are. The check is slow on purpose, so the client pays for it first with a token of its own
    /// rate; nothing shared with other clients (the user's rate, the pending caps) is spent by a request
    /// this check refuses.
    func verifyUserCode(_ code: String, user: DirectoryUser?, clientId: String, subject: String, now: Date) async throws(OAuthError) {
        let bucket = "uc:" + clientId + String(Self.separator) + subject
        let capacity = Double(limits.userCodeMaxFailures)
        let rate = capacity / Double(limits.userCodeLockoutSeconds)
        do {
            if try await store.wait(bucket: bucket, capacity: capacity, refillPerSecond: rate, now: now) > 0 {
                EngineMetrics.refused(by: "user_code_lockout")
                throw OAuthError.accessDenied("too many wrong user codes for this user; try again later", atTokenEndpoint: false)
            }
            if limits.enabled {
                let own = clientBucket(clientId)
                if try await store.take(bucket: own.key, capacity: own.capacity, refillPerSecond: own.refillPerSecond, now: now) != nil {
                    throw Self.clientRateExceeded
                }
            }
            // A user without a hash has no code that could match: the same answer as a wrong one.
            if let stored = user?.userCodeHash.flatMap(UserCodeHash.init), stored.matches(code) { return }
            _ = try await store.take(bucket: bucket, capacity: capacity, refillPerSecond: rate, now: now)
        } catch let error as OAuthError {
            throw error
        } catch {
            throw storeFailed(error)
        }
        throw .invalidUserCode("the user_code is invalid")
    }

    /// A counted request ended; a denial starts the client's cool-down for that user.
    func concluded(member: String, denied: Bool, now: Date) async {
        guard limits.enabled, let keys = try? await store.release(member: member) else { return }
        guard denied, let pair = keys.first(where: { $0.hasPrefix("pc:") }), let bar = pair.firstIndex(of: Self.separator) else { return }
        let clientId = String(pair[pair.index(pair.startIndex, offsetBy: 3)..<bar])
        let subject = String(pair[pair.index(after: bar)...])
        _ = try? await store.take(bucket: cooldownKey(clientId, subject), capacity: 1, refillPerSecond: cooldownRate, now: now)
    }

    /// Stops counting requests that ended without a denial (the expiry sweep's batch).
    func concluded(members: [String]) async {
        guard limits.enabled, !members.isEmpty else { return }
        try? await store.release(members: members)
    }

    /// Between a client id and a subject in one key: a control character no identifier contains.
    private static let separator: Character = "\u{1F}"

    private func cooldownKey(_ clientId: String, _ subject: String) -> String { "cd:" + clientId + String(Self.separator) + subject }
    private var cooldownRate: Double { 1 / Double(limits.denialCooldownSeconds) }

    private static func digest(_ text: String) -> String {
        Data(SHA256.hash(data: Data(text.utf8))).base64EncodedString()
    }
}
