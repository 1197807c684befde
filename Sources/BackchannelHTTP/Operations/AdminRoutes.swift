import BackchannelCore
import BackchannelServer
import Foundation
import Hummingbird

/// The admin API, under `/admin/` on the operations listener (documented in `docs/admin-openapi.yaml`):
/// every call carries `Authorization: Bearer <admin token>`, checked by ``AdminTokenMiddleware`` on the group.
///
/// - `GET /admin/requests?subject=…&client_id=…&limit=…`: pending requests, oldest first.
/// - `POST /admin/requests/{auth_req_id_sha256}/cancel`: deny a pending request (its handler is told).
/// - `GET /admin/clients`, `GET /admin/authenticators`: the registrations and their state.
/// - `POST /admin/reload`: re-read the configuration file, as SIGHUP does.
/// - `/admin/users`: the `store` directory's users (``AdminUserRoutes``).
public struct AdminRoutes: Sendable {
    let engines: EngineHandle
    let token: String
    /// Re-reads the configuration file; `nil` when the server runs without one.
    let reload: (@Sendable () -> ReloadOutcome)?
    /// The `store` directory's users (`/admin/users`); `nil` when it is not configured.
    let users: (any UserStore)?

    static let maxLimit = 1000
    static let maxFilterLength = 1024

    /// The admin API of the engines `engines` serves, for the bearer of `token`.
    /// - Parameter reload: Re-reads the configuration file (`POST /admin/reload`); `nil` when there is none.
    /// - Parameter users: The `store` directory's users (`/admin/users`); `nil` when it is not configured.
    public init(engines: EngineHandle, token: String, reload: (@Sendable () -> ReloadOutcome)?, users: (any UserStore)? = nil) {
        self.engines = engines
        self.token = token
        self.reload = reload
        self.users = users
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        let admin = router.group("/admin").add(middleware: AdminTokenMiddleware<Context>(token: token))
        AdminUserRoutes(users: users, audit: { [engines] in engines.current.audit }).register(on: admin)
        admin.get("/requests") { request, _ -> Response in
            let query = request.uri.queryParameters
            let subject = query.get("subject")
            let clientId = query.get("client_id")
            guard (subject?.count ?? 0) <= Self.maxFilterLength, (clientId?.count ?? 0) <= Self.maxFilterLength else {
                return AdminResponse.error(.badRequest, "invalid_request", "a filter is longer than \(Self.maxFilterLength) characters")
            }
            var limit = 100
            if let text = query.get("limit") {
                guard let value = Int(text), (1...Self.maxLimit).contains(value) else {
                    return AdminResponse.error(.badRequest, "invalid_request", "limit must be a whole number from 1 to \(Self.maxLimit)")
                }
                limit = value
            }
            let found = try await engines.current.pendingRequests(subject: subject, clientId: clientId, limit: limit)
            return AdminResponse.json(.ok, ["requests": found])
        }
        admin.post("/requests/{hash}/cancel") { request, context -> Response in
            let hash = context.parameters.get("hash") ?? ""
            switch try await engines.current.cancel(authReqIdHash: hash, by: "admin-api") {
            case .cancelled: return AdminResponse.json(.ok, ["cancelled": hash])
            case .notPending: return AdminResponse.error(.notFound, "not_found", "no pending request has this auth_req_id_sha256")
            }
        }
        admin.get("/clients") { _, _ -> Response in
            AdminResponse.json(.ok, ["clients": engines.current.clientSummaries])
        }
        admin.get("/authenticators") { _, _ -> Response in
            AdminResponse.json(.ok, ["authenticators": await engines.current.authenticatorSummaries()])
        }
        // A device-enrolling authenticator's one-time enrollment code for a user (form or query `subject`).
        admin.post("/authenticators/{name}/enrollment-codes") { request, context -> Response in
            let name = context.parameters.get("name") ?? ""
            guard let instance = engines.current.authenticatorInstances.first(where: { $0.name == name }) else {
                return AdminResponse.error(.notFound, "not_found", "no authenticator has this name")
            }
            guard let issuer = instance.handler as? any DeviceEnrollmentIssuer else {
                return AdminResponse.error(.conflict, "not_enrolling", "this authenticator does not enroll devices")
            }
            guard let subject = request.uri.queryParameters.get("subject"), !subject.isEmpty, subject.count <= Self.maxFilterLength else {
                return AdminResponse.error(.badRequest, "invalid_request", "subject is required")
            }
            do {
                return AdminResponse.json(.created, try await issuer.issueEnrollmentCode(subject: subject))
            } catch let error as DeviceEnrollmentError where error.code == .unknownSubject {
                return AdminResponse.error(.notFound, "unknown_subject", "no user has this subject")
            }
        }
        admin.get("/authenticators/{name}/devices") { request, context -> Response in
            guard let issuer = enrolling(context.parameters.get("name")) else {
                return AdminResponse.error(.notFound, "not_found", "no device-enrolling authenticator has this name")
            }
            guard let subject = request.uri.queryParameters.get("subject"), !subject.isEmpty, subject.count <= Self.maxFilterLength else {
                return AdminResponse.error(.badRequest, "invalid_request", "subject is required")
            }
            return AdminResponse.json(.ok, ["devices": try await issuer.enrolledDevices(subject: subject)])
        }
        admin.post("/authenticators/{name}/devices/{id}/revoke") { request, context -> Response in
            guard let issuer = enrolling(context.parameters.get("name")) else {
                return AdminResponse.error(.notFound, "not_found", "no device-enrolling authenticator has this name")
            }
            let id = context.parameters.get("id") ?? ""
            guard try await issuer.revokeDevice(id: id) else { return AdminResponse.error(.notFound, "not_found", "no device has this id") }
            return AdminResponse.json(.ok, ["revoked": id])
        }
        admin.post("/reload") { _, _ -> Response in
            guard let reload else {
                return AdminResponse.error(.conflict, "no_configuration_file", "this server runs on its embedded defaults: there is no file to reload")
            }
            let outcome = reload()
            return AdminResponse.json(outcome.applied ? .ok : .unprocessableContent, outcome)
        }
    }

    /// The device-enrolling authenticator of this name, if there is one.
    private func enrolling(_ name: String?) -> (any DeviceEnrollmentIssuer)? {
        engines.current.deviceEnrollmentIssuer(named: name)
    }
}
