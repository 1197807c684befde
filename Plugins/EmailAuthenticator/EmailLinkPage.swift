import BackchannelCore
import Foundation
import Mustache

/// The page an authentication mail links to: the client, the scopes and the binding message, with
/// approve and deny buttons in a CSRF-protected form. Works without JavaScript; everything is escaped.
struct EmailLinkPage: FrontChannelInteraction {
    private let authenticator: EmailAuthenticator
    private let services: BackchannelHostServices
    private let template: MustacheTemplate

    init(authenticator: EmailAuthenticator, services: BackchannelHostServices) throws {
        self.authenticator = authenticator
        self.services = services
        self.template = try MustacheTemplate(string: EmailTemplates.page)
    }

    private var basePath: String { services.frontChannelBasePath }

    private var csrf: DoubleSubmitToken { DoubleSubmitToken(cookieName: "email_csrf", path: basePath) }

    func respond(to request: FrontChannelRequest) async -> FrontChannelResponse {
        guard request.path == "" else { return .text("Not found", status: 404) }
        let token = request.queryValue("token") ?? request.formValue("token") ?? ""
        do {
            guard let record = try await authenticator.pending(linkToken: token) else {
                return render(nil, token: token, request: request, message: "This link has expired or was already used.", status: 410)
            }
            guard request.method == .post else { return render(record, token: token, request: request, message: nil) }
            guard csrf.verify(request) else { return .text("The form has expired. Reload the page and try again.", status: 403) }
            guard let decision = request.formValue("decision"), decision == "approve" || decision == "deny" else {
                return .text("Incomplete form.", status: 400)
            }
            let code = request.formValue("code").map { $0.filter(\.isNumber) }
            switch try await authenticator.answer(linkToken: token, approve: decision == "approve", code: code) {
            case .recorded:
                let message = decision == "approve" ? "Approved. You can close this page." : "Denied. The request was refused."
                return render(nil, token: token, request: request, message: message)
            case .wrongCode(let left):
                return render(record, token: token, request: request, message: "That code is wrong. \(left) attempt\(left == 1 ? "" : "s") left.", status: 400)
            case .failed:
                return render(nil, token: token, request: request, message: "Too many wrong codes. The sign-in request has failed.", status: 403)
            case .gone:
                return render(nil, token: token, request: request, message: "This link has expired or was already used.", status: 410)
            }
        } catch {
            return .text("The service is unavailable. Try again.", status: 503)
        }
    }

    private func render(_ record: EmailRecord?, token: String, request: FrontChannelRequest, message: String?, status: Int = 200) -> FrontChannelResponse {
        let (csrfToken, setCookie) = csrf.token(for: request, random: services.random)
        var context: [String: Any] = ["hasForm": record != nil, "csrf": csrfToken, "action": basePath, "token": token]
        // Absent rather than empty: Mustache renders a section for an empty string.
        if let message { context["message"] = message }
        if let record {
            context["client"] = record.clientName
            context["scopes"] = record.scopes.joined(separator: " ")
            context["bindingMessage"] = record.bindingMessage ?? ""
            context["hasBindingMessage"] = record.bindingMessage != nil
            context["authorizationDetails"] = record.authorizationDetails?.templateContext ?? []
            context["approve"] = !(record.authorizationDetails?.isEmpty ?? true)
            context["askCode"] = record.codeHash != nil
        }
        var response = FrontChannelResponse.html(template.render(context), status: status)
        if let setCookie { response.headers["Set-Cookie"] = setCookie }
        return response
    }

}
