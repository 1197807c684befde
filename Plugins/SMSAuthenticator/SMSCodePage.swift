import BackchannelCore
import Foundation
import Mustache

/// The page an SMS links to: the client, the scopes and the binding message, and a form for the code,
/// protected by a double-submit token. Works without JavaScript; everything rendered is escaped.
struct SMSCodePage: FrontChannelInteraction {
    private let authenticator: SMSAuthenticator
    private let services: BackchannelHostServices
    private let template: MustacheTemplate

    init(authenticator: SMSAuthenticator, services: BackchannelHostServices) throws {
        self.authenticator = authenticator
        self.services = services
        self.template = try MustacheTemplate(string: SMSTemplates.page)
    }

    private var basePath: String { services.frontChannelBasePath }

    private var csrf: DoubleSubmitToken { DoubleSubmitToken(cookieName: "sms_csrf", path: basePath) }

    func respond(to request: FrontChannelRequest) async -> FrontChannelResponse {
        guard request.path == "" else { return .text("Not found", status: 404) }
        let linkToken = request.queryValue("request") ?? request.formValue("request") ?? ""
        let record: SMSRecord?
        do {
            record = try await authenticator.pending(linkToken: linkToken)
        } catch {
            return .text("The service is unavailable. Try again.", status: 503)
        }
        guard let record else {
            return render(nil, linkToken: linkToken, request: request, message: "This sign-in request is no longer pending.", status: 404)
        }
        guard request.method == .post else { return render(record, linkToken: linkToken, request: request, message: nil) }
        guard csrf.verify(request) else { return .text("The form has expired. Reload the page and try again.", status: 403) }
        let code = (request.formValue("code") ?? "").filter(\.isNumber)
        let outcome: SMSAuthenticator.Verification
        do {
            outcome = try await authenticator.verify(linkToken: linkToken, code: code)
        } catch {
            return .text("The service is unavailable. Try again.", status: 503)
        }
        switch outcome {
        case .approved: return render(nil, linkToken: linkToken, request: request, message: "Approved. You can close this page.")
        case .failed: return render(nil, linkToken: linkToken, request: request, message: "Too many wrong codes. The sign-in request has failed.", status: 403)
        case .gone: return render(nil, linkToken: linkToken, request: request, message: "This sign-in request is no longer pending.", status: 404)
        case .wrong(let left):
            return render(record, linkToken: linkToken, request: request, message: "That code is wrong. \(left) attempt\(left == 1 ? "" : "s") left.", status: 400)
        }
    }

    private func render(_ record: SMSRecord?, linkToken: String, request: FrontChannelRequest, message: String?, status: Int = 200) -> FrontChannelResponse {
        let (token, setCookie) = csrf.token(for: request, random: services.random)
        var context: [String: Any] = ["hasForm": record != nil, "csrf": token, "action": basePath]
        // Absent rather than empty: Mustache renders a section for an empty string.
        if let message { context["message"] = message }
        if let record {
            context["request"] = linkToken
            context["client"] = record.clientName
            context["scopes"] = record.scopes.joined(separator: " ")
            context["bindingMessage"] = record.bindingMessage ?? ""
            context["hasBindingMessage"] = record.bindingMessage != nil
            context["authorizationDetails"] = record.authorizationDetails?.templateContext ?? []
            context["approve"] = !(record.authorizationDetails?.isEmpty ?? true)
            context["digits"] = authenticator.configuration.codeLength
        }
        var response = FrontChannelResponse.html(template.render(context), status: status)
        if let setCookie { response.headers["Set-Cookie"] = setCookie }
        return response
    }

}
