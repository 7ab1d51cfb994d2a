/// Wraps human output at word boundaries to a terminal's width.
///
/// A terminal breaks a long line wherever the width runs out, often mid-word
/// ("…WinDbg/kd o|n a Windows host"). Wrapping here keeps words whole and keeps
/// indented blocks (a diagnosis, a fix, a wizard explanation) in their column, so a
/// continuation line reads as part of the block it belongs to. Only human output on a
/// terminal is wrapped (`forOutput` decides); piped output and JSON keep their bytes.
///
/// Where a continuation line starts (the hanging indent), unless the caller gives it:
/// - under the text after a leading label: the line's indent, then a label of at most
///   three words and 20 cells ending in `: ` (`fix: `, `  cause: `, `error: `,
///   `not connected: `), so `fix: …` continues under its text, not under `fix`;
/// - under the text after a list marker: `- `, `* `, `• ` or a number and `) `;
/// - otherwise under the line's own indent.
/// The hanging indent is capped at half the width, so a deep label never leaves a
/// column too narrow to read. Runs of spaces inside a line (a table's padding) are kept;
/// a line is only broken at a space, except a word wider than a whole line (a long
/// path), which is cut where the line ends. Lines holding a tab or a carriage return
/// are left alone: their cells depend on where the terminal's cursor is.
public struct TextWrapper: Sendable {
    /// Terminal cells per line.
    public let width: Int

    /// Below this, wrapping would leave a word or two per line: narrower terminals get
    /// the text as it is and the terminal's own breaks.
    public static let narrowest = 20

    public init(width: Int) { self.width = width }

    /// The wrapper for human text written to a stream, or nil when the text must go out
    /// byte for byte: not a terminal (a pipe, a file), `--json`, or a terminal whose
    /// width is unknown. The width is the terminal's own (TIOCGWINSZ on that stream,
    /// `windowColumns`), else `$COLUMNS`. NO_COLOR and TERM do not matter: they are
    /// about colour, not layout.
    public static func forOutput(isTerminal: Bool, json: Bool, windowColumns: Int?,
                                 environment: [String: String]) -> TextWrapper? {
        guard isTerminal, !json else { return nil }
        if let columns = windowColumns, columns > 0 { return TextWrapper(width: columns) }
        if let text = environment["COLUMNS"], let columns = Int(text.trimmingCharacters(in: .whitespaces)), columns > 0 {
            return TextWrapper(width: columns)
        }
        return nil
    }

    /// Each line of `text` wrapped on its own; empty lines stay. A continuation line is
    /// indented like its first line plus `hangingIndent` more cells, or as the rule in
    /// the type's description says when `hangingIndent` is nil.
    public func wrap(_ text: String, hangingIndent: Int? = nil) -> String {
        guard width >= Self.narrowest else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { wrapLine($0, hangingIndent: hangingIndent) }
            .joined(separator: "\n")
    }

    private func wrapLine(_ line: Substring, hangingIndent: Int?) -> String {
        guard Self.cells(line) > width, !line.contains("\t"), !line.contains("\r") else { return String(line) }
        let lead = line.prefix { $0 == " " }
        let firstIndent = lead.count
        let hang = hangingIndent ?? Self.labelCells(line.dropFirst(firstIndent))
        let nextIndent = min(firstIndent + max(0, hang), width / 2)
        var lines: [String] = []
        var current = String(lead)
        var currentCells = firstIndent
        var indent = firstIndent
        func newLine() {
            lines.append(current)
            indent = nextIndent
            current = String(repeating: " ", count: indent)
            currentCells = indent
        }
        for (gap, word) in Self.words(line.dropFirst(firstIndent)) {
            var word = word
            var wordCells = Self.cells(word)
            if currentCells != indent && currentCells + gap + wordCells > width { newLine() }
            // A word wider than a whole line (a long path or URL) is cut where the
            // line ends: the only way to keep every line within the width.
            while indent + wordCells > width {
                let (head, tail) = Self.split(word, cells: width - indent)
                current += head
                newLine()
                word = tail
                wordCells = Self.cells(word)
            }
            if currentCells != indent {
                current += String(repeating: " ", count: gap)
                currentCells += gap
            }
            current += word
            currentCells += wordCells
        }
        if currentCells > indent || lines.isEmpty { lines.append(current) }
        return lines.joined(separator: "\n")
    }

