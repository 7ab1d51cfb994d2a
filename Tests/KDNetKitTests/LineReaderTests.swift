import Foundation
import Testing
@testable import KDNetKit

/// Every reader of user input has a bound, inputs without a newline, devices and FIFOs
/// included: reading stops there with the bound in the message.
@Suite struct LineReaderTests {
    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-lines-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func linesAreHandedOutWithoutTheirBreaks() throws {
        let dir = try Self.folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t").path
        try "one\ntwo\r\n\nlast".write(toFile: path, atomically: true, encoding: .utf8)
        let reader = try #require(LineReader(path: path, maxLineLength: 8))
        var lines: [String] = []
        #expect(reader.forEachLine { lines.append(String(decoding: $0, as: UTF8.self)); return true } == 4)
        #expect(lines == ["one", "two\r", "", "last"])
        #expect(reader.tooLongLine == nil && reader.rewind())
        #expect(reader.nextLine() == "one" && reader.nextLine() == "two\r")
    }

    @Test func aLineOverTheBoundStopsTheReadingAndIsNamed() throws {
        let dir = try Self.folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t").path
        try ("short\n" + String(repeating: "x", count: 9) + "\nafter\n").write(toFile: path, atomically: true, encoding: .utf8)
        let reader = try #require(LineReader(path: path, maxLineLength: 8))
        #expect(reader.forEachLine { _ in true } == 1)
        #expect(reader.tooLongLine == 2)
        let exact = try #require(LineReader(path: path, maxLineLength: 9))
        #expect(exact.forEachLine { _ in true } == 3 && exact.tooLongLine == nil)
    }

    /// /dev/zero has no newline and no end: refused at the bound, quickly.
    @Test func hexLinesFromDevZeroAreRefusedAtTheBound() {
        let start = MonotonicClock.now()
        #expect(throws: CaptureError.hexLineTooLong("/dev/zero", 1, limit: LineReader.defaultMaxLineLength)) {
            try CaptureInspector.inspect(hexLines: "/dev/zero", keys: [])
        }
        #expect(MonotonicClock.now() - start < 5)
        let message = CaptureError.hexLineTooLong("/dev/zero", 1, limit: LineReader.defaultMaxLineLength).errorDescription ?? ""
        #expect(message.hasPrefix("/dev/zero line 1 is longer than 1 MiB"))
    }

    /// A FIFO cannot be re-read or sized: the writer's endless line is cut at the bound.
    /// The writer is bounded too (8 MiB), and stops when the reader closes.
    @Test func aFIFOWithoutNewlineIsRefusedAtTheBound() throws {
        let dir = try Self.folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("fifo").path
        #expect(mkfifo(path, 0o600) == 0)
        signal(SIGPIPE, SIG_IGN)
        let writer = Thread {
            let fd = open(path, O_WRONLY)
            guard fd >= 0 else { return }
            let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 64 << 10)
            for _ in 0..<128 where chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
            close(fd)
        }
        writer.start()
        let reader = try #require(LineReader(path: path, maxLineLength: 1 << 20))
        #expect(!reader.rewind(), "a FIFO is read once")
        #expect(reader.forEachLine { _ in true } == 0)
        #expect(reader.tooLongLine == 1)
    }

    @Test func wholeFileReadersStopAtTheirBound() {
        #expect { try TextInput.read(path: "/dev/zero", expecting: "a file") } throws: { error in
            (error as? TextInputError)?.problem == .tooLarge(TextInput.defaultLimit)
                && (error as? TextInputError)?.errorDescription?.contains("larger than 16 MiB") == true
        }
        #expect { try WizardAnswers.load("/dev/zero") } throws: { error in
            (error as? TextInputError)?.problem == .tooLarge(WizardAnswers.sizeLimit)
                && (error as? TextInputError)?.errorDescription?.contains("larger than 1 MiB") == true
        }
    }
}
