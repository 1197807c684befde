import BackchannelCore
import BackchannelServer
import Crypto
import Foundation
import Hummingbird

/// The admin API, under `/admin/` on the operations listener (documented in `docs/admin-openapi.yaml`):
/// every call carries `Authorization: Bearer <admin token>`.
///
/// - `GET /admin/requests?subject=…&client_id=…&limit=…`: pending requests, oldest first.
/// - `POST /admin/requests/{auth_req_id_sha256}/cancel`: deny a pending request (its handler is told).
/// - `GET /admin/clients`, `GET /admin/authenticators`: the registrations and their state.
/// - `POST /admin/reload`: re-read the configuration file, as SIGHUP does.
struct AdminRoutes {
    let engines: EngineHandle
    /// The SHA-256 of the token: compared in constant time, digest to digest, so neither the token's
    /// length nor its bytes leak through timing.
    let tokenDigest: String
    let reloader: ConfigurationReloader
    let configurationPath: String?

    static let maxLimit = 1000
    static let maxFilterLength = 1024

    init(engines: EngineHandle, token: String, reloader: ConfigurationReloader, configurationPath: String?) {
        self.engines = engines
        self.tokenDigest = Self.digest(token)
        self.reloader = reloader
        self.configurationPath = configurationPath
    }

    private static func digest(_ text: String) -> String {
        Hex.encode(Array(SHA256.hash(data: Data(text.utf8))))
    }

    func register(on router: Router<BasicRequestContext>) {
        let admin = router.group("/admin")
        admin.get("/requests") { request, _ in
            await authorized(request) {
                let query = request.uri.queryParameters
                let subject = query.get("subject")
                let clientId = query.get("client_id")
                guard (subject?.count ?? 0) <= Self.maxFilterLength, (clientId?.count ?? 0) <= Self.maxFilterLength else {
                    return Self.error(.badRequest, "invalid_request", "a filter is longer than \(Self.maxFilterLength) characters")
                }
                var limit = 100
                if let text = query.get("limit") {
                    guard let value = Int(text), (1...Self.maxLimit).contains(value) else {
                        return Self.error(.badRequest, "invalid_request", "limit must be a whole number from 1 to \(Self.maxLimit)")
                    }
                    limit = value
                }
                let found = try await engines.current.pendingRequests(subject: subject, clientId: clientId, limit: limit)
                return Self.json(.ok, ["requests": found])
            }
        }
        admin.post("/requests/{hash}/cancel") { request, context in
            await authorized(request) {
                let hash = context.parameters.get("hash") ?? ""
                switch try await engines.current.cancel(authReqIdHash: hash, by: "admin-api") {
                case .cancelled: return Self.json(.ok, ["cancelled": hash])
                case .notPending: return Self.error(.notFound, "not_found", "no pending request has this auth_req_id_sha256")
                }
            }
        }
        admin.get("/clients") { request, _ in
            await authorized(request) { Self.json(.ok, ["clients": engines.current.clientSummaries]) }
        }
        admin.get("/authenticators") { request, _ in
            await authorized(request) { Self.json(.ok, ["authenticators": await engines.current.authenticatorSummaries()]) }
        }
        // A device-enrolling authenticator's one-time enrollment code for a user (form or query `subject`).
        admin.post("/authenticators/{name}/enrollment-codes") { request, context in
            await authorized(request) {
                let name = context.parameters.get("name") ?? ""
                guard let instance = engines.current.authenticatorInstances.first(where: { $0.name == name }) else {
                    return Self.error(.notFound, "not_found", "no authenticator has this name")
                }
                guard let issuer = instance.handler as? any DeviceEnrollmentIssuer else {
                    return Self.error(.conflict, "not_enrolling", "this authenticator does not enroll devices")
                }
                guard let subject = request.uri.queryParameters.get("subject"), !subject.isEmpty, subject.count <= Self.maxFilterLength else {
                    return Self.error(.badRequest, "invalid_request", "subject is required")
                }
                do {
                    return Self.json(.created, try await issuer.issueEnrollmentCode(subject: subject))
                } catch DeviceEnrollmentError.unknownSubject {
                    return Self.error(.notFound, "unknown_subject", "no user has this subject")
                }
            }
        }
        admin.get("/authenticators/{name}/devices") { request, context in
            await authorized(request) {
                guard let issuer = enrolling(context.parameters.get("name")) else {
                    return Self.error(.notFound, "not_found", "no device-enrolling authenticator has this name")
                }
                guard let subject = request.uri.queryParameters.get("subject"), !subject.isEmpty, subject.count <= Self.maxFilterLength else {
                    return Self.error(.badRequest, "invalid_request", "subject is required")
                }
                return Self.json(.ok, ["devices": try await issuer.enrolledDevices(subject: subject)])
            }
        }
        admin.post("/authenticators/{name}/devices/{id}/revoke") { request, context in
            await authorized(request) {
                guard let issuer = enrolling(context.parameters.get("name")) else {
                    return Self.error(.notFound, "not_found", "no device-enrolling authenticator has this name")
                }
                let id = context.parameters.get("id") ?? ""
                guard try await issuer.revokeDevice(id: id) else { return Self.error(.notFound, "not_found", "no device has this id") }
                return Self.json(.ok, ["revoked": id])
            }
        }
        admin.post("/reload") { request, _ in
            await authorized(request) {
                guard let configurationPath else {
                    return Self.error(.conflict, "no_configuration_file", "this server runs on its embedded defaults: there is no file to reload")
                }
                let outcome = reloader.reload(path: configurationPath)
                return Self.json(outcome.applied ? .ok : .unprocessableContent, outcome)
            }
        }
    }

    /// The device-enrolling authenticator of this name, if there is one.
    private func enrolling(_ name: String?) -> (any DeviceEnrollmentIssuer)? {
        engines.current.authenticatorInstances.first { $0.name == name }?.handler as? any DeviceEnrollmentIssuer
    }

    /// Runs `body` for a request bearing the admin token; 401 otherwise.
    private func authorized(_ request: Request, _ body: () async throws -> Response) async -> Response {
        guard let header = request.headers[.authorization], header.count > 7, header.prefix(7).lowercased() == "bearer ",
            ConstantTime.equals(Self.digest(String(header.dropFirst(7))), tokenDigest)
        else {
            var response = Self.error(.unauthorized, "invalid_token", "the admin API needs Authorization: Bearer <admin token>")
            response.headers[.wwwAuthenticate] = #"Bearer realm="backchannel-admin""#
            return response
        }
        do {
            return try await body()
        } catch {
            // The store failed: say so without its details (they are in the server's log).
            return Self.error(.serviceUnavailable, "temporarily_unavailable", "the store did not answer; try again")
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let body = (try? encoder.encode(value)) ?? Data(#"{"error":"server_error"}"#.utf8)
        return Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    private static func error(_ status: HTTPResponse.Status, _ code: String, _ description: String) -> Response {
        json(status, ["error": code, "error_description": description])
    }
}