    /// The words of a line, each with the number of spaces before it.
    private static func words(_ text: Substring) -> [(gap: Int, word: Substring)] {
        var result: [(Int, Substring)] = []
        var gap = 0
        var start: Substring.Index?
        for i in text.indices {
            if text[i] == " " {
                if let s = start { result.append((gap, text[s..<i])); start = nil; gap = 0 }
                gap += 1
            } else if start == nil {
                start = i
            }
        }
        if let s = start { result.append((gap, text[s...])) }
        return result
    }

    /// Cells of a leading label or list marker (with the space after it), 0 without one.
    static func labelCells(_ text: Substring) -> Int {
        let plain = stripped(text)
        for marker in ["- ", "* ", "• "] where plain.hasPrefix(marker) { return 2 }
        let digits = plain.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, plain.dropFirst(digits.count).hasPrefix(") ") { return digits.count + 2 }
        guard let colon = plain.range(of: ": ") else { return 0 }
        let label = plain[..<colon.lowerBound]
        guard let first = label.first, first.isLetter, cells(label) + 2 <= 20,
              label.split(separator: " ").count <= 3 else { return 0 }
        return cells(label) + 2
    }

    /// `text` without its SGR (colour) sequences.
    static func stripped(_ text: some StringProtocol) -> String {
        var out = String.UnicodeScalarView()
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape {
                if (0x40...0x7E).contains(scalar.value) && scalar != "[" { inEscape = false }
                continue
            }
            if scalar == "\u{1B}" { inEscape = true; continue }
            out.append(scalar)
        }
        return String(out)
    }

    /// The first `cells` cells of `word` and the rest; an escape sequence is never cut.
    private static func split(_ word: Substring, cells limit: Int) -> (Substring, Substring) {
        var used = 0
        var end = word.startIndex
        var inEscape = false
        while end < word.endIndex {
            let c = word[end]
            if inEscape {
                if c.unicodeScalars.allSatisfy({ (0x40...0x7E).contains($0.value) }) && c != "[" { inEscape = false }
            } else if c == "\u{1B}" {
                inEscape = true
            } else {
                let w = cells(String(c))
                if used + w > limit && used > 0 { break }
                used += w
            }
            end = word.index(after: end)
        }
        return (word[..<end], word[end...])
    }

    /// Terminal cells `text` takes: East Asian wide characters and most emoji take two,
    /// combining marks and SGR colour sequences none.
    public static func cells(_ text: some StringProtocol) -> Int {
        stripped(text).unicodeScalars.reduce(0) { $0 + cellWidth($1) }
    }

    /// The widest prefix of `text` (a one-line status) that fits in `cells` cells, with
    /// `…` when something was cut: a status line is redrawn in place, so it must never
    /// take two lines.
    public static func truncated(_ text: String, toCells limit: Int) -> String {
        guard cells(text) > limit, limit > 1 else { return text }
        let text = stripped(text)
        var used = 0
        var out = ""
        for c in text {
            let w = cells(String(c))
            if used + w > limit - 1 { break }
            used += w
            out.append(c)
        }
        return out + "…"
    }

    private static func cellWidth(_ scalar: Unicode.Scalar) -> Int {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control: return 0
        default: break
        }
        return wideRanges.contains { $0.contains(scalar.value) } ? 2 : 1
    }

    /// East Asian Wide and Fullwidth blocks (UAX #11) and the emoji planes.
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
        0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
        0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD,
    ]
}
