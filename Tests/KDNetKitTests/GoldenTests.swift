import Foundation
import KDNetTestSupport
import Testing

/// The golden helper itself: a recording run must fail, and a mismatch must say where.
@Suite struct GoldenTests {
    func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("golden-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func recordingWritesTheFileAndFails() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: Golden.Failure.recorded("a.txt")) { try Golden.check("one\ntwo\n", against: "a.txt", in: dir, recording: true) }
        #expect(try String(contentsOf: dir.appendingPathComponent("a.txt"), encoding: .utf8) == "one\ntwo\n")
        // What was recorded then passes when compared.
        #expect(throws: Never.self) { try Golden.check("one\ntwo\n", against: "a.txt", in: dir, recording: false) }
    }

    @Test func aDifferenceNamesTheFirstLineThatDiffers() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("one\ntwo\n".utf8).write(to: dir.appendingPathComponent("a.txt"))
        #expect(throws: Golden.Failure.differs("a.txt", line: 2, expected: "two", actual: "too")) {
            try Golden.check("one\ntoo\n", against: "a.txt", in: dir, recording: false)
        }
        #expect(throws: Golden.Failure.missing("b.txt")) { try Golden.check("x", against: "b.txt", in: dir, recording: false) }
    }

    @Test func theCommittedGoldensAreFound() throws {
        #expect(try Golden.cases().count >= 4)
        #expect(FileManager.default.fileExists(atPath: Golden.folder.appendingPathComponent("ipv6-target.cmd").path))
    }
}
