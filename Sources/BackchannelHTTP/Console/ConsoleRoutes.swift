import BackchannelCore
import BackchannelServer
import Foundation
import Hummingbird

/// The console's sections: pending requests (filter, cancel), clients, authenticators, devices, users,
/// the configuration in force (reload) and the audit tail.
struct ConsoleRoutes: Sendable {
    let console: OperatorConsole

    private var pages: ConsolePages { console.pages }
    private var engines: EngineHandle { console.engines }

    /// Notices a redirect may name (`?done=…`): fixed texts, never what a request carried.
    private static let notices = [
        "cancelled": "The request was cancelled: its client is told access_denied.",
        "not-pending": "That request is no longer pending; nothing was done.",
        "revoked": "The device was revoked.",
        "not-revoked": "No such device; nothing was done.",
    ]

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/console/pending") { request, _ in try await console.page(request) { try await pending(request, $0) } }
        router.post("/console/pending/cancel") { request, _ in
            try await console.form(request) { form, _, _ in
                let hash = OperatorConsole.value("request", in: form) ?? ""
                guard hash.utf8.count <= 64 else { return ConsolePages.redirect("/console/pending?done=not-pending") }
                let outcome = try await engines.current.cancel(authReqIdHash: hash, by: "operator-console")
                return ConsolePages.redirect("/console/pending?done=\(outcome == .cancelled ? "cancelled" : "not-pending")")
            }
        }
        router.get("/console/clients") { request, _ in try await console.page(request) { clients($0) } }
        router.get("/console/authenticators") { request, _ in try await console.page(request) { await authenticators($0) } }
        router.get("/console/devices") { request, _ in
            try await console.page(request) {
                try await devices($0, authenticator: filter(request, "authenticator"), subject: filter(request, "subject"), notice: notice(request))
            }
        }
        router.post("/console/devices/enroll") { request, _ in
            try await console.form(request) { form, session, _ in try await enroll(form, session) }
        }
        router.post("/console/devices/revoke") { request, _ in
            try await console.form(request) { form, _, _ in
                guard let issuer = enrolling(OperatorConsole.value("authenticator", in: form)), let device = OperatorConsole.value("device", in: form),
                    device.utf8.count <= 256
                else { return ConsolePages.redirect("/console/devices?done=not-revoked") }
                let revoked = try await issuer.revokeDevice(id: device)
                return ConsolePages.redirect("/console/devices?done=\(revoked ? "revoked" : "not-revoked")")
            }
        }
        router.get("/console/users") { request, _ in try await console.page(request) { try await users(request, $0) } }
        router.get("/console/configuration") { request, _ in try await console.page(request) { configuration($0, outcome: nil) } }
        router.post("/console/reload") { request, _ in
            try await console.form(request) { _, session, _ in
                guard let reload = console.reload else { return configuration(session, outcome: nil) }
                return configuration(session, outcome: reload())
            }
        }
        router.get("/console/audit") { request, _ in try await console.page(request) { audit($0) } }
    }

    private func notice(_ request: Request) -> String? {
        request.uri.queryParameters.get("done").flatMap { Self.notices[$0] }
    }

    /// A filter from the query: at most 256 bytes, empty as none.
    private func filter(_ request: Request, _ name: String) -> String? {
        guard let value = request.uri.queryParameters.get(name), !value.isEmpty, value.utf8.count <= 256 else { return nil }
        return value
    }

    private func pending(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let engine = engines.current
        let (clientId, subject, authenticator) = (filter(request, "client_id"), filter(request, "subject"), filter(request, "authenticator"))
        var found = try await engine.pendingRequests(subject: subject, clientId: clientId, limit: OperatorConsole.listLimit)
        if let authenticator { found = found.filter { $0.authenticator == authenticator } }
        let rows: [[String: Any]] = found.map { summary in
            [
                "hash": summary.authReqIdSha256, "label": String(summary.authReqIdSha256.prefix(10)) + "…", "clientId": summary.clientId,
                "subject": summary.subject ?? "—", "authenticator": summary.authenticator, "mode": summary.deliveryMode,
                "created": ConsolePages.time(summary.createdAt), "expires": ConsolePages.time(summary.expiresAt),
            ]
        }
        let names = engine.authenticatorInstances.map(\.name)
        return pages.render(
            "pending", title: "Pending requests",
            context: [
                "requests": rows, "clientId": clientId ?? "", "subject": subject ?? "", "limit": OperatorConsole.listLimit,
                "authenticators": names.map { ["name": $0, "selected": $0 == authenticator] as [String: Any] },
            ], session: session, notice: notice(request))
    }

    private func clients(_ session: ConsoleSessions.Session) -> Response {
        let engine = engines.current
        let outcomes = engine.clientOutcomes
        let rows: [[String: Any]] = engine.clientSummaries.map { client in
            var row: [String: Any] = [
                "clientId": client.clientId, "mode": client.deliveryMode, "methods": client.tokenEndpointAuthMethods.joined(separator: ", "),
                "scopes": client.scopes.joined(separator: " "), "authenticators": client.authenticators.joined(separator: ", "),
            ]
            if let name = client.clientName { row["name"] = name }
            if let endpoint = client.notificationEndpoint { row["endpoint"] = endpoint }
            if let tally = outcomes[client.clientId] {
                row["outcomes"] = tally.counts.sorted { $0.key < $1.key }.map { ["name": $0.key, "count": $0.value] as [String: Any] }
                if let last = tally.last { row["last"] = ConsolePages.time(last) }
            }
            return row
        }
        return pages.render("clients", title: "Clients", context: ["clients": rows], session: session)
    }

    private func authenticators(_ session: ConsoleSessions.Session) async -> Response {
        let engine = engines.current
        let counts = console.deliveries()
        let rows: [[String: Any]] = await engine.authenticatorSummaries().map { summary in
            let delivered = counts[summary.name] ?? [:]
            return [
                "name": summary.name, "plugin": summary.plugin, "acr": summary.acr, "state": summary.state,
                "stateClass": summary.state == "ready" ? "ok" : "bad", "pending": summary.pending,
                "sent": delivered[.sent] ?? 0, "retried": delivered[.retried] ?? 0, "failed": delivered[.failed] ?? 0,
            ]
        }
        let notifications = engine.notificationCounters
        return pages.render(
            "authenticators", title: "Authenticators",
            context: [
                "authenticators": rows, "delivered": notifications.delivered, "retried": notifications.retried, "failed": notifications.failed,
            ], session: session)
    }

    /// The device-enrolling authenticator of this name, if there is one.
    private func enrolling(_ name: String?) -> (any DeviceEnrollmentIssuer)? {
        engines.current.deviceEnrollmentIssuer(named: name)
    }

    private func devices(
        _ session: ConsoleSessions.Session, authenticator chosen: String?, subject: String?, notice: String?, code: DeviceEnrollmentCode? = nil
    ) async throws -> Response {
        let names = engines.current.deviceEnrollingAuthenticators
        let authenticator = chosen ?? names.first
        var context: [String: Any] = [
            "authenticators": names.map { ["name": $0, "selected": $0 == authenticator] as [String: Any] }, "subject": subject ?? "",
        ]
        if !names.isEmpty { context["enrolling"] = true }
        if let authenticator, let subject, let issuer = enrolling(authenticator) {
            context["listed"] = true
            context["authenticator"] = authenticator
            context["devices"] = try await issuer.enrolledDevices(subject: subject).map { device in
                var row: [String: Any] = [
                    "id": device.deviceId, "platform": device.platform, "enrolled": ConsolePages.time(device.enrolledAt), "stale": device.stale,
                ]
                row["label"] = device.label ?? "—"
                return row
            }
        }
        if let code { context["code"] = code.code; context["expires"] = ConsolePages.time(code.expiresAt) }
        return pages.render("devices", title: "Devices", context: context, session: session, notice: notice)
    }

    private func enroll(_ form: [(name: String, value: String)], _ session: ConsoleSessions.Session) async throws -> Response {
        let name = OperatorConsole.value("authenticator", in: form)
        guard let issuer = enrolling(name), let name, let subject = OperatorConsole.value("subject", in: form), !subject.isEmpty,
            subject.utf8.count <= 256
        else {
            return pages.render("blank", title: "Devices", session: session, problem: "No such authenticator or subject; nothing was done.", status: .badRequest)
        }
        do {
            let code = try await issuer.issueEnrollmentCode(subject: subject)
            return try await devices(session, authenticator: name, subject: subject, notice: nil, code: code)
        } catch let error as DeviceEnrollmentError where error.code == .unknownSubject {
            return pages.render("blank", title: "Devices", session: session, problem: "No user has this subject; no code was issued.", status: .notFound)
        }
    }

    private func users(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        var context: [String: Any] = [:]
        if let subject = filter(request, "subject") {
            context["subject"] = subject
            context["looked"] = true
            if let user = try await engines.current.directoryUser(subject: subject) { context["user"] = Self.row(user) }
        }
        if let users = console.users {
            context["listing"] = true
            let after = filter(request, "after")
            let page = try await users.users(after: after, limit: 50)
            context["stored"] = page.map(Self.row)
            if page.count == 50, let last = page.last {
                context["next"] = last.subject.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            }
        }
        return pages.render("users", title: "Users", context: context, session: session)
    }

    private static func row(_ user: DirectoryUser) -> [String: Any] {
        [
            "subject": user.subject, "hints": user.loginHints.joined(separator: ", "), "phone": user.phoneNumber ?? "—", "email": user.email ?? "—",
            "devices": user.deviceIds.joined(separator: ", "),
        ]
    }

    private func configuration(_ session: ConsoleSessions.Session, outcome: ReloadOutcome?) -> Response {
        var context: [String: Any] = [
            "configuration": ConfigurationRedaction.text(console.configuration()), "reloadable": console.reload != nil,
            "reloadNote": console.reload == nil ? "This server runs on its embedded defaults: there is no file to reload." : "Clients, users and policy apply to new requests.",
        ]
        if let outcome {
            context["outcome"] = outcome.applied ? "Reloaded." : "Refused; the running configuration stays: \(outcome.error ?? "")"
            context["outcomeClass"] = outcome.applied ? "notice" : "problem"
            if !outcome.restartNeeded.isEmpty { context["restart"] = outcome.restartNeeded.joined(separator: ", ") }
        }
        return pages.render("configuration", title: "Configuration", context: context, session: session)
    }

    private func audit(_ session: ConsoleSessions.Session) -> Response {
        let entries = console.audit?.recent(limit: 100) ?? []
        let rows: [[String: Any]] = entries.map { entry in
            [
                "time": ConsolePages.time(entry.time), "message": entry.message,
                "event": entry.fields.first { $0.name == "event" }?.value ?? entry.level,
                "fields": entry.fields.filter { $0.name != "event" }.map { ["name": $0.name, "value": $0.value] },
            ]
        }
        return pages.render("audit", title: "Audit", context: ["entries": rows, "count": rows.count], session: session)
    }
}
