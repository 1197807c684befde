import AsyncHTTPClient
import BackchannelCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The ``BackchannelCore/OutboundHTTPClient`` a host lends its plugins: AsyncHTTPClient under the server's
/// rules (certificates verified, TLS 1.2 or later, `http` only to loopback, no redirects, a refused
/// connection failing at once, a deadline on every call). Its clients belong to a ``HostHTTPClients``,
/// which the host shuts down.
struct HostHTTPClient: OutboundHTTPClient {
    let client: HTTPClient
    let owner: HostHTTPClients

    func send(_ request: OutboundHTTPRequest, maxResponseBytes: Int) async throws(OutboundHTTPError) -> OutboundHTTPResponse {
        guard let scheme = request.url.scheme?.lowercased(), let host = request.url.host,
            scheme == "https" || (scheme == "http" && ServerExposure(bindHost: host) == .loopback)
        else { throw OutboundHTTPError(code: .invalidRequest) }
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for field in request.headers { outgoing.headers.add(name: field.name, value: field.value) }
        if !request.body.isEmpty { outgoing.body = .bytes(ByteBuffer(bytes: request.body)) }
        do {
            let timeout = TimeAmount.nanoseconds(Int64(request.timeout.components.seconds) * 1_000_000_000 + request.timeout.components.attoseconds / 1_000_000_000)
            let response = try await owner.tracing.execute(outgoing, with: client, timeout: timeout, peer: "authenticator")
            let body = try await response.body.collect(upTo: maxResponseBytes)
            var headers = HTTPHeaderFields()
            for (name, value) in response.headers { headers.append(name: name, value: value) }
            return OutboundHTTPResponse(status: Int(response.status.code), headers: headers, body: Array(buffer: body))
        } catch {
            throw OutboundHTTPError(code: Self.code(of: error))
        }
    }

    func trusting(certificatesInPEMFile path: String) throws(OutboundHTTPError) -> any OutboundHTTPClient {
        try owner.client(trusting: path)
    }

    /// A transport failure's reason code: what the operator needs to tell a service that is down (refused)
    /// from one that is slow (timeout) or not who it claims (certificate).
    static func code(of error: any Error) -> OutboundHTTPError.Code {
        switch error {
        case is CancellationError: return .cancelled
        case is NIOTooManyBytesError: return .responseTooLarge
        case let error as HTTPClientError:
            if [.connectTimeout, .deadlineExceeded, .readTimeout, .writeTimeout].contains(error) { return .timeout }
            if error == .cancelled { return .cancelled }
            if error == .invalidURL || error == .emptyHost || error == .emptyScheme { return .invalidRequest }
            return .connectionFailed
        case let error as NIOConnectionError:
            if error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) { return .connectionRefused }
            return error.dnsAError != nil || error.dnsAAAAError != nil ? .nameResolution : .connectionFailed
        case let error as IOError:
            return error.errnoCode == ECONNREFUSED ? .connectionRefused : .connectionFailed
        case is NIOSSLError, is BoringSSLError:
            return .untrustedCertificate
        default:
            return .connectionFailed
        }
    }
}
