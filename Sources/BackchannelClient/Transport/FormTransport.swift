import AsyncHTTPClient
import BackchannelCore
import Foundation
import NIOCore
import NIOHTTP1

/// Sends form posts and GETs with async-http-client and reads JSON answers.
struct FormTransport: Sendable {
    let httpClient: HTTPClient
    let timeout: TimeAmount

    struct Answer {
        var status: Int
        var json: [String: JSONValue]
        var body: Data
        /// The `error` of a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3), if the answer had one.
        var bearerError: String? = nil
    }

    func get(_ url: String, authorization: String? = nil) async throws(BackchannelClientError) -> Answer {
        var request = HTTPClientRequest(url: url)
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        return try await send(request)
    }

    func post(_ url: String, form: [(String, String)], authorization: String?) async throws(BackchannelClientError) -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(string: Self.encode(form)))
        return try await send(request)
    }

    private func send(_ request: HTTPClientRequest) async throws(BackchannelClientError) -> Answer {
        var request = request
        request.headers.add(name: "Accept", value: "application/json")
        do {
            let response = try await httpClient.execute(request, timeout: timeout)
            let buffer = try await response.body.collect(upTo: 1 << 20)
            let body = Data(buffer.readableBytesView)
            let json = (try? JSONDecoder().decode([String: JSONValue].self, from: body)) ?? [:]
            let challenge = response.headers.first(name: "WWW-Authenticate")
            let bearerError = challenge?.firstMatch(of: #/error="([a-z_]+)"/#).map { String($0.1) }
            return Answer(status: Int(response.status.code), json: json, body: body, bearerError: bearerError)
        } catch is CancellationError {
            throw .cancelled
        } catch {
            if Task.isCancelled { throw .cancelled }
            throw .connection(await ConnectionFailure.classify(error, url: request.url))
        }
    }

    /// `application/x-www-form-urlencoded` as RFC 6749 Appendix B defines it.
    static func encode(_ form: [(String, String)]) -> String {
        form.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    /// RFC 6749 Appendix B (the HTML form encoding), the one encoder in `BackchannelCore`: Basic
    /// credentials encoded so are the form servers expect most (Backchannel's server authenticates them
    /// with one hash).
    static func escape(_ value: String) -> String {
        FormURLEncoding.escape(value)
    }
}
