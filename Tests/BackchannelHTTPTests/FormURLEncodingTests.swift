import BackchannelCore
import BackchannelServer
import Testing

@Suite("Form URL encoding")
struct FormURLEncodingTests {
    @Test("escapes in either case decode, and a value may contain '='")
    func escapes() throws {
        let pairs = try FormURLEncoding.decode(Array("a=%2f%2F&b=x=y&c".utf8))
        #expect(pairs.map(\.name) == ["a", "b", "c"])
        #expect(pairs.map(\.value) == ["//", "x=y", ""])
    }

    @Test("escaping keeps letters, digits and *-._, writes a space as + and every other byte as %XX, and decodes back")
    func escaping() throws {
        #expect(FormURLEncoding.escape("aZ09*-._") == "aZ09*-._")
        #expect(FormURLEncoding.escape("a b/+~=&Ü") == "a+b%2F%2B%7E%3D%26%C3%9C")
        for text in ["", "kiosk secret/+", "x=y&z", "Über 42 %"] {
            #expect(try FormURLEncoding.unescape(ArraySlice(FormURLEncoding.escape(text).utf8)) == text)
        }
    }

    @Test("a truncated escape and invalid UTF-8 are refused", arguments: ["a=%", "a=%4", "a=%C3", "a=%FF"])
    func refused(body: String) {
        #expect(throws: FormURLEncoding.Malformed.self) { try FormURLEncoding.decode(Array(body.utf8)) }
    }
}
