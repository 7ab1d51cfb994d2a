/// Wraps human output at word boundaries to a terminal's width.
///
/// A terminal breaks a long line wherever the width runs out, often mid-word
/// ("…WinDbg/kd o|n a Windows host"). Wrapping here keeps words whole and keeps
/// indented blocks (a diagnosis, a fix, a wizard explanation) in their column, so a
/// continuation line reads as part of the block it belongs to. Only human output on a
/// terminal is wrapped; piped output and JSON are left as they are by the caller.
public struct TextWrapper: Sendable {
    /// Terminal cells per line.
    public let width: Int

    /// Below this, wrapping would leave a word or two per line: narrower terminals get
    /// the text as it is and the terminal's own breaks.
    public static let narrowest = 20

    public init(width: Int) { self.width = width }

    /// Each line of `text` wrapped on its own; empty lines stay. A continuation line is
    /// indented like its first line plus `hangingIndent` more cells (so `cause: …` can
    /// continue under its text rather than under its label).
    public func wrap(_ text: String, hangingIndent: Int = 0) -> String {
        guard width >= Self.narrowest else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { wrapLine(Substring($0), hangingIndent: hangingIndent) }
            .joined(separator: "\n")
    }

    private func wrapLine(_ line: Substring, hangingIndent: Int) -> String {
        guard Self.cells(line) > width else { return String(line) }
        let lead = line.prefix { $0 == " " }
        let firstIndent = lead.count
        let nextIndent = min(firstIndent + max(0, hangingIndent), width / 2)
        var lines: [String] = []
        var current = String(lead)
        var currentCells = firstIndent
        var indent = firstIndent
        for word in line.dropFirst(lead.count).split(separator: " ", omittingEmptySubsequences: true) {
            var word = Substring(word)
            var wordCells = Self.cells(word)
            let atLineStart = currentCells == indent
            if !atLineStart && currentCells + 1 + wordCells > width {
                lines.append(current)
                indent = nextIndent
                current = String(repeating: " ", count: indent)
                currentCells = indent
            }
            // A word wider than a whole line (a long path or URL) is cut where the
            // line ends: the only way to keep every line within the width.
            while indent + wordCells > width {
                let (head, tail) = Self.split(word, cells: max(1, width - indent))
                lines.append(current + head)
                indent = nextIndent
                current = String(repeating: " ", count: indent)
                currentCells = indent
                word = tail
                wordCells = Self.cells(word)
            }
            if currentCells != indent {
                current += " "
                currentCells += 1
            }
            current += word
            currentCells += wordCells
        }
        if currentCells > indent || lines.isEmpty { lines.append(current) }
        return lines.joined(separator: "\n")
    }

    /// The first `cells` cells of `word` and the rest.
    private static func split(_ word: Substring, cells limit: Int) -> (Substring, Substring) {
        var used = 0
        var end = word.startIndex
        while end < word.endIndex {
            let w = cells(word[end...end])
            if used + w > limit && used > 0 { break }
            used += w
            end = word.index(after: end)
        }
        return (word[..<end], word[end...])
    }

    /// Terminal cells `text` takes: East Asian wide characters and most emoji take two,
    /// combining marks and SGR colour sequences none.
    public static func cells(_ text: some StringProtocol) -> Int {
        var total = 0
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape {
                if (0x40...0x7E).contains(scalar.value) && scalar != "[" { inEscape = false }
                continue
            }
            if scalar == "\u{1B}" { inEscape = true; continue }
            total += cellWidth(scalar)
        }
        return total
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
