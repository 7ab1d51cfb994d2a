import Foundation
import Testing
@testable import KDNetKit

@Suite struct LineDiffTests {
    static func lines(_ range: ClosedRange<Int>) -> String {
        range.map { "line \($0)\n" }.joined()
    }

    /// Pairs whose shortest edit script is unique up to GNU's sliding, so diff -u's output
    /// is the one right answer.
    static let pairs: [(name: String, old: String, new: String)] = {
        let twenty = lines(1...20)
        return [
            ("empty to text", "", "a\nb\n"),
            ("text to empty", "a\nb\n", ""),
            ("identical", twenty, twenty),
            ("insert at start", twenty, "new\n" + twenty),
            ("insert at end", twenty, twenty + "new\n"),
            ("delete first", twenty, lines(2...20)),
            ("replace middle", twenty, twenty.replacingOccurrences(of: "line 10\n", with: "ten\n")),
            ("two hunks", twenty, twenty.replacingOccurrences(of: "line 2\n", with: "two\n").replacingOccurrences(of: "line 18\n", with: "eighteen\n")),
            // Six unchanged lines between changes join one hunk; seven split it (context 3).
            ("gap of six", twenty, twenty.replacingOccurrences(of: "line 5\n", with: "five\n").replacingOccurrences(of: "line 12\n", with: "twelve\n")),
            ("gap of seven", twenty, twenty.replacingOccurrences(of: "line 5\n", with: "five\n").replacingOccurrences(of: "line 13\n", with: "thirteen\n")),
            ("no newline at end, old", "a\nb", "a\nb\n"),
            ("no newline at end, both", "a\nb", "a\nc"),
            ("one line each", "x\n", "y\n"),
            ("repeated closing tags", "<a>\n  <i/>\n</a>\n<b/>\n", "<a>\n  <i/>\n</a>\n<a>\n  <j/>\n</a>\n<b/>\n"),
        ]
    }()

    @Test func formatsAsDiffU() {
        let old = Self.lines(1...8)
        let new = old.replacingOccurrences(of: "line 4\n", with: "four\n")
        #expect(LineDiff.unified(old: old, new: new, oldName: "a/x", newName: "b/x") == """
            --- a/x
            +++ b/x
            @@ -1,7 +1,7 @@
             line 1
             line 2
             line 3
            -line 4
            +four
             line 5
             line 6
             line 7

            """)
    }

    @Test func emptyAndOneLineRanges() {
        #expect(LineDiff.unified(old: "", new: "a\nb\n", oldName: "o", newName: "n") == "--- o\n+++ n\n@@ -0,0 +1,2 @@\n+a\n+b\n")
        #expect(LineDiff.unified(old: "a\n", new: "", oldName: "o", newName: "n") == "--- o\n+++ n\n@@ -1 +0,0 @@\n-a\n")
        #expect(LineDiff.unified(old: "a\nb", new: "a\nb\n", oldName: "o", newName: "n") == "--- o\n+++ n\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n")
        #expect(LineDiff.unified(old: "same\n", new: "same\n", oldName: "o", newName: "n") == "")
        #expect(LineDiff.unified(old: "", new: "", oldName: "o", newName: "n") == "")
    }

    @Test func contextZeroAndOne() {
        let old = Self.lines(1...10)
        let new = old.replacingOccurrences(of: "line 3\n", with: "").replacingOccurrences(of: "line 8\n", with: "line 8\nextra\n")
        #expect(LineDiff.unified(old: old, new: new, oldName: "o", newName: "n", context: 0) == "--- o\n+++ n\n@@ -3 +2,0 @@\n-line 3\n@@ -8,0 +8 @@\n+extra\n")
        #expect(LineDiff.unified(old: old, new: new, oldName: "o", newName: "n", context: 1) == "--- o\n+++ n\n@@ -2,3 +2,2 @@\n line 2\n-line 3\n line 4\n@@ -8,2 +7,3 @@\n line 8\n+extra\n line 9\n")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/diff")))
    func matchesGNUDiff() throws {
        for pair in Self.pairs {
            for context in [0, 1, 3] {
                let expected = try Self.gnuDiff(pair.old, pair.new, context: context)
                #expect(LineDiff.unified(old: pair.old, new: pair.new, oldName: "old", newName: "new", context: context) == expected,
                        "\(pair.name), context \(context)")
            }
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/diff")))
    func matchesGNUDiffOnDomainEdits() throws {
        let changes: [VMFixChange] = [
            .nicModel(mac: "52:54:00:4e:2a:10", to: "e1000e"), .addDebugNIC(network: "kdnet", model: "e1000e"),
            .hypervVendorID(value: "KVMKVMKVM"), .disableSecureBoot,
        ]
        let xml = try Fixture.text("win11-virtio-secboot.xml")
        for n in 1...changes.count {
            let new = try LibvirtDomainEdit.apply(Array(changes.prefix(n)), to: xml).xml
            #expect(LineDiff.unified(old: xml, new: new, oldName: "old", newName: "new") == (try Self.gnuDiff(xml, new, context: 3)), "first \(n) changes")
        }
    }

    static func gnuDiff(_ old: String, _ new: String, context: Int) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("linediff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        try Data(old.utf8).write(to: a)
        try Data(new.utf8).write(to: b)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/diff")
        p.arguments = ["-U", "\(context)", "--label", "old", "--label", "new", a.path, b.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
