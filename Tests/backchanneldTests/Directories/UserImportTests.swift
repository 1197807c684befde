import BackchannelCore
@testable import BackchannelHost
import BackchannelServer
import Foundation
import Testing

/// `backchanneld users import`'s reading: a file of any size in chunks, one record in memory at a time,
/// every record skipped with its position and reason.
@Suite("user import")
struct UserImportTests {
    /// `text` in chunks of `size` bytes, as the file system hands them over.
    static func chunks(_ text: String, size: Int) -> AsyncStream<[UInt8]> {
        let bytes = Array(text.utf8)
        return AsyncStream { continuation in
            for start in stride(from: 0, to: bytes.count, by: size) { continuation.yield(Array(bytes[start..<min(start + size, bytes.count)])) }
            continuation.finish()
        }
    }

    static let listResponse = #"""
        {
          "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
          "totalResults": 3,
          "Resources": [
            {"id": "2819c223", "userName": "bjensen", "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ms. Barbara J Jensen"},
             "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}, {"value": "babs@jensen.org"}],
             "phoneNumbers": [{"value": "+1 555 555 5555", "type": "work"}], "active": true,
             "meta": {"location": "https://example.com/v2/Users/2819c223", "note": "a } and a \" and a { in a string"}},
            {"id": "902c246b", "userName": "jsmith", "active": false},
            {"userName": "no-id"}
          ],
          "itemsPerPage": 3
        }
        """#

    @Test("a SCIM ListResponse's users become directory users, fed one byte at a time", arguments: [1, 7, 65536])
    func scimUsers(chunkSize: Int) async throws {
        let users = InMemoryUserStore()
        let report = try await UserImporter(users: users, format: .scim).run(Self.chunks(Self.listResponse, size: chunkSize))
        #expect(report.created == 1)
        #expect(report.skipped.map(\.position) == ["Resources[1]", "Resources[2]"])
        #expect(report.skipped.map(\.reason) == ["inactive (active: false)", "not a SCIM User: id is required"])
        let barbara = try #require(try await users.user(subject: "2819c223"))
        #expect(barbara.loginHints == ["bjensen", "bjensen@example.com", "babs@jensen.org"])
        #expect(barbara.email == "bjensen@example.com")
        #expect(barbara.phoneNumber == "+15555555555")
        #expect(barbara.attributes["given_name"] == .string("Barbara"))
        #expect(barbara.attributes["name"] == .string("Ms. Barbara J Jensen"))
    }

    @Test("JSON Lines: each bad line is skipped with its number and reason, the good ones imported")
    func jsonLinesSkips() async throws {
        let file = """
            {"subject": "u1", "login_hints": ["dave"], "email": "dave@example.com"}

            not json
            {"subject": "u2", "phone_number": "555"}
            {"subject": "u3", "login_hints": ["DAVE@example.com"]}
            {"subject": "u4", "colour": "red"}
            {"subject": "u5", "user_code_hash": "plain"}
            {"subject": "u6"}
            """
        let users = InMemoryUserStore()
        let report = try await UserImporter(users: users, format: .jsonl, batchSize: 2).run(Self.chunks(file, size: 5))
        #expect(report.created == 2)
        #expect(Set(report.skipped.map(\.position)) == ["line 3", "line 4", "line 5", "line 6", "line 7"])
        let reasons = Dictionary(uniqueKeysWithValues: report.skipped.map { ($0.position, $0.reason) })
        #expect(reasons["line 3"] == "not JSON")
        #expect(reasons["line 4"]?.hasPrefix("phone_number:") == true)
        #expect(reasons["line 5"] == "dave@example.com already finds the user u1")
        #expect(reasons["line 6"] == "colour: is not a known field")
        #expect(reasons["line 7"]?.hasPrefix("user_code_hash:") == true)
    }

    @Test("an import repeated changes nothing and duplicates nothing")
    func repeatable() async throws {
        let file = (1...10).map { #"{"subject": "u\#($0)", "email": "u\#($0)@example.com"}"# }.joined(separator: "\n")
        let users = InMemoryUserStore()
        let first = try await UserImporter(users: users, format: .jsonl).run(Self.chunks(file, size: 64))
        let second = try await UserImporter(users: users, format: .jsonl).run(Self.chunks(file, size: 64))
        #expect(first.created == 10)
        #expect(second == UserImporter.Report(created: 0, updated: 0, unchanged: 10, skipped: []))
        #expect(try await users.users(after: nil, limit: 100).count == 10)
    }

    @Test("a record larger than the limit is skipped without being kept, in either format")
    func overlongRecords() {
        let huge = #"{"subject": "u1", "attributes": {"blob": ""# + String(repeating: "x", count: 100_000) + #""}}"#
        var lines = JSONLinesSplitter(maxRecordBytes: 1024)
        let items = lines.feed(Array((huge + "\n" + #"{"subject": "u2"}"# + "\n").utf8)) + lines.finish()
        #expect(items.count == 2)
        #expect(items.first == .unreadable(position: "line 1", reason: "longer than 1 KiB"))
        var scim = SCIMListResponseSplitter(maxRecordBytes: 1024)
        let scimItems = scim.feed(Array(#"{"Resources": [\#(huge), {"id": "2"}]}"#.utf8)) + scim.finish()
        #expect(scimItems.first == .unreadable(position: "Resources[0]", reason: "longer than 1 KiB"))
        #expect(scimItems.count == 2)
    }

    @Test("only the top-level Resources array is read: a nested one, or one of another name, yields nothing")
    func onlyTopLevelResources() {
        var scim = SCIMListResponseSplitter(maxRecordBytes: 1024)
        let items = scim.feed(Array(#"{"meta": {"Resources": [{"id": "x"}]}, "Other": [{"id": "y"}], "Resources": [{"id": "z"}]}"#.utf8))
        #expect(items == [.record(position: "Resources[0]", bytes: Data(#"{"id": "z"}"#.utf8))])
    }
}
