import BackchannelCore
import BackchannelTesting
import Crypto
import Foundation
import Testing

@testable import PushAuthenticator

/// The push authenticator's device API driven as a phone would: enrollment with a one-time code, signed
/// fetches and answers. Devices here have no push service (they ask for their challenges), so no push leaves.
@Suite("push authenticator: enrollment, signed answers, number matching")
struct PushAuthenticatorTests {
    /// A phone: its key, and its enrollment.
    private struct Phone {
        let key = P256.Signing.PrivateKey()
        var deviceId = ""

        var publicKey: String { Base64URL.encode(key.publicKey.rawRepresentation) }

        func sign(_ message: Data, with other: P256.Signing.PrivateKey? = nil) throws -> String {
            Base64URL.encode(try (other ?? key).signature(for: message).rawRepresentation)
        }
    }

    private struct Setup {
        let harness = BackchannelHandlerHarness(users: [DirectoryUser(subject: "alice"), DirectoryUser(subject: "bob")])
        let authenticator: PushAuthenticator
        let api: PushDeviceAPI

        init(numberMatching: PushConfiguration.NumberMatching = .off, trustDeviceClaims: Bool = false) {
            authenticator = PushAuthenticator(
                configuration: PushConfiguration(numberMatching: numberMatching, trustDeviceClaims: trustDeviceClaims), services: harness.services, senders: [:])
            api = PushDeviceAPI(authenticator: authenticator)
        }

        func call(_ path: String, _ form: [(String, String)]) async -> (status: Int, json: [String: JSONValue]) {
            let body = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
            let response = await api.respond(toMachine: MachineRequest(method: "POST", path: path, body: Array(body.utf8)))
            return (response.status, (try? JSONDecoder().decode([String: JSONValue].self, from: Data(response.body.utf8))) ?? [:])
        }

        func enroll(_ phone: inout Phone, subject: String = "alice", hardwareKey: Bool = false) async throws {
            let code = try await authenticator.issueEnrollmentCode(subject: subject).code
            let answer = await call("enroll", [("code", code), ("public_key", phone.publicKey), ("platform", "none")] + (hardwareKey ? [("hardware_key", "true")] : []))
            phone.deviceId = try #require(answer.json["device_id"]?.stringValue)
        }

        func fetch(_ phone: Phone, challengeId: String) async throws -> (status: Int, json: [String: JSONValue]) {
            let t = Int(harness.clock.now.timeIntervalSince1970)
            let signature = try phone.sign(PushSignedMessage.fetch(deviceId: phone.deviceId, challengeId: challengeId, timestamp: t))
            return await call(
                challengeId.isEmpty ? "pending" : "challenge",
                [("device_id", phone.deviceId), ("challenge_id", challengeId), ("timestamp", String(t)), ("signature", signature)])
        }

        /// Starts a request for alice and returns it with the challenge id the phone finds pending.
        func start(
            _ phone: Phone, bindingMessage: String? = "K7", authorizationDetails: AuthorizationDetails = .none
        ) async throws -> (BackchannelAuthenticationRequest, String) {
            let request = harness.makeRequest(hint: .loginHint("alice"), bindingMessage: bindingMessage, authorizationDetails: authorizationDetails)
            #expect(try await harness.start(authenticator, request) == .started)
            let pending = try await fetch(phone, challengeId: "")
            guard case .array(let ids) = pending.json["challenges"], let id = ids.first?.stringValue else {
                Issue.record("no pending challenge")
                return (request, "")
            }
            return (request, id)
        }

