@testable import BackchannelServer
import Testing

@Suite("audit log")
struct AuditLogTests {
    @Test("the failure budget logs so many per window, then counts the rest and reports them with the next one logged")
    func failureBudget() {
        let budget = FailureBudget(perWindow: 2, window: .seconds(10))
        let start = ContinuousClock.now
        #expect(budget.spend(now: start) == .log(suppressedBefore: 0))
        #expect(budget.spend(now: start + .seconds(1)) == .log(suppressedBefore: 0))
        #expect(budget.spend(now: start + .seconds(2)) == .suppress)
        #expect(budget.spend(now: start + .seconds(3)) == .suppress)
        #expect(budget.spend(now: start + .seconds(10)) == .log(suppressedBefore: 2))
        #expect(budget.spend(now: start + .seconds(11)) == .log(suppressedBefore: 0))
    }

    @Test("each client has a budget of its own: one client's flood of failures leaves another's logged")
    func failureBudgetPerClient() {
        let budget = FailureBudget(perWindow: 2, window: .seconds(10))
        let start = ContinuousClock.now
        for _ in 0..<50 { _ = budget.spend("flooder", now: start) }
        #expect(budget.spend("flooder", now: start) == .suppress)
        #expect(budget.spend("console", now: start) == .log(suppressedBefore: 0))
        #expect(budget.spend("unknown", now: start) == .log(suppressedBefore: 0))
    }

    @Test("a subject's keyed hash is stable under one key, differs under another, and hides the subject")
    func subjectHash() {
        let key = [UInt8](repeating: 7, count: 32)
        let one = AuditLog(logger: .init(label: "test"), subjectKey: key).subjectValue("alice")
        let again = AuditLog(logger: .init(label: "test"), subjectKey: key).subjectValue("alice")
        let other = AuditLog(logger: .init(label: "test"), subjectKey: [UInt8](repeating: 8, count: 32)).subjectValue("alice")
        #expect(one.key == "subject_hmac")
        #expect("\(one.value)" == "\(again.value)")
        #expect("\(one.value)" != "\(other.value)")
        #expect(!"\(one.value)".contains("alice"))
        #expect(AuditLog(logger: .init(label: "test"), subjects: .plain).subjectValue("alice").key == "subject")
    }
}
