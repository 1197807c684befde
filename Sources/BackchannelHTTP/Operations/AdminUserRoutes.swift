import BackchannelCore
import BackchannelServer
import Foundation
import Hummingbird

/// `/admin/users`: the users of the `store` directory (documented in `docs/admin-openapi.yaml`).
///
/// - `GET /admin/users?hint=…`: the user a login hint finds (as `login_hint` would), or none.
/// - `GET /admin/users?after=…&limit=…`: users in subject order, a page at a time.
/// - `POST /admin/users`: create a user (409 when the subject exists or a key belongs to another user).
/// - `GET`, `PUT`, `DELETE /admin/users/{subject}`: read, create or replace, remove.
///
/// Records are the configuration file's `users:` entries, in JSON (snake_case). Subjects here are the
/// store's own, without the directory's `subject_prefix`.
struct AdminUserRoutes: Sendable {
    let users: (any UserStore)?
    /// Where each change is recorded (the engine's audit trail).
    let audit: @Sendable () -> AuditLog

    /// The largest request body: one user's record.
    static let maxBodySize = DirectoryUserCheck.maxRecordBytes

    func register<Context: RequestContext>(on admin: RouterGroup<Context>) {
        admin.get("/users") { request, _ -> Response in
            guard let users else { return Self.notConfigured }
            let query = request.uri.queryParameters
            if let hint = query.get("hint") {
                guard !hint.isEmpty, hint.count <= DirectoryUserCheck.maxIdentifierLength else {
                    return AdminResponse.error(.badRequest, "invalid_request", "hint must be 1 to \(DirectoryUserCheck.maxIdentifierLength) characters")
                }
                let found = try await StoreUserDirectory(users: users).user(loginHint: hint)
                return AdminResponse.json(.ok, ["users": found.map { [UserRecord($0)] } ?? []])
            }
            var limit = 100
            if let text = query.get("limit") {
                guard let value = Int(text), (1...AdminRoutes.maxLimit).contains(value) else {
                    return AdminResponse.error(.badRequest, "invalid_request", "limit must be a whole number from 1 to \(AdminRoutes.maxLimit)")
                }
                limit = value
            }
            let after = query.get("after")
            guard (after?.count ?? 0) <= DirectoryUserCheck.maxIdentifierLength else {
                return AdminResponse.error(.badRequest, "invalid_request", "after is longer than \(DirectoryUserCheck.maxIdentifierLength) characters")
            }
            let page = try await users.users(after: after, limit: limit)
            return AdminResponse.json(.ok, UserPage(users: page.map(UserRecord.init), next: page.count == limit ? page.last?.subject : nil))
        }
        admin.post("/users") { request, _ -> Response in
            guard let users else { return Self.notConfigured }
            let user: DirectoryUser
            switch await Self.user(in: request) {
            case .success(let read): user = read
            case .failure(let refusal): return refusal.response
            }
            guard try await users.user(subject: user.subject) == nil else {
                return AdminResponse.error(.conflict, "subject_taken", "a user has this subject; PUT /admin/users/{subject} replaces it")
            }
            return try await Self.put(user, into: users, audit: audit())
        }
        admin.get("/users/{subject}") { _, context -> Response in
            guard let users else { return Self.notConfigured }
            guard let user = try await users.user(subject: Self.subject(context)) else { return Self.noSuchUser }
            return AdminResponse.json(.ok, UserRecord(user))
        }
        admin.put("/users/{subject}") { request, context -> Response in
            guard let users else { return Self.notConfigured }
            let user: DirectoryUser
            switch await Self.user(in: request) {
            case .success(let read): user = read
            case .failure(let refusal): return refusal.response
            }
            guard user.subject == Self.subject(context) else {
                return AdminResponse.error(.badRequest, "invalid_request", "the record's subject is not the one in the path")
            }
            return try await Self.put(user, into: users, audit: audit())
        }
        admin.delete("/users/{subject}") { _, context -> Response in
            guard let users else { return Self.notConfigured }
            let subject = Self.subject(context)
            guard try await users.delete(subject: subject) else { return Self.noSuchUser }
            audit().userChanged(subject: subject, change: "deleted", by: "admin-api")
            return AdminResponse.json(.ok, ["deleted": subject])
        }
    }

    private static let notConfigured = AdminResponse.error(
        .conflict, "no_store_directory", "the store directory is not configured: add `plugin: store` to `directory:`")
    private static let noSuchUser = AdminResponse.error(.notFound, "not_found", "no user has this subject")

    private static func subject<Context: RequestContext>(_ context: Context) -> String {
        let raw = context.parameters.get("subject") ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    private static func put(_ user: DirectoryUser, into users: any UserStore, audit: AuditLog) async throws -> Response {
        switch try await users.put(user) {
        case .created:
            audit.userChanged(subject: user.subject, change: "created", by: "admin-api")
            return AdminResponse.json(.created, UserRecord(user))
        case .updated:
            audit.userChanged(subject: user.subject, change: "updated", by: "admin-api")
            return AdminResponse.json(.ok, UserRecord(user))
        case .unchanged:
            return AdminResponse.json(.ok, UserRecord(user))
        case .keyTaken(let key, let owner):
            return AdminResponse.json(
                .conflict, ["error": "key_taken", "error_description": "another user is found by \(key)", "owner": owner])
        }
    }

    private struct Refusal: Error {
        let response: Response
    }

    /// The user a request's JSON body holds, checked.
    private static func user(in request: Request) async -> Result<DirectoryUser, Refusal> {
        guard let body = try? await request.body.collect(upTo: maxBodySize) else {
            return .failure(Refusal(response: AdminResponse.error(.contentTooLarge, "invalid_request", "the body is larger than \(maxBodySize / 1024) KiB")))
        }
        let tree: JSONValue
        do {
            tree = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))
        } catch {
            return .failure(Refusal(response: AdminResponse.error(.badRequest, "invalid_request", "the body is not JSON")))
        }
        let user: DirectoryUser
        do {
            user = try tree.decode(as: DirectoryUser.self)
        } catch {
            let field = error.path.isEmpty ? "" : "\(error.path): "
            return .failure(Refusal(response: AdminResponse.error(.badRequest, "invalid_request", "\(field)\(error.reason)")))
        }
        if let problem = DirectoryUserCheck.problem(with: user) {
            return .failure(Refusal(response: AdminResponse.error(.badRequest, "invalid_request", problem)))
        }
        return .success(user)
    }
}

/// A page of users; `next` is the `after` of the next page, absent on the last.
private struct UserPage: Encodable {
    var users: [UserRecord]
    var next: String?
}

/// A user as the admin API shows it: the configuration file's spelling.
struct UserRecord: Encodable {
    let user: DirectoryUser

    init(_ user: DirectoryUser) {
        self.user = user
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(user.subject, forKey: .subject)
        try container.encode(user.loginHints, forKey: .loginHints)
        try container.encodeIfPresent(user.email, forKey: .email)
        try container.encodeIfPresent(user.phoneNumber, forKey: .phoneNumber)
        try container.encode(user.deviceIds, forKey: .deviceIds)
        try container.encode(user.attributes, forKey: .attributes)
        // Whether a user code is set, never its hash.
        try container.encode(user.userCodeHash != nil, forKey: .hasUserCode)
    }

    private enum Key: String, CodingKey {
        case subject, email, attributes
        case loginHints = "login_hints"
        case phoneNumber = "phone_number"
        case deviceIds = "device_ids"
        case hasUserCode = "has_user_code"
    }
}
