/// Quoting for commands kdnetctl prints for the user to paste into a POSIX shell.
///
/// Parts of those commands come from outside (interface names, nftables table and
/// chain names read from the ruleset), so each is quoted unless it is plainly safe.
public enum ShellWord {
    /// The word as the shell must see it to pass it through unchanged: bare when it
    /// holds only characters no shell treats specially, else in single quotes.
    public static func quoted(_ word: String) -> String {
        if !word.isEmpty, word.unicodeScalars.allSatisfy(isPlain) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
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
}
