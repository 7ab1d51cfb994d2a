import ArgumentParser
import Foundation
import KDNetKit

/// All terminal I/O of the tool lives here: the library core never prints.
enum Console {
    static let stdoutIsTerminal = isatty(STDOUT_FILENO) == 1
    static let stderrIsTerminal = isatty(STDERR_FILENO) == 1

    /// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
    static func colourEnabled(forStderr: Bool = false) -> Bool {
        if let v = ProcessInfo.processInfo.environment["NO_COLOR"], !v.isEmpty { return false }
        if ProcessInfo.processInfo.environment["TERM"] == "dumb" { return false }
        return forStderr ? stderrIsTerminal : stdoutIsTerminal
    }

    static func out(_ text: String, terminator: String = "\n") {
        FileHandle.standardOutput.write(Data((text + terminator).utf8))
    }

    static func err(_ text: String, terminator: String = "\n") {
        FileHandle.standardError.write(Data((text + terminator).utf8))
    }

    static func json<T: Encodable>(_ value: T) throws {
        out(try JSONOutput.string(value))
    }

    enum Style: String { case red = "31", green = "32", yellow = "33", bold = "1", dim = "2", cyan = "36" }

    static func paint(_ text: String, _ style: Style, stderr: Bool = false) -> String {
        colourEnabled(forStderr: stderr) ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// Runs a command body, turning thrown errors into one clear line, a JSON error
    /// document when `--json` was asked for, and exit code 1 (64 for a flag's value or
    /// combination, which the command throws as a `ValidationError`). Only
    /// `KdnetctlCommand.run()` calls it.
    static func run(json: Bool, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch let error as CleanExit {
            throw error
        } catch {
            report(describe(error), json: json)
            throw error is ValidationError ? ExitCode.validationFailure : ExitCode.failure
        }
    }

    /// The one way an error reaches the user, also for errors found while parsing the
    /// command line: under `--json` the same `{"error": ...}` document on stdout.
    static func report(_ message: String, json: Bool) {
        if json { out((try? JSONOutput.string(["error": message])) ?? "{\"error\": \"internal\"}") }
        // The message may quote a file, a flag or the network; JSON keeps it raw.
        err(paint("error:", .red, stderr: true) + " " + TerminalText.escaped(message))
    }

    static func describe(_ error: Error) -> String {
        if let e = error as? LocalizedError, let d = e.errorDescription { return d }
        return String(describing: error)
    }
}

/// A one-line live status on stderr for anything that waits; silent when stderr is
/// not a terminal or when JSON is requested, so pipes stay clean.
final class StatusLine: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private var lastWidth = 0

    init(enabled: Bool = Console.stderrIsTerminal) { self.enabled = enabled }

    func update(_ text: String) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        let line = "\r" + text + String(repeating: " ", count: max(0, lastWidth - text.count))
        lastWidth = text.count
        Console.err(line, terminator: "")
    }

    func finish() {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        if lastWidth > 0 { Console.err("\r" + String(repeating: " ", count: lastWidth) + "\r", terminator: "") }
        lastWidth = 0
    }
}