        /// The answer form, signed over what the details say (or over `bindingMessage` instead, to tamper).
        func answer(
            _ phone: Phone, _ challengeId: String, decision: String = "approve", picked: String = "", userVerified: Bool = false,
            bindingMessage: String? = nil, signer: P256.Signing.PrivateKey? = nil, shownDetails: String? = nil
        ) async throws -> (status: Int, json: [String: JSONValue]) {
            let details = try await fetch(phone, challengeId: challengeId).json
            // The digest of the authorization details the phone showed: those fetched, unless the test says otherwise.
            let digest = (shownDetails ?? details["authorization_details"]?.stringValue).map { Base64URL.encode(SHA256.hash(data: Data($0.utf8))) }
            let message = PushSignedMessage.answer(
                challengeId: challengeId, requestHash: details["request_hash"]?.stringValue ?? "",
                bindingMessage: bindingMessage ?? details["binding_message"]?.stringValue ?? "", nonce: details["nonce"]?.stringValue ?? "",
                decision: decision, picked: picked, userVerified: userVerified, authorizationDetailsDigest: digest)
            return await call(
                "answer",
                [
                    ("device_id", phone.deviceId), ("challenge_id", challengeId), ("decision", decision), ("picked", picked),
                    ("user_verified", userVerified ? "true" : "false"), ("signature", try phone.sign(message, with: signer)),
                ] + (digest.map { [("authorization_details_sha256", $0)] } ?? []))
        }
    }

    @Test("a challenge carries the authorization details as canonical JSON text and their summaries; an approval signs their digest")
    func authorizationDetails() async throws {
        let setup = Setup()
        var phone = Phone()
        try await setup.enroll(&phone)
        let (request, id) = try await setup.start(phone, authorizationDetails: .samplePayment)
        let challenge = try await setup.fetch(phone, challengeId: id).json
        #expect(challenge["authorization_details"] == .string(AuthorizationDetails.samplePayment.canonicalJSON))
        #expect(challenge["authorization_details_summaries"] == .array([.string("Transfer 123.50 EUR to Merchant A (DE02100100109307118603)")]))
        #expect(challenge["binding_message"] == .string("K7"))  // shown beside them
        #expect(try await setup.answer(phone, id).json["result"] == .string("approved"))
        let result = try await setup.authenticator.checkAuthenticationStatus(authReqId: request.authReqId)
        guard case .approved = result else {
            Issue.record("not approved: \(String(describing: result))")
            return
        }
    }

    @Test("an approval signed over other authorization details than the request's is refused, and the request stays pending")
    func otherAuthorizationDetailsRefused() async throws {
        let setup = Setup()
        var phone = Phone()
        try await setup.enroll(&phone)
        let (request, id) = try await setup.start(phone, authorizationDetails: .samplePayment)
        let other = AuthorizationDetails.samplePayment.canonicalJSON.replacingOccurrences(of: "123.50", with: "1.00")
        let refused = try await setup.answer(phone, id, shownDetails: other)
        #expect(refused.status == 409)
        #expect(refused.json["error"] == .string("authorization_details_mismatch"))
        // The right digest with a signature over another one does not verify either.
        let details = try await setup.fetch(phone, challengeId: id).json
        let message = PushSignedMessage.answer(
            challengeId: id, requestHash: details["request_hash"]?.stringValue ?? "", bindingMessage: "K7", nonce: details["nonce"]?.stringValue ?? "",
            decision: "approve", picked: "", userVerified: false, authorizationDetailsDigest: Base64URL.encode(SHA256.hash(data: Data(other.utf8))))
        let forged = await setup.call("answer", [
            ("device_id", phone.deviceId), ("challenge_id", id), ("decision", "approve"), ("signature", try phone.sign(message)),
            ("authorization_details_sha256", AuthorizationDetails.samplePayment.digest),
        ])
        #expect(forged.status == 401)
        #expect(try await setup.authenticator.checkAuthenticationStatus(authReqId: request.authReqId) == nil)
    }

    @Test("the authenticator meets the handler contract of BackchannelTesting")
    func contract() async throws {
        let setup = Setup()
        var phone = Phone()
        try await setup.enroll(&phone)
        #expect(await BackchannelHandlerContract.violations(of: setup.authenticator, harness: setup.harness, hint: .loginHint("alice")).isEmpty)
    }

