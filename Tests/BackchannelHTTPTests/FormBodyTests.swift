import BackchannelServer
import Hummingbird
import Testing

@testable import BackchannelHTTP

@Suite("Form codec")
struct FormBodyTests {
    @Test("pairs keep their order and repetitions, so the engine can reject repeats")
    func keepsRepeats() throws {
        let pairs = try FormBody.decode("scope=openid&login_hint=a&login_hint=b")
        #expect(pairs.map(\.name) == ["scope", "login_hint", "login_hint"])
        #expect(pairs.map(\.value) == ["openid", "a", "b"])
    }

    @Test("plus is a space and percent-escapes decode as UTF-8")
    func decoding() throws {
        let pairs = try FormBody.decode("binding_message=%C3%9Cber+42&client_secret=a%2Bb%26c%3D")
        #expect(pairs.map(\.value) == ["Über 42", "a+b&c="])
    }

    @Test("a name without a value decodes as empty, which the engine treats as omitted")
    func emptyValue() throws {
        let pairs = try FormBody.decode("user_code=&acr_values")
        #expect(pairs.map(\.value) == ["", ""])
        #expect(try OAuthParameters(pairs).value("user_code") == nil)
    }

    @Test("the form media type matches in any case, with parameters and spaces, and nothing else does")
    func mediaType() {
        #expect(FormBody.isFormMediaType("application/x-www-form-urlencoded"))
        #expect(FormBody.isFormMediaType("Application/X-WWW-Form-URLEncoded; charset=UTF-8"))
        #expect(FormBody.isFormMediaType(" application/x-www-form-urlencoded ;charset=utf-8"))
        #expect(!FormBody.isFormMediaType("application/json"))
        #expect(!FormBody.isFormMediaType("application/x-www-form-urlencodedx"))
        #expect(!FormBody.isFormMediaType("application/x-www-form_urlencoded"))
        #expect(!FormBody.isFormMediaType("multipart/form-data; boundary=x"))
        #expect(!FormBody.isFormMediaType(""))
    }

    @Test("a broken percent-escape is refused")
    func malformed() {
        #expect(throws: FormBody.Failure.self) { try FormBody.decode("scope=%E2%28") }
        #expect(throws: FormBody.Failure.self) { try FormBody.decode("scope=%zz") }
    }

    @Test("an OAuth error becomes its status, a JSON body, no-store and, for invalid_client, a challenge")
    func errorResponse() {
        let response = JSONResponse.error(.invalidClient("client authentication failed"))
        #expect(response.status == .unauthorized)
        #expect(response.headers[.cacheControl] == "no-store")
        #expect(response.headers[.wwwAuthenticate] == "Basic realm=\"backchannel\"")
        #expect(response.headers[.contentType] == "application/json")
        #expect(JSONResponse.error(.accessDenied("refused", atTokenEndpoint: false)).status == .forbidden)
        #expect(JSONResponse.error(.accessDenied("refused", atTokenEndpoint: true)).status == .badRequest)
    }
}
