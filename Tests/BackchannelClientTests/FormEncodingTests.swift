import BackchannelCore
import BackchannelServer
import Testing

@testable import BackchannelClient

@Suite("Client form encoding")
struct FormEncodingTests {
    @Test("the client encodes as RFC 6749 Appendix B, exactly as the server's canonical form, and the server decodes it back")
    func matchesTheServer() throws {
        for text in ["demo-secret", "kiosk secret/+", "a~b*c.d_e-f", "Über 42 %", "x=y&z", "", "日本"] {
            let escaped = FormTransport.escape(text)
            #expect(escaped == FormURLEncoding.escape(text))
            #expect(try FormURLEncoding.unescape(ArraySlice(escaped.utf8)) == text)
        }
        #expect(FormTransport.escape("kiosk secret/+~") == "kiosk+secret%2F%2B%7E")
    }
}
