import Testing
@testable import KDNetKit

@Suite struct TerminalTextTests {
    @Test func ordinaryTextIsUnchanged() {
        for text in ["lab-pc-01", "Grüße, 東京 ✓", #"C:\Windows\System32"#, ""] {
            #expect(TerminalText.escaped(text) == text)
            #expect(TerminalText.escaped(text, layout: .multiLine) == text)
        }
    }

    @Test func escapeSequencesBecomeVisible() {
        // A title change (OSC), a colour (CSI) and a lone ESC.
        #expect(TerminalText.escaped("a\u{1B}]0;owned\u{07}b") == #"a\x1b]0;owned\x07b"#)
        #expect(TerminalText.escaped("\u{1B}[31mred\u{1B}[0m") == #"\x1b[31mred\x1b[0m"#)
        #expect(TerminalText.escaped("\u{1B}") == #"\x1b"#)
        #expect(TerminalText.escaped("nul\u{0}bs\u{8}del\u{7F}") == #"nul\x00bs\x08del\x7f"#)
    }

    @Test func c1ControlsAreEscapedButLatin1LettersAreNot() {
        // U+009B is the one-character CSI: some terminals act on it.
        #expect(TerminalText.escaped("\u{9B}31m\u{85}") == #"\u{9b}31m\u{85}"#)
        #expect(TerminalText.escaped("\u{A0}é\u{FF}") == "\u{A0}é\u{FF}")
    }

    /// An override or isolate reorders the rest of the line as shown; the marks are invisible.
    @Test(arguments: [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C] as [UInt32])
    func bidiFormattingIsEscaped(_ value: UInt32) {
        let scalar = Unicode.Scalar(value)!
        let shown = "\\u{" + String(value, radix: 16) + "}"
        for layout in [TerminalText.Layout.singleLine, .multiLine] {
            #expect(TerminalText.escaped("10.0.0.1\(scalar)1", layout: layout) == "10.0.0.1" + shown + "1")
        }
        #expect(TerminalText.quoted("\(scalar)") == "'" + shown + "'")
    }

    @Test func otherFormattingAndRightToLeftLettersAreLeft() {
        // Hebrew and Arabic letters are text, not formatting; a zero-width joiner builds emoji.
        for text in ["שלום", "مرحبا", "👩\u{200D}💻"] { #expect(TerminalText.escaped(text) == text) }
    }

    @Test func singleLineFieldsCannotBreakTheLine() {
        #expect(TerminalText.escaped("name\nerror: forged") == #"name\nerror: forged"#)
        #expect(TerminalText.escaped("a\tb\r\nc") == #"a\tb\r\nc"#)
        #expect(TerminalText.escaped("ok\rEVIL") == #"ok\rEVIL"#)
    }

    @Test func multiLineTextKeepsItsLinesButLosesEscapes() {
        let dbgPrint = "KDTARGET: Refreshing\r\n\tindented\n\u{1B}[2Jcleared?\rover\n"
        #expect(TerminalText.escaped(dbgPrint, layout: .multiLine)
                == "KDTARGET: Refreshing\n\tindented\n\\x1b[2Jcleared?\\rover\n")
        #expect(TerminalText.escaped("one\ntwo\n", layout: .multiLine) == "one\ntwo\n")
        #expect(TerminalText.escaped("ends with CR\r", layout: .multiLine) == #"ends with CR\r"#)
    }

    @Test func noControlCharacterSurvives() {
        let every = String(String.UnicodeScalarView((0...0x9F).compactMap(Unicode.Scalar.init)))
        for layout in [TerminalText.Layout.singleLine, .multiLine] {
            let out = TerminalText.escaped(every, layout: layout)
            let allowed: Set<UInt32> = layout == .multiLine ? [0x0A, 0x09] : []
            #expect(!out.unicodeScalars.contains { ($0.value < 0x20 || (0x7F...0x9F).contains($0.value)) && !allowed.contains($0.value) })
        }
    }

    /// Every message quotes a bad value one way: single quotes, escaped as above, cut at 40.
    @Test func messagesQuoteValuesOneWay() {
        #expect(TerminalText.quoted("a\u{1B}[2J\n") == #"'a\x1b[2J\n'"#)
        #expect(TerminalText.quoted(String(repeating: "x", count: 50)) == "'" + String(repeating: "x", count: 40) + "…'")
        // Interface names: the name and the bad character alike (they were raw, or U+001B).
        #expect(InterfaceNameError.unquotable("a\u{1B}b", "\u{1B}").errorDescription?
            .hasPrefix(#"interface name 'a\x1bb' contains '\x1b', which kdnetctl cannot"#) == true)
        #expect(InterfaceNameError.forbiddenCharacter("a/b", "/").errorDescription?.hasPrefix("interface name 'a/b' contains '/', which") == true)
        #expect(InterfaceNameError.forbiddenCharacter("a b", " ").errorDescription?.hasPrefix("interface name 'a b' contains U+0020 (a space), which") == true)
        #expect(InterfaceNameError.reserved("..").errorDescription?.hasPrefix("'..' cannot be an interface name") == true)
        // Listener configs: the same form, see ListenerConfigTests (they used Swift's "\u{1B}" quoting).
    }
}
