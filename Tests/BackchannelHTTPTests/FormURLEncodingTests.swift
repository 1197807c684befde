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

    @Test("a truncated escape and invalid UTF-8 are refused", arguments: ["a=%", "a=%4", "a=%C3", "a=%FF"])
    func refused(body: String) {
        #expect(throws: FormURLEncoding.Malformed.self) { try FormURLEncoding.decode(Array(body.utf8)) }
    }
}
