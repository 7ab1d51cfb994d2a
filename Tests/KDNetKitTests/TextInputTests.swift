import Foundation
import Testing
@testable import KDNetKit

@Suite struct TextInputTests {
    static let text = "key 1.2.3.4\r\nport 50000\r\n"
    static let expecting = "the pasted output"

    func decode(_ bytes: [UInt8]) throws(TextInputError) -> String {
        try TextInput.decode(Data(bytes), source: "in.txt", expecting: Self.expecting)
    }

    func problem(_ bytes: [UInt8]) -> TextInputError.Problem? {
        do { _ = try decode(bytes); return nil } catch { return error.problem }
    }

    @Test func decodesByTheByteOrderMark() throws {
        let utf16le: [UInt8] = [0xFF, 0xFE] + Self.text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let utf16be: [UInt8] = [0xFE, 0xFF] + Self.text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        #expect(try decode(utf16le) == Self.text, "what PowerShell 5.1's > writes")
        #expect(try decode(utf16be) == Self.text)
        #expect(try decode([0xEF, 0xBB, 0xBF] + Array(Self.text.utf8)) == Self.text)
        #expect(try decode(Array("café\n".utf8)) == "café\n")
        #expect(problem([0xFF, 0xFE, 0x41]) == .badUTF16)
    }

    @Test func otherEncodingsAreNamedWithTheirFix() {
        let latin1: [UInt8] = Array("key caf".utf8) + [0xE9, 0x0A]
        #expect(problem(latin1) == .notUTF8(offset: 7, byte: 0xE9))
        let noBOM = Self.text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(problem(noBOM) == .notText(offset: 1, utf16: "utf-16le"))
        #expect(problem([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00]) == .notText(offset: 7, utf16: nil))
        let message = TextInputError(source: "in.txt", problem: .notUTF8(offset: 7, byte: 0xE9), expecting: Self.expecting).errorDescription ?? ""
        #expect(message == "in.txt is not UTF-8 text (byte 0xE9 at offset 7); convert it with `iconv -f latin1 -t utf-8 in.txt` (or from its real encoding)")
    }

    @Test func blankInputIsRefused() {
        #expect(problem([]) == .empty)
        #expect(problem(Array(" \r\n\t\n".utf8)) == .empty)
        let stdin = TextInputError(source: TextInputError.standardInput, problem: .empty, expecting: Self.expecting)
        #expect(stdin.errorDescription == "standard input was empty (nothing was piped in); give the pasted output")
    }

    /// `<(...)` and `/dev/stdin` are pipes: no size to stat, read until the writer closes.
    @Test func readsAPipeByItsPath() throws {
        let pipe = Pipe()
        // Far below the pipe's buffer, so writing does not wait for the reader.
        pipe.fileHandleForWriting.write(Data(Self.text.utf8))
        try pipe.fileHandleForWriting.close()
        let path = "/dev/fd/\(pipe.fileHandleForReading.fileDescriptor)"
        #expect(try TextInput.read(path: path, expecting: Self.expecting) == Self.text)
    }

    @Test func stopsAtTheLimitAndNamesUnreadableFiles() {
        #expect(throws: TextInputError(source: "/dev/zero", problem: .tooLarge(1 << 20), expecting: "x")) {
            try TextInput.read(path: "/dev/zero", expecting: "x", limit: 1 << 20)
        }
        #expect(throws: TextInputError(source: "/nonexistent/file", problem: .unreadable(ENOENT), expecting: "x")) {
            try TextInput.read(path: "/nonexistent/file", expecting: "x")
        }
    }
}
