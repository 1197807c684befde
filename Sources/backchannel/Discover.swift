import ArgumentParser
import BackchannelClient
import Foundation

/// `backchannel discover`: prints a provider's CIBA metadata.
struct Discover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the CIBA-relevant metadata of a provider.")

    @Option(help: "The provider's issuer URL.")
    var issuer: String

    @Option(help: "Also trust these CA certificates (PEM).")
    var caFile: String?

    func run() async throws {
        let trust = try caFile.map(ClientOptions.read)
        do {
            let client = try await BackchannelClient.discover(issuer: issuer, clientId: "", credentials: .clientSecretPost(secret: ""), trustRootsPEM: trust)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(client.metadata), as: UTF8.self))
        } catch let error as BackchannelClientError {
            FileHandle.standardError.write(Data("backchannel: \(TerminalText.safe("\(error)"))\n".utf8))
            throw ExitStatus.code(for: error)
        }
    }
}
