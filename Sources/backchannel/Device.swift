import ArgumentParser
import BackchannelCore
import BackchannelClient
import Foundation

/// `backchannel device`: acts as the phone app of the `push` authenticator, with its key in a local file, so
/// the whole flow runs from two terminals.
struct Device: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Act as an enrolled phone of the push authenticator (its key in a local file).",
        subcommands: [Enroll.self, Pending.self, Approve.self, Deny.self]
    )

    /// The options every subcommand after enrollment shares.
    struct DeviceFile: ParsableArguments {
        @Option(help: "The device's file, written by enroll: its id and private key.")
        var deviceFile: String = "device.json"

        @Option(help: "Also trust these CA certificates (PEM).")
        var caFile: String?

        /// The device client, trusting `--ca-file`.
        func client() throws -> PushDeviceClient {
            try caFile.map { try PushDeviceClient(trustRootsPEM: try ClientOptions.read($0)) } ?? PushDeviceClient()
        }

        func load() throws -> PushDeviceClient.Enrollment {
            guard let data = FileManager.default.contents(atPath: deviceFile) else {
                throw ValidationError("cannot read \(deviceFile); run backchannel device enroll first")
            }
            do {
                return try JSONDecoder().decode(PushDeviceClient.Enrollment.self, from: data)
            } catch {
                throw ValidationError("\(deviceFile) is not a device file")
            }
        }
    }

    struct Enroll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enroll with a one-time code from the operator (admin API).")

        @Option(help: "The provider's issuer URL.")
        var issuer: String

        @Option(help: "The push authenticator's name on that server.")
        var authenticator: String = "push"

        @Option(help: "The one-time enrollment code.")
        var code: String

        @Option(help: "Where to write the device file (its private key: keep it private).")
        var deviceFile: String = "device.json"

        @Option(help: "A name for this device.")
        var label: String?

        @Option(help: "Also trust these CA certificates (PEM).")
        var caFile: String?

        @Flag(help: "Replace an existing device file (and its key).")
        var force = false

        func validate() throws {
            if !force, FileManager.default.fileExists(atPath: deviceFile) {
                throw ValidationError("\(deviceFile) exists (a device's key); give --force to replace it, or --device-file to write another")
            }
        }

        func run() async throws {
            try await TerminalText.guarding {
                let apiURL = "\(issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer)/authn/\(authenticator)/api/"
                let client = try caFile.map { try PushDeviceClient(trustRootsPEM: try ClientOptions.read($0)) } ?? PushDeviceClient()
                let enrollment = try await client.enroll(apiURL: apiURL, code: code, platform: "none", label: label)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                guard FileManager.default.createFile(atPath: deviceFile, contents: try encoder.encode(enrollment), attributes: [.posixPermissions: 0o600])
                else { throw ValidationError("cannot write \(deviceFile)") }
                print(TerminalText.safe("enrolled device \(enrollment.deviceId) for \(enrollment.subject); its key is in \(deviceFile)"))
            }
        }
    }

    struct Pending: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the challenges waiting for this device's answer.")

        @OptionGroup var device: DeviceFile

        func run() async throws {
            try await TerminalText.guarding {
                let challenges = try await device.client().pending(try device.load())
                if challenges.isEmpty { print("no pending challenge") }
                for challenge in challenges {
                    var line = "\(challenge.challengeId)  \(challenge.clientName) asks for \(challenge.scopes.joined(separator: " "))"
                    if let message = challenge.bindingMessage { line += "  binding message: \(message)" }
                    if let choices = challenge.choices { line += "  pick the one your other screen shows: \(choices.joined(separator: " | "))" }
                    print(TerminalText.safe(line))
                    // What is approved: each entry's summary, then all of its fields.
                    if case .array(let entries)? = challenge.authorizationDetails {
                        for (index, entry) in entries.enumerated() {
                            let summary = index < challenge.authorizationDetailsSummaries.count ? challenge.authorizationDetailsSummaries[index] : ""
                            print(TerminalText.safe("  approve: \(summary)"))
                            let type = entry.objectValue?["type"]?.stringValue ?? ""
                            let detail = AuthorizationDetail(type: type, fields: entry.objectValue ?? [:], summary: summary)
                            for field in detail.fieldLines { print(TerminalText.safe("    \(field.name): \(field.value)")) }
                        }
                    }
                }
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a challenge (signed with the device's key).")

        @Argument(help: "The challenge id, from pending (an id that starts with - goes after --).")
        var challengeId: String

        @Option(help: "Under number matching: the choice your other screen shows.")
        var pick: String?

        @Flag(help: "Say the user was verified on this device (biometrics, PIN): adds user to the amr.")
        var userVerified = false

        @OptionGroup var device: DeviceFile

        func run() async throws {
            try await TerminalText.guarding {
                let enrollment = try device.load()
                let client = try device.client()
                let challenge = try await client.challenge(challengeId, enrollment)
                print(TerminalText.safe(try await client.answer(challenge, approve: true, picked: pick, userVerified: userVerified, enrollment)))
            }
        }
    }

    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deny a challenge (signed with the device's key).")

        @Argument(help: "The challenge id, from pending (an id that starts with - goes after --).")
        var challengeId: String

        @OptionGroup var device: DeviceFile

        func run() async throws {
            try await TerminalText.guarding {
                let enrollment = try device.load()
                let client = try device.client()
                print(TerminalText.safe(try await client.answer(try await client.challenge(challengeId, enrollment), approve: false, enrollment)))
            }
        }
    }
}
