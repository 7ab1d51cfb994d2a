import Foundation
import KDNetKit

/// How every wizard renderer prints steps and reports: on stdout, or on stderr when
/// `--json` keeps stdout for the record.
final class WizardScreen {
    let toStderr: Bool
    /// Help already on screen in this step: the report does not repeat it.
    private var shownHelp: Set<String> = []

    init(toStderr: Bool) { self.toStderr = toStderr }

    func line(_ text: String = "") {
        if toStderr { Console.err(text) } else { Console.out(text) }
    }

    /// Drawing (a prompt, a list redrawn in place): written as it is, never wrapped.
    func write(_ text: String) {
        if toStderr { Console.err(text, terminator: "", wrap: false) } else { Console.out(text, terminator: "", wrap: false) }
    }

    func paint(_ text: String, _ style: Console.Style) -> String {
        Console.paint(text, style, stderr: toStderr)
    }

    func begin(_ step: WizardStep) {
        line()
        shownHelp = []
        line(paint("Step \(step.number)/\(WizardStep.allCases.count): \(step.title)", .bold))
    }

    func show(_ r: StepReport) {
        for l in r.lines where !shownHelp.contains(l) { line("  " + TerminalText.escaped(l)) }
        for w in r.warnings { line("  " + paint("warning:", .yellow) + " " + TerminalText.escaped(w)) }
        for n in r.notes { line("  " + paint("note:", .cyan) + " " + TerminalText.escaped(n)) }
        switch r.status {
        case .fail: line("  " + paint("✗ needs attention", .red))
        case .unavailable: line("  " + paint("(part of this step is not available in this build)", .dim))
        default: break
        }
    }

    func help(_ q: Question) {
        for h in q.help where !shownHelp.contains(h) {
            line("  " + h)
            shownHelp.insert(h)
        }
    }
}

/// What every renderer does the same way: steps and reports go to the screen, waiting
/// to the status line. Each renderer differs only in how it asks.
protocol ScreenWizardIO: WizardIO {
    var screen: WizardScreen { get }
    var status: StatusLine { get }
}

extension ScreenWizardIO {
    func begin(_ step: WizardStep) { screen.begin(step) }
    func show(_ report: StepReport) { screen.show(report) }
    func status(_ text: String?) { if let text { status.update(text) } else { status.finish() } }
    func note(_ text: String) {
        status.finish()
        screen.line("  " + screen.paint("note:", .cyan) + " " + TerminalText.escaped(text))
    }
}

/// Non-interactive: every answer comes from flags or `--answers`, else the default.
final class PresetAnswerer: ScreenWizardIO {
    let screen: WizardScreen
    let status = StatusLine()
    init(screen: WizardScreen) { self.screen = screen }


    func ask(_ q: Question) throws -> String {
        guard let d = q.defaultValue else { throw MissingAnswerError(id: q.id, prompt: q.prompt) }
        do {
            let answer = try q.validate(d)
            screen.line("  \(q.prompt): \(label(q, answer)) (default)")
            return answer
        } catch { throw PresetAnswerError(id: q.id, message: error.message + " (this was the default; give \(WizardAnswers.howToGive(q.id)))") }
    }

    func label(_ q: Question, _ answer: String) -> String {
        q.choices.first { $0.value == answer }?.label ?? (answer.isEmpty ? "(none)" : answer)
    }
}

/// Standard input is not a terminal: numbered choices and one answer per line.
final class LinePrompter: ScreenWizardIO {
    let screen: WizardScreen
    let status = StatusLine()
    /// Answers are short: a longer line (a file without newlines piped in) stops the run
    /// instead of filling memory.
    let input = LineReader(descriptor: dup(STDIN_FILENO), maxLineLength: 64 << 10)
    init(screen: WizardScreen) { self.screen = screen }


    func ask(_ q: Question) throws -> String {
        screen.help(q)
        // Where free text is accepted too, a number could be an answer itself (Windows "10").
        for (i, c) in q.choices.enumerated() {
            let mark = q.allowsOther ? "  - \(c.value): " : "  \(i + 1)) "
            screen.line(mark + c.label + (c.value == q.defaultValue ? " [default]" : "") + (c.detail.map { " — \($0)" } ?? ""))
        }
        while true {
            let hint = q.isChoice ? " (number\(q.allowsOther ? " or value" : ""))" : ""
            screen.write("? \(q.prompt)\(hint)" + (q.defaultValue.map { $0.isEmpty ? "" : " [\($0)]" } ?? "") + ": ")
            guard let line = input.nextLine() else {
                screen.line()
                if let n = input.tooLongLine {
                    throw UserFacingError("standard input line \(n) is longer than \(TextInputError.sizeText(input.maxLineLength)), so it is no answer; give one answer per line")
                }
                throw MissingAnswerError(id: q.id, prompt: q.prompt)
            }
            let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
            let given = text.isEmpty ? q.defaultValue : text
            guard let given else { screen.line("  an answer is needed"); continue }
            do { return try q.validate(given) } catch { screen.line("  " + screen.paint("✗", .red) + " " + error.message) }
        }
    }
}
