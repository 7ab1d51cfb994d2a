import Foundation
import Testing
@testable import KDNetKit

/// A printed command, pasted, must pass exactly its values: each quoted word is handed to
/// a real bash and what it passes on is compared byte for byte.
@Suite struct ShellWordTests {
    /// What `bash -c 'printf %s WORD'` passes to printf for the printed word.
    static func bashValue(of printed: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "printf %s " + printed]
        process.environment = ["LC_ALL": "C.UTF-8", "HOME": "/nonexistent-home"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }

    static let hostile: [String] = {
        var values = [
            "", " ", "plain-name_1.2", "win 11", "it's", "'", "''", "\"", #"back\slash"#, #"\x41"#, #"\\"#, #"\'"#,
            "$HOME", "${HOME}", "`id`", "$(id)", "!!", "*", "~", "a;b|c&d", "-n", "--help", "#comment",
            "line\nbreak", "\n", "tab\there", "cr\rlf\r\n", "\u{1B}[31mred\u{1B}[0m", "\u{1B}]0;owned\u{07}",
            "\u{7F}", "\u{9B}2J", "\u{85}", "é", "Grüße, 東京 ✓", "👩‍💻", "e\u{301}",
            "\u{202E}evil\u{202C}", "\u{2066}iso\u{2069}", "\u{200E}\u{200F}\u{061C}", "\u{200B}", "\u{FEFF}",
            "\u{2028}\u{2029}", "\u{A0}nbsp\u{3000}", "\u{E000}", "\u{FFFE}", "\u{FFFF}", "\u{10FFFF}", "\u{0378}",
            "$'\\x1b'", "'$'\\''", "=ls", "\u{1B}'\\\u{1B}",
        ]
        // Every C0 control but NUL, alone and in the middle of a word.
        for v in 1..<0x20 {
            let c = String(UnicodeScalar(UInt8(v)))
            values += [c, "a\(c)b"]
        }
        return values
    }()

    @Test(arguments: hostile)
    func bashPassesExactlyTheValue(_ value: String) throws {
        let printed = ShellWord.quoted(value)
        #expect(try Self.bashValue(of: printed) == Data(value.utf8), "printed as \(printed.debugDescription)")
        // Safe on a terminal as printed, so the human renderer has nothing to change in it.
        #expect(TerminalText.escaped(printed) == printed, "printed as \(printed.debugDescription)")
        #expect(!printed.unicodeScalars.contains(where: ShellWord.needsEscape), "printed as \(printed.debugDescription)")
    }

    @Test func aWholeLineRoundTrips() throws {
        let words = ["kdnetctl", "vm", "fix", "\u{1B}[31mlab\u{202E}1", "--add-debug-nic", "it's"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "printf '%s\\0' " + ShellWord.line(words)]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(data.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) } == words)
    }

    @Test func readableForms() {
        #expect(ShellWord.quoted("eth0") == "eth0")
        #expect(ShellWord.quoted("") == "''")
        #expect(ShellWord.quoted("win 11") == "'win 11'")
        #expect(ShellWord.quoted("it's") == #"'it'\''s'"#)
        #expect(ShellWord.quoted("Grüße") == "'Grüße'")
        #expect(ShellWord.quoted("=ls") == "'=ls'" && ShellWord.quoted("a=b") == "a=b")
        #expect(ShellWord.quoted("\u{1B}[31mvm") == #"$'\x1b[31mvm'"#)
        #expect(ShellWord.quoted("a\nb\tc'd\\e") == #"$'a\nb\tc\'d\\e'"#)
        #expect(ShellWord.quoted("\u{202E}x") == #"$'\xe2\x80\xaex'"#)
    }

    /// No shell argument can hold NUL: the word says so instead of passing a shortened value.
    @Test func aNulCannotBePasted() throws {
        #expect(ShellWord.quoted("vm\u{0}\u{1B}") == ShellWord.unpastable)
        #expect(ShellWord.quoted("vm\u{0}") == ShellWord.unpastable)
        #expect(try Self.bashValue(of: ShellWord.unpastable) != Data("vm".utf8))
    }
}
