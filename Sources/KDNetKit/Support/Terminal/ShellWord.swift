/// Quoting for commands kdnetctl prints for the user to paste into a POSIX shell.
///
/// Parts of those commands come from outside (VM names, paths, interface names, nftables
/// table and chain names read from the ruleset), so each is quoted unless it is plainly
/// safe. The rule: a printed word, pasted, passes exactly its value, and shows nothing a
/// terminal acts on. Single quotes pass everything literally, so a control character in
/// them would either reach the terminal raw or, escaped for the terminal, reach the
/// command as a backslash and letters; such words are written in `$'...'` quoting (bash,
/// ksh, zsh, and POSIX.1-2024 sh), whose `\xHH` escapes the shell turns back into the bytes.
public enum ShellWord {
    /// No shell can put a NUL byte in an argument (it ends a C string); a word holding one
    /// is printed as this, which names the problem and, pasted, passes a value that names
    /// nothing real instead of a silently shortened one.
    public static let unpastable = "'(a value holding a NUL byte, which no shell command can pass)'"

    /// The word as the shell must see it to pass it through unchanged: bare when it holds
    /// only characters no shell treats specially, in single quotes when it holds nothing
    /// unprintable, else in `$'...'` with every unprintable scalar written as the `\xHH`
    /// escapes of its UTF-8 bytes (and newline, tab, CR as `\n`, `\t`, `\r`).
    public static func quoted(_ word: String) -> String {
        // zsh expands a word that starts with = to a command's path (=ls is /bin/ls).
        if !word.isEmpty, word.unicodeScalars.allSatisfy(isPlain), !word.hasPrefix("=") { return word }
        guard word.unicodeScalars.contains(where: needsEscape) else {
            return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
        if word.unicodeScalars.contains("\0") { return unpastable }
        var out = "$'"
        for scalar in word.unicodeScalars {
            switch scalar {
            case "\\": out += #"\\"#
            case "'": out += #"\'"#
            case "\n": out += #"\n"#
            case "\t": out += #"\t"#
            case "\r": out += #"\r"#
            case _ where needsEscape(scalar):
                for byte in String(scalar).utf8 { out += "\\x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16) }
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }

    /// A command line from its words, each quoted as needed.
    public static func line(_ words: [String]) -> String {
        words.map(quoted).joined(separator: " ")
    }

    static func isPlain(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".", "/", ":", ",", "=", "@", "+", "%": return true
        default: return false
        }
    }

    /// What must not stand literally in a printed command: whatever `TerminalText`
    /// escapes (controls, bidi formatting), and every other scalar that shows as nothing
    /// or as something else: format characters (zero-width joiners, BOM), line and
    /// paragraph separators, spaces other than U+0020, private-use, unassigned and
    /// noncharacter code points. Written as escapes, the word reads as what it is.
    static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        if TerminalText.needsEscape(s, .singleLine) { return true }
        if s.value < 0x80 { return false }
        if s.properties.isNoncharacterCodePoint { return true }
        switch s.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .spaceSeparator, .privateUse, .unassigned, .surrogate:
            return true
        default:
            return false
        }
    }
}
