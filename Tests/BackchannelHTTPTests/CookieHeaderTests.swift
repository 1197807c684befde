import Testing

@testable import BackchannelHTTP

@Suite("Cookie header")
struct CookieHeaderTests {
    @Test("names and values are read in one pass; the first of a repeated name wins; quotes are removed")
    func parses() {
        let cookies = CookieHeader.cookies(["a=1; b = \"two\" ;a=3", "c=x=y"])
        #expect(cookies == ["a": "1", "b": "two", "c": "x=y"])
    }

    @Test("more cookies or bytes than the bounds allow are refused")
    func bounded() {
        #expect(CookieHeader.cookies([(0..<51).map { "c\($0)=v" }.joined(separator: "; ")]) == nil)
        #expect(CookieHeader.cookies(["a=" + String(repeating: "x", count: 9_000)]) == nil)
        #expect(CookieHeader.cookies([(0..<50).map { "c\($0)=v" }.joined(separator: "; ")])?.count == 50)
    }
}
