import ArgumentParser
import Foundation
import KDNetKit
import Synchronization

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

    /// Set by `run(json:)`: under `--json` nothing is wrapped, on either stream.
    private static let jsonRequested = Atomic<Bool>(false)

    /// Human text. On a terminal its complete lines are wrapped to the terminal's width
    /// at word boundaries, with hanging indents (TextWrapper's rule, or `hangingIndent`
    /// cells past the line's indent); piped output and `--json` keep their bytes.
    /// `wrap: false` is for text that must stay as it is when copied from the screen:
    /// commands, scripts, the target's own output, and redrawn screens.
    static func out(_ text: String, terminator: String = "\n", wrap: Bool = true, hangingIndent: Int? = nil) {
        let text = wrap ? wrapped(text, terminator: terminator, stderr: false, hangingIndent: hangingIndent) : text
        FileHandle.standardOutput.write(Data((text + terminator).utf8))
    }

    static func err(_ text: String, terminator: String = "\n", wrap: Bool = true, hangingIndent: Int? = nil) {
        let text = wrap ? wrapped(text, terminator: terminator, stderr: true, hangingIndent: hangingIndent) : text
        FileHandle.standardError.write(Data((text + terminator).utf8))
    }

    /// The wrapper for this stream now (the width is read at each write, so a resized
    /// window is followed), nil when its text goes out as it is.
    static func wrapper(forStderr: Bool) -> TextWrapper? {
        let isTerminal = forStderr ? stderrIsTerminal : stdoutIsTerminal
        // Piped output asks nothing more: it is never wrapped, and it may be a lot of it.
        guard isTerminal else { return nil }
        let columns = windowColumns(fd: forStderr ? STDERR_FILENO : STDOUT_FILENO)
        return TextWrapper.forOutput(isTerminal: isTerminal, json: jsonRequested.load(ordering: .relaxed), windowColumns: columns,
                                     environment: columns == nil ? ProcessInfo.processInfo.environment : [:])
    }

    /// Only complete lines are wrapped: a partial one (a prompt, a status line redrawn
    /// with a carriage return) ends where the cursor must stay.
    private static func wrapped(_ text: String, terminator: String, stderr: Bool, hangingIndent: Int?) -> String {
        guard let wrapper = wrapper(forStderr: stderr) else { return text }
        if terminator.hasSuffix("\n") { return wrapper.wrap(text, hangingIndent: hangingIndent) }
        guard let lastBreak = text.lastIndex(of: "\n") else { return text }
        return wrapper.wrap(String(text[..<lastBreak]), hangingIndent: hangingIndent) + text[lastBreak...]
    }

    /// Columns of the terminal on `fd` (TIOCGWINSZ), nil when it is not one or does not say.
    static func windowColumns(fd: Int32) -> Int? {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    static func json<T: Encodable>(_ value: T) throws {
        out(try JSONOutput.string(value), wrap: false)
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
        jsonRequested.store(json, ordering: .relaxed)
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
        if json { out((try? JSONOutput.string(["error": message])) ?? "{\"error\": \"internal\"}", wrap: false) }
        // The message may quote a file, a flag or the network; JSON keeps it raw.
        err(paint("error:", .red, stderr: true) + " " + TerminalText.escaped(message))
    }

    static func describe(_ error: Error) -> String {
        if let e = error as? LocalizedError, let d = e.errorDescription { return d }
        return String(describing: error)
    }
}

/// The live status on stderr of anything that works or waits. On a terminal one line
/// redrawn in place (cut to the width, never wrapped: a second line could not be
/// redrawn); off a terminal, for waits, a plain line every `WaitProgress.plainLineInterval`
/// seconds; under `--json`, nothing, so pipes stay clean.
final class StatusLine: @unchecked Sendable {
    enum Mode { case redrawn, plainLines, off }
    let mode: Mode
    private let lock = NSLock()
    private var lastWidth = 0
    private var lastPlainLine = 0.0

    /// A status shown only on a terminal (activity, not waiting).
    init(enabled: Bool = Console.stderrIsTerminal) { mode = enabled ? .redrawn : .off }

    /// A wait's status: redrawn on a terminal, plain lines on a pipe, none under `--json`.
    init(json: Bool) { mode = json ? .off : Console.stderrIsTerminal ? .redrawn : .plainLines }

    /// How often the waiter must call `waiting` while nothing happens, nil when never.
    var tickInterval: Double? {
        switch mode {
        case .redrawn: WaitProgress.redrawInterval
        case .plainLines: WaitProgress.plainLineInterval
        case .off: nil
        }
    }

    func update(_ text: String) {
        guard mode == .redrawn else { return }
        lock.lock(); defer { lock.unlock() }
        let room = Console.windowColumns(fd: STDERR_FILENO).map { $0 - 1 } ?? Int.max
        let shown = TextWrapper.truncated(text, toCells: room)
        let cells = TextWrapper.cells(shown)
        let line = "\r" + shown + String(repeating: " ", count: max(0, lastWidth - cells))
        lastWidth = cells
        Console.err(line, terminator: "", wrap: false)
    }

    /// "| waiting 12 s of 120: no datagrams yet" on a terminal; off one the same words
    /// without the spinner once every interval.
    func waiting(_ progress: WaitProgress, _ state: String, verb: String = "waiting") {
        switch mode {
        case .redrawn:
            update("\(progress.spinnerFrame) " + progress.line(state, verb: verb))
        case .plainLines:
            lock.lock(); defer { lock.unlock() }
            guard progress.isDueForPlainLine(since: lastPlainLine) else { return }
            lastPlainLine = progress.elapsed
            Console.err(progress.line(state, verb: verb), wrap: false)
        case .off:
            break
        }
    }

    func finish() {
        guard mode == .redrawn else { return }
        lock.lock(); defer { lock.unlock() }
        if lastWidth > 0 { Console.err("\r" + String(repeating: " ", count: lastWidth) + "\r", terminator: "", wrap: false) }
        lastWidth = 0
    }
}