    @Test("enroll, authenticate, approve with a valid signature: approved; amr swk alone, whatever the device says of itself")
    func approve() async throws {
        for hardware in [false, true] {
            let setup = Setup()
            var phone = Phone()
            try await setup.enroll(&phone, hardwareKey: hardware)
            let (request, id) = try await setup.start(phone)
            let details = try await setup.fetch(phone, challengeId: id)
            #expect(details.json["binding_message"] == .string("K7") && details.json["client_name"] == .string("Test Client"))
            #expect(try await setup.answer(phone, id, userVerified: true).json["result"] == .string("approved"))
            let result = try await setup.authenticator.checkAuthenticationStatus(authReqId: request.authReqId)
            guard case .approved(let attributes) = result else { Issue.record("not approved: \(String(describing: result))"); continue }
            #expect(attributes.subject == "alice" && attributes.amr == ["swk"])
        }
    }

    @Test("the admin list of a user's devices gives each enrollment's own time")
    func enrolledDevicesListed() async throws {
        let setup = Setup()
        var phone = Phone()
        let enrolledAt = setup.harness.clock.now
        try await setup.enroll(&phone)
        let listed = try await setup.authenticator.enrolledDevices(subject: "alice")
        #expect(listed.count == 1 && listed.first?.enrolledAt == enrolledAt && listed.first?.stale == false)
    }

    @Test("with trust_device_claims, amr says hwk for a hardware key and user when the device verified the user")
    func approveTrustingDeviceClaims() async throws {
        for hardware in [false, true] {
            let setup = Setup(trustDeviceClaims: true)
            var phone = Phone()
            try await setup.enroll(&phone, hardwareKey: hardware)
            let (request, id) = try await setup.start(phone)
            #expect(try await setup.answer(phone, id, userVerified: true).json["result"] == .string("approved"))
            let result = try await setup.authenticator.checkAuthenticationStatus(authReqId: request.authReqId)
            guard case .approved(let attributes) = result else { Issue.record("not approved: \(String(describing: result))"); continue }
            #expect(attributes.amr == [hardware ? "hwk" : "swk", "user"])
        }
    }

    @Test("a signature by another key, or over an altered binding message, is refused and records nothing")
    func forgedAnswers() async throws {
        let setup = Setup()
        var phone = Phone()
        try await setup.enroll(&phone)
        let (request, id) = try await setup.start(phone)
        #expect(try await setup.answer(phone, id, signer: P256.Signing.PrivateKey()).status == 401)
        #expect(try await setup.answer(phone, id, bindingMessage: "K8").status == 401)
        #expect(try await setup.authenticator.checkAuthenticationStatus(authReqId: request.authReqId) == nil)
    }

    @Test("a replayed answer is refused: the challenge concluded once")
    func replay() async throws {
        let setup = Setup()
        var phone = Phone()
        try await setup.enroll(&phone)
        let (_, id) = try await setup.start(phone)
        let details = try await setup.fetch(phone, challengeId: id).json
        let message = PushSignedMessage.answer(
            challengeId: id, requestHash: details["request_hash"]?.stringValue ?? "", bindingMessage: "K7", nonce: details["nonce"]?.stringValue ?? "",
            decision: "approve", picked: "", userVerified: false)
        let form = [("device_id", phone.deviceId), ("challenge_id", id), ("decision", "approve"), ("signature", try phone.sign(message))]
        #expect(await setup.call("answer", form).status == 200)
        #expect(await setup.call("answer", form) == (409, ["error": .string("already_answered")]))
    }

