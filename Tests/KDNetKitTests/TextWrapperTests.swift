import Foundation
import Testing
@testable import KDNetKit

@Suite struct TextWrapperTests {
    let text = "no datagram reached this port: the target is not sending, or something drops it on the way; check the target's hostip and the firewall"

    @Test func everyLineFitsAndNoWordIsSplit() {
        for width in [20, 37, 80, 110] {
            let out = TextWrapper(width: width).wrap(text)
            for line in out.split(separator: "\n") { #expect(TextWrapper.cells(line) <= width, "width \(width): \(line)") }
            #expect(out.split(whereSeparator: { $0 == " " || $0 == "\n" }) == text.split(separator: " "), "width \(width)")
        }
    }

    @Test func continuationLinesKeepTheBlocksIndentPlusTheHangingIndent() {
        let out = TextWrapper(width: 40).wrap("    cause: " + text, hangingIndent: 7)
        let lines = out.split(separator: "\n")
        #expect(lines.count > 2)
        #expect(lines[0].hasPrefix("    cause: no"))
        for line in lines.dropFirst() {
            #expect(line.hasPrefix(String(repeating: " ", count: 11)))
            #expect(!line.hasPrefix(String(repeating: " ", count: 12)))
        }
    }

    @Test func shortLinesEmptyLinesAndNarrowTerminalsAreLeftAlone() {
        #expect(TextWrapper(width: 80).wrap("short\n\n  indented") == "short\n\n  indented")
        #expect(TextWrapper(width: 10).wrap(text) == text)
    }

    @Test func aWordWiderThanTheLineIsCutAtTheWidth() {
        let path = "/var/lib/libvirt/images/" + String(repeating: "x", count: 60) + ".qcow2"
        let out = TextWrapper(width: 30).wrap("copy " + path)
        for line in out.split(separator: "\n") { #expect(TextWrapper.cells(line) <= 30) }
        #expect(out.replacingOccurrences(of: "\n", with: "") == "copy" + path || out.replacingOccurrences(of: "\n", with: "") == "copy " + path)
        #expect(out.hasPrefix("copy\n"))
    }

    @Test func wideCharactersCombiningMarksAndColourCountAsTheTerminalShowsThem() {
        #expect(TextWrapper.cells("漢字") == 4)
        #expect(TextWrapper.cells("e\u{301}") == 1)
        #expect(TextWrapper.cells("\u{1B}[1;31mfail\u{1B}[0m") == 4)
        let out = TextWrapper(width: 21).wrap("漢字漢字漢字 漢字漢字漢字 漢字")
        for line in out.split(separator: "\n") { #expect(TextWrapper.cells(line) <= 21) }
        #expect(out == "漢字漢字漢字\n漢字漢字漢字 漢字")
    }

    @Test func aLabelledLineContinuesUnderTheTextAfterItsLabel() {
        let out = TextWrapper(width: 40).wrap("  fix: " + text)
        let lines = out.split(separator: "\n")
        #expect(lines.count > 2)
        #expect(lines[0].hasPrefix("  fix: no datagram"))
        for line in lines.dropFirst() { #expect(line.prefix { $0 == " " }.count == 7, "\(line)") }
        let coloured = TextWrapper(width: 40).wrap("\u{1B}[31mnot connected\u{1B}[0m: target: " + text)
        for line in coloured.split(separator: "\n").dropFirst() { #expect(line.prefix { $0 == " " }.count == 15, "\(line)") }
    }

    @Test func listItemsHangUnderTheirTextAndPlainProseUnderItsIndent() {
        for line in TextWrapper(width: 40).wrap("- " + text).split(separator: "\n").dropFirst() { #expect(line.prefix { $0 == " " }.count == 2) }
        for line in TextWrapper(width: 40).wrap("  12) " + text).split(separator: "\n").dropFirst() { #expect(line.prefix { $0 == " " }.count == 6) }
        // A sentence whose first colon comes late has no label: it continues under its indent.
        let prose = "   the target was seen at 10.0.0.2 by the doctor and by the listener: " + text
        for line in TextWrapper(width: 40).wrap(prose).split(separator: "\n").dropFirst() { #expect(line.prefix { $0 == " " }.count == 3) }
    }

    @Test func aTablesPaddingIsKeptWhereTheLineIsNotBroken() {
        let row = "fail  listen     " + text
        let out = TextWrapper(width: 60).wrap(row, hangingIndent: 17)
        #expect(out.hasPrefix("fail  listen     no datagram"))
        for line in out.split(separator: "\n").dropFirst() { #expect(line.prefix { $0 == " " }.count == 17) }
    }

    @Test func onlyATerminalWithAKnownWidthAndNoJSONWraps() {
        #expect(TextWrapper.forOutput(isTerminal: true, json: false, windowColumns: 80, environment: [:])?.width == 80)
        #expect(TextWrapper.forOutput(isTerminal: true, json: false, windowColumns: 0, environment: ["COLUMNS": "100"])?.width == 100)
        #expect(TextWrapper.forOutput(isTerminal: true, json: false, windowColumns: nil, environment: [:]) == nil)
        #expect(TextWrapper.forOutput(isTerminal: false, json: false, windowColumns: nil, environment: ["COLUMNS": "80"]) == nil)
        #expect(TextWrapper.forOutput(isTerminal: true, json: true, windowColumns: 80, environment: [:]) == nil)
        // NO_COLOR is about colour only: the text still wraps.
        #expect(TextWrapper.forOutput(isTerminal: true, json: false, windowColumns: 80, environment: ["NO_COLOR": "1", "TERM": "dumb"])?.width == 80)
    }

    @Test func aStatusLineIsCutToOneLine() {
        #expect(TextWrapper.truncated("waiting 3 s of 120: no datagrams yet", toCells: 20) == "waiting 3 s of 120:…")
        #expect(TextWrapper.truncated("short", toCells: 20) == "short")
        #expect(TextWrapper.cells(TextWrapper.truncated("漢字漢字漢字漢字漢字漢字", toCells: 9)) <= 9)
    }
}
