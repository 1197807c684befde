import BackchannelCore
import Foundation
import Mustache

/// The simulated device's page: a user's pending requests, each with its client, scopes and binding
/// message, and buttons to approve or deny. Works without JavaScript.
///
/// Forms are protected by a double-submit token: a random value set in a `SameSite=Strict` cookie that
/// each form must repeat, which a cross-site page can neither read nor set.
struct MockPushDevicePage: FrontChannelInteraction {
    private var csrf: DoubleSubmitToken { DoubleSubmitToken(cookieName: "mock_push_csrf", path: basePath) }

    private let configuration: MockPushPageConfiguration
    private let authenticator: MockPushAuthenticator
    private let services: BackchannelHostServices
    private let template: MustacheTemplate

    init(configuration: MockPushPageConfiguration, authenticator: MockPushAuthenticator, services: BackchannelHostServices) throws {
        self.configuration = configuration
        self.authenticator = authenticator
        self.services = services
        self.template = try MustacheTemplate(string: MockPushTemplates.page)
    }

    func respond(to request: FrontChannelRequest) async -> FrontChannelResponse {
        switch (request.method, request.path) {
        case (.get, ""):
            return await render(user: request.queryValue("user"), notice: request.queryValue("done"), request: request)
        case (.post, "respond"):
            return await submit(request)
        default:
            return .text("Not found", status: 404)
        }
    }

    private func render(user: String?, notice: String?, request: FrontChannelRequest, status: Int = 200) async -> FrontChannelResponse {
        var headers: [String: String] = [:]
        let (token, setCookie) = csrf.token(for: request, random: services.random)
        if let setCookie { headers["Set-Cookie"] = setCookie }
        let notifications: [MockPushNotification]
        do {
            notifications = try await user.asyncMap { try await authenticator.pendingNotifications(subject: $0) } ?? []
        } catch {
            return .text("The device is unavailable. Try again.", status: 503)
        }
        var context: [String: Any] = [
            "title": configuration.title,
            "action": basePath + "respond",
            "user": user ?? "",
            "hasUser": user != nil,
            "csrf": token,
            "notifications": notifications.map { notification in
                [
                    "id": notification.authReqId.rawValue,
                    "client": notification.clientName,
                    "scopes": notification.scopes.joined(separator: " "),
                    "bindingMessage": notification.bindingMessage ?? "",
                    "hasBindingMessage": notification.bindingMessage != nil,
                    // What is approved, entry by entry: the summary, then every field, so nothing is hidden.
                    "authorizationDetails": notification.authorizationDetails.templateContext,
                    "approve": !notification.authorizationDetails.isEmpty,
                ] as [String: Any]
            },
            "none": user != nil && notifications.isEmpty,
        ]
        // Absent rather than empty: Mustache renders a section for an empty string.
        if let text = notice.flatMap({ Self.notices[$0] }) { context["notice"] = text }
        var response = FrontChannelResponse.html(template.render(context), status: status)
        response.headers.merge(headers) { $1 }
        return response
    }

    private func submit(_ request: FrontChannelRequest) async -> FrontChannelResponse {
        guard csrf.verify(request) else {
            return .text("The form has expired. Reload the page and try again.", status: 403)
        }
        guard let id = request.formValue("id"), let user = request.formValue("user"),
            let decision = request.formValue("decision"), decision == "approve" || decision == "deny"
        else {
            return .text("Incomplete form.", status: 400)
        }
        let authReqId = AuthReqId(rawValue: id)
        // Only the user the notification was sent to may answer it.
        let answered: Bool
        do {
            guard try await authenticator.pendingNotifications(subject: user).contains(where: { $0.authReqId == authReqId }) else {
                return await render(user: user, notice: "gone", request: request, status: 409)
            }
            answered = try await authenticator.respond(authReqId: authReqId, approve: decision == "approve")
        } catch {
            return .text("The device is unavailable. Try again.", status: 503)
        }
        let done = answered ? (decision == "approve" ? "approved" : "denied") : "gone"
        let query = "user=\(user.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&done=\(done)"
        return .seeOther("\(basePath)?\(query)")
    }

    private var basePath: String { services.frontChannelBasePath }

    private static let notices: [String: String] = [
        "approved": "Approved. The client can now collect its tokens.",
        "denied": "Denied. The client will be told you refused.",
        "gone": "That request is no longer pending.",
    ]
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