    @Test("number matching: the device sees choices, not the message; the right pick approves, a wrong pick denies")
    func numberMatching() async throws {
        let setup = Setup(numberMatching: .bindingMessage)
        var phone = Phone()
        try await setup.enroll(&phone)
        var (request, id) = try await setup.start(phone, bindingMessage: "K7")
        let details = try await setup.fetch(phone, challengeId: id).json
        guard case .array(let choices) = details["choices"] else { Issue.record("no choices"); return }
        #expect(choices.count == 3 && choices.contains(.string("K7")) && details["binding_message"] == nil)
        #expect(try await setup.answer(phone, id, picked: "K7").json["result"] == .string("approved"))

        (request, id) = try await setup.start(phone, bindingMessage: "K7")
        let wrong = try #require(try await setup.fetch(phone, challengeId: id).json["choices"].flatMap { value -> String? in
            guard case .array(let items) = value else { return nil }
            return items.compactMap(\.stringValue).first { $0 != "K7" }
        })
        #expect(try await setup.answer(phone, id, picked: wrong).json["result"] == .string("denied"))
        #expect(try await setup.authenticator.checkAuthenticationStatus(authReqId: request.authReqId) == .denied())
        // A request without a binding message cannot be matched.
        let unmatched = setup.harness.makeRequest(hint: .loginHint("alice"), bindingMessage: nil)
        #expect(try await setup.harness.start(setup.authenticator, unmatched) == .failed(.invalidBindingMessage, description: "number matching needs a binding_message for the user to pick"))
    }

    @Test("number matching never offers fewer than three distinct choices: a message with no ASCII letter or digit is refused", arguments: [
        "ЖЖ", "🙂", "!!", "   ", "—",
    ])
    func numberMatchingNeedsSomethingToVary(_ message: String) async throws {
        let setup = Setup(numberMatching: .bindingMessage)
        var phone = Phone()
        try await setup.enroll(&phone)
        let request = setup.harness.makeRequest(hint: .loginHint("alice"), bindingMessage: message)
        #expect(
            try await setup.harness.start(setup.authenticator, request)
                == .failed(.invalidBindingMessage, description: "number matching needs a binding_message with an ASCII letter or digit to vary"))
    }

    @Test("number matching on a message with a single digit among other characters still offers three distinct choices")
    func numberMatchingOneDigit() async throws {
        let setup = Setup(numberMatching: .bindingMessage)
        var phone = Phone()
        try await setup.enroll(&phone)
        for _ in 0..<20 {
            let (_, id) = try await setup.start(phone, bindingMessage: "Ж7Ж")
            let details = try await setup.fetch(phone, challengeId: id).json
            guard case .array(let choices) = details["choices"] else { Issue.record("no choices"); return }
            #expect(Set(choices.compactMap(\.stringValue)).count == 3 && choices.contains(.string("Ж7Ж")))
        }
    }

    @Test("an enrollment code works once, expires, and is destroyed after too many wrong secrets")
    func enrollmentCodes() async throws {
        let setup = Setup()
        let phone = Phone()
        let code = try await setup.authenticator.issueEnrollmentCode(subject: "alice").code
        let form = { (code: String) in [("code", code), ("public_key", phone.publicKey), ("platform", "none")] }
        #expect(await setup.call("enroll", form(code)).status == 200)
        #expect(await setup.call("enroll", form(code)).json["error"] == .string("invalid_code"))

        let guessed = try await setup.authenticator.issueEnrollmentCode(subject: "alice").code
        let id = String(guessed.prefix(16))
        for _ in 0..<5 { #expect(await setup.call("enroll", form("\(id)-00000000000000000000000000000000")).status == 400) }
        #expect(await setup.call("enroll", form(guessed)).json["error"] == .string("invalid_code"))  // destroyed by then

        let late = try await setup.authenticator.issueEnrollmentCode(subject: "alice").code
        await setup.harness.clock.advance(by: 601)
        #expect(await setup.call("enroll", form(late)).json["error"] == .string("invalid_code"))
        await #expect(throws: DeviceEnrollmentError.unknownSubject) { try await setup.authenticator.issueEnrollmentCode(subject: "mallory") }
    }

    @Test("a user without an enrolled device is unknown_user_id; another user's device cannot fetch or answer")
    func otherUsers() async throws {
        let setup = Setup()
        var alice = Phone()
        var bob = Phone()
        try await setup.enroll(&alice)
        try await setup.enroll(&bob, subject: "bob")
        let nobody = BackchannelHandlerHarness(users: [DirectoryUser(subject: "carol")])
        let lonely = PushAuthenticator(configuration: PushConfiguration(), services: nobody.services, senders: [:])
        #expect(try await nobody.start(lonely, nobody.makeRequest(hint: .loginHint("carol"))) == .failed(.unknownUserId, description: "the user has no enrolled device"))

        let (_, id) = try await setup.start(alice)
        #expect(try await setup.fetch(bob, challengeId: id).status == 404)
        #expect(try await setup.answer(bob, id).status == 404)
    }
}
