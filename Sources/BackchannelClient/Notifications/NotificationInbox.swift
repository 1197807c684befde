import BackchannelCore
import Foundation
import Synchronization

/// Where a ping or push client's notifications arrive (CIBA Core §10.2, §10.3), independent of any
/// HTTP framework: the endpoint hands each request it receives to ``receive(authorization:body:)`` and
/// answers with the verdict's status; ``BackchannelClient/authenticate(_:delivery:progress:)`` waits here.
///
/// Each request gets its own random `client_notification_token`, so a notification is accepted only
/// with the token of a request this client is waiting for, naming that request's `auth_req_id`.
/// Notifications come at least once: a repeat for a request already answered is accepted and ignored.
public final class NotificationInbox: Sendable {
    /// What the endpoint answers a notification.
    public enum Verdict: Sendable, Hashable {
        /// Taken (or a repeat of one taken): 204.
        case accepted
        /// No bearer token, or not one this inbox waits for, or for another request: 401.
        case unauthorized
        /// Not a JSON object naming an `auth_req_id`: 400.
        case malformed

        /// The HTTP status to answer with.
        public var httpStatus: Int {
            switch self {
            case .accepted: 204
            case .unauthorized: 401
            case .malformed: 400
            }
        }
    }

    private struct Waiting {
        var authReqId: String?
        var payload: [String: JSONValue]?
        var continuation: CheckedContinuation<[String: JSONValue], any Error>?
    }

    private let waiting = Mutex<[String: Waiting]>([:])  // by client_notification_token

    /// Creates an empty inbox.
    public init() {}

    /// Judges one request the notification endpoint received.
    /// - Parameters:
    ///   - authorization: Its `Authorization` header.
    ///   - body: Its body.
    public func receive(authorization: String?, body: Data) -> Verdict {
        guard let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else { return .unauthorized }
        let token = String(authorization.dropFirst(7))
        guard let json = try? JSONDecoder().decode([String: JSONValue].self, from: body), let authReqId = json["auth_req_id"]?.stringValue
        else {
            return waiting.withLock { $0[token] } == nil ? .unauthorized : .malformed
        }
        let resumed: (CheckedContinuation<[String: JSONValue], any Error>, [String: JSONValue])? = waiting.withLock { waiting in
            guard var entry = waiting[token] else { return nil }
            if let expected = entry.authReqId, expected != authReqId { return nil }
            guard entry.payload == nil else { return nil }  // a repeat
            entry.payload = json
            let continuation = entry.continuation
            entry.continuation = nil
            waiting[token] = entry
            return continuation.map { ($0, json) }
        }
        if let (continuation, json) = resumed { continuation.resume(returning: json) }
        let known = waiting.withLock { waiting in waiting[token].map { $0.authReqId == nil || $0.authReqId == authReqId } ?? false }
        return known ? .accepted : .unauthorized
    }

    func expect(token: String) {
        waiting.withLock { $0[token] = Waiting() }
    }

    func bind(token: String, authReqId: String) {
        waiting.withLock { $0[token]?.authReqId = authReqId }
    }

    func forget(token: String) {
        let continuation = waiting.withLock { $0.removeValue(forKey: token)?.continuation }
        continuation?.resume(throwing: BackchannelClientError.cancelled)
    }

    /// The notification for `token` (it may have come already), or an error at `deadline` or cancellation.
    func notification(token: String, authReqId: String, deadline: Date, clock: any BackchannelClock) async throws(BackchannelClientError) -> [String: JSONValue] {
        do {
            return try await withThrowingTaskGroup(of: [String: JSONValue]?.self) { group in
                group.addTask {
                    try await withTaskCancellationHandler {
                        try await withCheckedThrowingContinuation { continuation in
                            let ready: Result<[String: JSONValue], any Error>? = self.waiting.withLock { waiting in
                                if let payload = waiting[token]?.payload, payload["auth_req_id"]?.stringValue == authReqId { return .success(payload) }
                                // Cancelled before the handler could see a continuation to resume.
                                if Task.isCancelled { return .failure(CancellationError()) }
                                waiting[token]?.continuation = continuation
                                return nil
                            }
                            if let ready { continuation.resume(with: ready) }
                        }
                    } onCancel: {
                        let continuation = self.waiting.withLock { waiting -> CheckedContinuation<[String: JSONValue], any Error>? in
                            defer { waiting[token]?.continuation = nil }
                            return waiting[token]?.continuation
                        }
                        continuation?.resume(throwing: CancellationError())
                    }
                }
                group.addTask {
                    try await clock.sleep(until: deadline)
                    return nil
                }
                defer { group.cancelAll() }
                guard case .some(.some(let payload)) = try await group.next() else { throw BackchannelClientError.expired }
                return payload
            }
        } catch let error as BackchannelClientError {
            throw error
        } catch {
            throw .cancelled
        }
    }
}
