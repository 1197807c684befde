import BackchannelCore
import Foundation

/// Sends text messages through the configured HTTP gateway, retrying 5xx answers and timeouts with
/// exponential backoff.
struct SMSGateway: Sendable {
    /// Why a message was not delivered.
    enum Failure: Error, Equatable {
        /// The gateway refused it (a 4xx answer): retrying would not help.
        case refused(status: Int)
        /// It failed every attempt (5xx answers, timeouts, unreachable), or the host shut down; `lastCause` is a
        /// fixed reason code for the operator's log: an ``OutboundHTTPError/Code`` name (`connection_refused`,
        /// `timeout`, `connection_failed`, `cancelled`…) or `status_5xx`.
        case unavailable(attempts: Int, lastCause: String)
    }

    let configuration: SMSConfiguration
    let http: any OutboundHTTPClient
    let clock: any BackchannelClock
    let deliveries: any DeliveryRecorder

    func send(to phoneNumber: String, text: String) async throws(Failure) {
        var delay = Double(configuration.retryDelayMs) / 1000
        var lastCause = "connection_failed"
        guard let request = request(to: phoneNumber, text: text) else {
            deliveries.record(.failed)
            throw .unavailable(attempts: 0, lastCause: OutboundHTTPError.Code.invalidRequest.name)
        }
        for attempt in 0...configuration.maxRetries {
            if attempt > 0 {
                deliveries.record(.retried)
                try? await clock.sleep(until: clock.now.addingTimeInterval(delay))
                delay *= 2
            }
            let status: Int
            do {
                status = try await http.send(request, maxResponseBytes: 64 * 1024).status
            } catch {
                // Shutting down: no more attempts, the delivery fails now.
                if error.code == .cancelled || Task.isCancelled {
                    deliveries.record(.failed)
                    throw .unavailable(attempts: attempt + 1, lastCause: error.code.name)
                }
                // A timeout or a transport failure: retried like a 5xx.
                lastCause = error.code.name
                continue
            }
            if (200..<300).contains(status) {
                deliveries.record(.sent)
                return
            }
            if (400..<500).contains(status) {
                deliveries.record(.failed)
                throw .refused(status: status)
            }
            lastCause = "status_5xx"
        }
        deliveries.record(.failed)
        throw .unavailable(attempts: configuration.maxRetries + 1, lastCause: lastCause)
    }

    /// The gateway's request; `nil` when the configured URL is not one (a programmatic configuration skips the file's checks).
    private func request(to phoneNumber: String, text: String) -> OutboundHTTPRequest? {
        let timeout = Duration.seconds(configuration.timeoutSeconds)
        switch configuration.provider {
        case .webhook:
            guard let url = URL(string: configuration.url) else { return nil }
            var request = OutboundHTTPRequest(method: "POST", url: url, timeout: timeout)
            if let token = configuration.authToken { request.headers.append(name: "Authorization", value: "Bearer \(token)") }
            // Encoding three strings cannot fail.
            try? request.setJSONBody(["to": phoneNumber, "from": configuration.from, "text": text])
            return request
        case .twilio:
            let sid = configuration.accountSid ?? ""
            let base = configuration.url.hasSuffix("/") ? String(configuration.url.dropLast()) : configuration.url
            let path = sid.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            guard let url = URL(string: "\(base)/2010-04-01/Accounts/\(path)/Messages.json") else { return nil }
            var request = OutboundHTTPRequest(method: "POST", url: url, timeout: timeout)
            let credentials = Data("\(sid):\(configuration.authToken ?? "")".utf8).base64EncodedString()
            request.headers.append(name: "Authorization", value: "Basic \(credentials)")
            request.setFormBody([("To", phoneNumber), ("From", configuration.from), ("Body", text)])
            return request
        }
    }
}
