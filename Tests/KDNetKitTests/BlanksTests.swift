import Foundation
import Testing
@testable import KDNetProtocol

/// `trimmingBlanks` stands in for Foundation's `trimmingCharacters(in:)` where start-up
/// matters; it must take away exactly what Foundation takes away.
@Suite struct BlanksTests {
    static let samples: [String] = [
        "", " ", "\t", "10.0.0.1", "  10.0.0.1\t", "\u{00A0}fe80::1%eth0\u{3000}", "\u{2003}x\u{2003}y\u{2003}",
        "\n1.2.3.4\r\n", "\u{85}key\u{2028}", "\u{2029}", "a b", "\u{200B}zero-width\u{200B}", "\u{1680}ogham",
        "é\u{301} ", " \u{301}", "\u{FEFF}bom", "\u{0B}\u{0C}vt-ff",
    ] + [0x08, 0x0E, 0x1F, 0x21, 0x9F, 0xA1, 0x167F, 0x1681, 0x180E, 0x1FFF, 0x2000, 0x2005, 0x200A, 0x200C, 0x200D,
         0x2027, 0x202A, 0x202E, 0x202F, 0x2030, 0x205E, 0x205F, 0x2060, 0x2FFF, 0x3000, 0x3001, 0xFFFD]
        .map { "\(Character(Unicode.Scalar($0)!))x\(Character(Unicode.Scalar($0)!))" }

    @Test(arguments: samples)
    func sameAsFoundationWithoutNewlines(_ text: String) {
        #expect(String(text.trimmingBlanks()) == text.trimmingCharacters(in: .whitespaces))
    }

    @Test(arguments: samples)
    func sameAsFoundationWithNewlines(_ text: String) {
        #expect(String(text.trimmingBlanks(newlines: true)) == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func addressesAndKeysStillTakeBlanks() throws {
        #expect(IPAddress("\u{00A0} 192.0.2.7\t")?.description == "192.0.2.7")
        #expect(IPAddress("\n192.0.2.7") == nil)
        let key = try DebugKey(parsing: "\r\n 1.2.3.4 \n")
        #expect(key.parts == [1, 2, 3, 4])
    }
}
