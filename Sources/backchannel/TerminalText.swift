import ArgumentParser

/// Text from a server, made safe to print on a terminal: a hostile server (or client name, or binding
/// message) could otherwise move the cursor, rewrite earlier lines, change the window title or reorder
/// what the user reads with bidirectional overrides. Control and format characters become `\u{…}`.
enum TerminalText {
    static func safe(_ text: String) -> String {
        var safe = ""
        safe.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned, .surrogate:
                safe += "\\u{" + String(scalar.value, radix: 16) + "}"
            default:
                safe.unicodeScalars.append(scalar)
            }
        }
        return safe
    }
}

extension TerminalText {
    /// An error whose text came from a server, made safe to print (ArgumentParser prints what a command throws).
    struct SafeError: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `body`; what it throws is printed safely.
    static func guarding(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ValidationError {
            throw error
        } catch {
            throw SafeError(description: safe("\(error)"))
        }
    }
}
