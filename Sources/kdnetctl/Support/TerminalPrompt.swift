import Foundation
import KDNetKit

/// The interactive renderer: choices picked with the arrow keys, Enter for the default,
/// free text edited in place, Ctrl-C restoring the terminal and leaving with 130 before
/// anything is written.
final class TerminalPrompter: ScreenWizardIO {
    let screen: WizardScreen
    let raw = RawMode()
    let status = StatusLine()

    init(screen: WizardScreen) { self.screen = screen }


    func ask(_ q: Question) throws -> String {
        screen.help(q)
        var refusal: String?
        while true {
            if let e = refusal { screen.line("  " + screen.paint("✗", .red) + " " + e) }
            let answer = q.isChoice ? try pick(q) : try type(q, prompt: q.prompt, initial: "")
            do { return try q.validate(answer) } catch { refusal = error.message }
        }
    }

    /// The list: ▸ marks the selection; up/down move it, Enter takes it.
    private func pick(_ q: Question) throws -> String {
        let other = "\u{0}other"
        var items = q.choices.map { ($0.value, TerminalText.escaped($0.label), $0.detail.map { TerminalText.escaped($0) }) }
        if q.allowsOther { items.append((other, "Type another…", nil)) }
        var selected = items.firstIndex { $0.0 == q.defaultValue } ?? 0
        screen.line("? " + screen.paint(q.prompt, .bold) + screen.paint("  (↑/↓, Enter)", .dim))
        // Screen lines the list took when last drawn: the redraw goes back up that many.
        var drawn = 0
        func draw(first: Bool) {
            if !first { screen.write("\u{1B}[\(drawn)A\r\u{1B}[J") }
            // Read at each redraw, so a resized window is followed.
            let columns = Console.windowColumns(fd: screen.toStderr ? STDERR_FILENO : STDOUT_FILENO) ?? 80
            let wrapper = TextWrapper(width: columns - 1)
            drawn = 0
            for (i, item) in items.enumerated() {
                var text = (i == selected ? "  ▸ " : "    ") + item.1
                if i == selected, let d = item.2 { text += " — " + d }
                // Wrapped under the choice's text, never cut: every word of a choice stays readable.
                for line in wrapper.wrap(text, hangingIndent: i == selected ? 2 : 0).split(separator: "\n", omittingEmptySubsequences: false) {
                    screen.write("\r\u{1B}[2K" + (i == selected ? screen.paint(String(line), .cyan) : String(line)) + "\n")
                    drawn += max(1, (TextWrapper.cells(line) + columns - 1) / columns)
                }
            }
        }
        draw(first: true)
        raw.enter()
        defer { raw.leave() }
        while true {
            switch raw.readKey() {
            case .up: selected = (selected + items.count - 1) % items.count; draw(first: false)
            case .down: selected = (selected + 1) % items.count; draw(first: false)
            case .text(let t) where Int(t).map { (1...items.count).contains($0) } == true:
                selected = Int(t)! - 1; draw(first: false)
            case .interrupt: interrupted()
            case .endOfInput: raw.leave(); throw MissingAnswerError(id: q.id, prompt: q.prompt)
            case .enter:
                // Collapse the list to the answer, so the screen reads as a transcript.
                screen.write("\u{1B}[\(drawn)A\u{1B}[J")
                if items[selected].0 == other {
                    raw.leave()
                    return try type(q, prompt: q.prompt, initial: "")
                }
                screen.line("  " + screen.paint("✔", .green) + " " + items[selected].1)
                return items[selected].0
            default: break
            }
        }
    }

    /// One line of text: printable keys, Backspace, Ctrl-U; Enter on empty takes the default.
    private func type(_ q: Question, prompt: String, initial: String) throws -> String {
        let hint = q.defaultValue.flatMap { $0.isEmpty ? nil : " [\($0)]" } ?? ""
        screen.write("? " + screen.paint(prompt, .bold) + screen.paint(hint, .dim) + ": ")
        var text = initial
        raw.enter()
        defer { raw.leave() }
        while true {
            switch raw.readKey() {
            case .text(let t): text += t; screen.write(t)
            case .backspace:
                if !text.isEmpty { text.removeLast(); screen.write("\u{8} \u{8}") }
            case .clearLine:
                screen.write(String(repeating: "\u{8} \u{8}", count: text.count)); text = ""
            case .interrupt: interrupted()
            case .endOfInput: raw.leave(); screen.line(); throw MissingAnswerError(id: q.id, prompt: q.prompt)
            case .enter:
                screen.write("\r\n")
                return text.isEmpty ? (q.defaultValue ?? "") : text
            default: break
            }
        }
    }

    /// Ctrl-C: files are only written after the last question, so leaving now leaves none.
    private func interrupted() -> Never {
        raw.leave()
        screen.line()
        Console.err("wizard cancelled: nothing was written")
        exit(130)
    }
}
