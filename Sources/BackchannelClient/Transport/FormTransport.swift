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
    }

    func get(_ url: String) async throws(BackchannelClientError) -> Answer {
        try await send(HTTPClientRequest(url: url))
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
            return Answer(status: Int(response.status.code), json: json, body: body)
        } catch is CancellationError {
            throw .cancelled
        } catch {
            if Task.isCancelled { throw .cancelled }
            throw .transport(Self.plain(error, url: request.url))
        }
    }

    /// A transport failure as a sentence naming the URL: no driver type names, no stray punctuation.
    static func plain(_ error: any Error, url: String) -> String {
        if let client = error as? HTTPClientError {
            switch client {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                return "\(url) did not answer in time"
            case .remoteConnectionClosed:
                return "\(url) closed the connection without answering"
            default:
                break
            }
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return "nothing is listening at \(url) (connection refused)"
            case ECONNRESET: return "\(url) reset the connection"
            default: return "\(url) could not be reached (\(String(cString: strerror(io.errnoCode))))"
            }
        }
        let text = "\(error)"
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") { return "\(url) did not answer in time" }
        if text.contains("refused") { return "nothing is listening at \(url) (connection refused)" }
        return "\(url) could not be reached"
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
