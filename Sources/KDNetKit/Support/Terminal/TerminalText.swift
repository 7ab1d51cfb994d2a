/// Makes text from files and the network safe to print on a terminal.
///
/// A name in a CSV, a value pasted from `bcdedit`, a VM name or a target's DbgPrint text
/// can hold escape sequences that retitle, recolour or clear the user's terminal, or a
/// carriage return that overwrites what was printed before it. Human output passes such
/// text through `escaped`; JSON output keeps the raw text (its encoder escapes controls).
///
/// Unicode's bidirectional formatting characters are escaped too: an override (U+202E)
/// or isolate shown raw reorders the rest of the line, so `hostip 10.0.0.1` can read as
/// something it is not, and the marks (U+200E, U+200F, U+061C) are invisible.
public enum TerminalText {
    /// What happens to line breaks and tabs.
    public enum Layout: Sendable {
        /// A field printed inside one line (a name, a value, a message): newline, carriage
        /// return and tab become `\n`, `\r` and `\t`, so the field cannot start a line of
        /// its own that looks like the tool's output, nor break a table's columns.
        case singleLine
        /// Text that is lines by nature (DbgPrint output): newline and tab stay, a CR LF
        /// pair becomes a newline, and a lone carriage return is escaped (it would let the
        /// text overwrite the start of its own line).
        case multiLine
    }

    /// `text` with every C0 control (U+0000-U+001F), DEL (U+007F), C1 control
    /// (U+0080-U+009F) and bidi formatting character (`isBidiFormatting`) written as a
    /// visible escape: `\x1b` for C0 and DEL, `\u{9b}` for C1, `\u{202e}` for bidi, and `\n`, `\r`, `\t` for the line breaks and tab the layout does not keep.
    /// Everything else, backslashes included, is left as it is, so ordinary text reads
    /// the same; text with nothing to escape is returned unchanged without copying.
    public static func escaped(_ text: String, layout: Layout = .singleLine) -> String {
        let scalars = text.unicodeScalars
        guard scalars.contains(where: { needsEscape($0, layout) }) else { return text }
        var result = String.UnicodeScalarView()
        var iterator = scalars.makeIterator()
        var pending = iterator.next()
        while let scalar = pending {
            pending = iterator.next()
            switch (scalar, layout) {
            case ("\n", .multiLine), ("\t", .multiLine):
                result.append(scalar)
            case ("\r", .multiLine) where pending == "\n":
                break  // the newline that follows is kept
            case ("\n", .singleLine): result.append(contentsOf: #"\n"#.unicodeScalars)
            case ("\r", _): result.append(contentsOf: #"\r"#.unicodeScalars)
            case ("\t", .singleLine): result.append(contentsOf: #"\t"#.unicodeScalars)
            case _ where isC0OrDelete(scalar):
                result.append(contentsOf: ("\\x" + hex(scalar.value)).unicodeScalars)
            case _ where isC1(scalar) || isBidiFormatting(scalar):
                result.append(contentsOf: ("\\u{" + hex(scalar.value) + "}").unicodeScalars)
            default:
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// A value quoted in a message (a bad flag value, a field from a file, a name): in
    /// single quotes, escaped as `escaped` does, and cut after `limit` characters with
    /// `…`, so the message stays one readable line however long or hostile the value.
    /// Every message that shows a value the user gave goes through here, so one rule
    /// quotes them all.
    public static func quoted(_ text: String, limit: Int = 40) -> String {
        "'" + escaped(text.count > limit ? String(text.prefix(limit)) + "…" : text) + "'"
    }

    static func needsEscape(_ scalar: Unicode.Scalar, _ layout: Layout) -> Bool {
        if layout == .multiLine, scalar == "\n" || scalar == "\t" { return false }
        return isC0OrDelete(scalar) || isC1(scalar) || isBidiFormatting(scalar)
    }

    /// The embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069) and the
    /// invisible direction marks LRM, RLM (U+200E, U+200F) and ALM (U+061C).
    public static func isBidiFormatting(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: return true
        default: return false
        }
    }

    private static func isC0OrDelete(_ scalar: Unicode.Scalar) -> Bool { scalar.value < 0x20 || scalar.value == 0x7F }
    private static func isC1(_ scalar: Unicode.Scalar) -> Bool { (0x80...0x9F).contains(scalar.value) }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return digits.count < 2 ? "0" + digits : digits
    }
}
