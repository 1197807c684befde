import AsyncHTTPClient
import BackchannelCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Sends text messages through the configured HTTP gateway, retrying 5xx answers and timeouts with
/// exponential backoff.
struct SMSGateway: Sendable {
    /// Why a message was not delivered.
    enum Failure: Error, Equatable {
        /// The gateway refused it (a 4xx answer): retrying would not help.
        case refused(status: Int)
        /// It failed every attempt (5xx answers, timeouts, unreachable); `lastCause` is a fixed reason code
        /// for the operator's log: `connection_refused`, `timeout`, `connection_failed`, `status_5xx`.
        case unavailable(attempts: Int, lastCause: String)
    }

    let configuration: SMSConfiguration
    let httpClient: HTTPClient
    let clock: any BackchannelClock
    let deliveries: any DeliveryRecorder

    func send(to phoneNumber: String, text: String) async throws(Failure) {
        var delay = Double(configuration.retryDelayMs) / 1000
        var lastCause = "connection_failed"
        for attempt in 0...configuration.maxRetries {
            if attempt > 0 {
                deliveries.record(.retried)
                try? await clock.sleep(until: clock.now.addingTimeInterval(delay))
                delay *= 2
            }
            do {
                let response = try await httpClient.execute(request(to: phoneNumber, text: text), timeout: .seconds(Int64(configuration.timeoutSeconds)))
                let status = Int(response.status.code)
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if (200..<300).contains(status) {
                    deliveries.record(.sent)
                    return
                }
                if (400..<500).contains(status) {
                    deliveries.record(.failed)
                    throw Failure.refused(status: status)
                }
                lastCause = "status_5xx"
            } catch let failure as Failure {
                throw failure
            } catch {
                // A timeout or a transport failure: retried like a 5xx.
                lastCause = Self.cause(of: error)
            }
        }
        deliveries.record(.failed)
        throw .unavailable(attempts: configuration.maxRetries + 1, lastCause: lastCause)
    }

    /// A transport failure's reason code: what the operator needs to tell a gateway that is down (refused)
    /// from one that is slow or unreachable (timeout).
    static func cause(of error: any Error) -> String {
        if let error = error as? HTTPClientError, [.connectTimeout, .deadlineExceeded, .readTimeout].contains(error) {
            return "timeout"
        }
        if let error = error as? NIOConnectionError {
            let refused = error.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
            return refused ? "connection_refused" : (error.dnsAError != nil || error.dnsAAAAError != nil ? "name_resolution" : "connection_failed")
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return "connection_refused" }
        return "connection_failed"
    }

    private func request(to phoneNumber: String, text: String) throws -> HTTPClientRequest {
        switch configuration.provider {
        case .webhook:
            var request = HTTPClientRequest(url: configuration.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            if let token = configuration.authToken { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            let body = try JSONEncoder().encode(["to": phoneNumber, "from": configuration.from, "text": text])
            request.body = .bytes(ByteBuffer(bytes: body))
            return request
        case .twilio:
            let sid = configuration.accountSid ?? ""
            let base = configuration.url.hasSuffix("/") ? String(configuration.url.dropLast()) : configuration.url
            var request = HTTPClientRequest(url: "\(base)/2010-04-01/Accounts/\(FormURLEncoding.escape(sid))/Messages.json")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            let credentials = Data("\(sid):\(configuration.authToken ?? "")".utf8).base64EncodedString()
            request.headers.add(name: "Authorization", value: "Basic \(credentials)")
            let form = [("To", phoneNumber), ("From", configuration.from), ("Body", text)]
            request.body = .bytes(ByteBuffer(string: form.map { "\($0.0)=\(FormURLEncoding.escape($0.1))" }.joined(separator: "&")))
            return request
        }
    }
}
