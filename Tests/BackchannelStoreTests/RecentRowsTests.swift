import Testing

@testable import BackchannelSQLite

@Suite("Recently read rows")
struct RecentRowsTests {
    @Test("a kept row is found until dropped, and a full table starts over instead of growing")
    func bounded() {
        let rows = RecentRows<String, Int>(capacity: 3)
        rows.keep(1, for: "a")
        #expect(rows["a"] == 1)
        rows.drop("a")
        #expect(rows["a"] == nil)
        for (index, key) in ["a", "b", "c"].enumerated() { rows.keep(index, for: key) }
        rows.keep(9, for: "d")
        #expect(rows["d"] == 9)
        #expect(["a", "b", "c"].allSatisfy { rows[$0] == nil })
    }
}
