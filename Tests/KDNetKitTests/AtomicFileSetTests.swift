import Foundation
import Synchronization
import Testing
@testable import KDNetKit

@Suite struct AtomicFileSetTests {
    let dir: URL
    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-set-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func file(_ name: String, _ text: String) -> AtomicFileSet.File { .init(name: name, contents: Data(text.utf8), mode: 0o600) }
    func read(_ name: String) -> String? { try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8) }
    func names() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() }

    /// The data is flushed once, with every staged file complete and none renamed yet;
    /// the folder is flushed after the last rename.
    @Test func dataIsFlushedOnceBeforeAnyRenameAndTheFolderAfterTheLast() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = Mutex<[String]>([])
        var calls = AtomicFileSet.Calls()
        calls.flushFiles = { fd in
            // What is in place and what is staged at the moment of the flush.
            let placed = (try? FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }) ?? []
            var path = [CChar](repeating: 0, count: Int(PATH_MAX))
            let staged = readlink("/proc/self/fd/\(fd)", &path, path.count) > 0
                ? (try? FileManager.default.contentsOfDirectory(atPath: String(cString: path)).sorted()) ?? [] : []
            log.withLock { $0.append("flush files placed=\(placed) staged=\(staged)") }
            return 0
        }
        calls.rename = { from, to in
            log.withLock { $0.append("rename \(URL(fileURLWithPath: to).lastPathComponent)") }
            return Glibc.rename(from, to)
        }
        calls.flushFolder = { _ in log.withLock { $0.append("flush folder") } }
        try AtomicFileSet.write([file("a", "1"), file("b", "2")], into: dir, removing: [], calls: calls)
        #expect(log.withLock { $0 } == ["flush files placed=[] staged=[\"a\", \"b\"]", "rename a", "rename b", "flush folder"])
        #expect(read("a") == "1" && read("b") == "2")
    }

    @Test func aFailedFlushPlacesNothing() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("old".utf8).write(to: dir.appendingPathComponent("a"))
        var calls = AtomicFileSet.Calls()
        calls.flushFiles = { _ in errno = EIO; return -1 }
        let error = try #require(throws: FileWriteError.self) {
            try AtomicFileSet.write([file("a", "new")], into: dir, removing: ["a"], calls: calls)
        }
        #expect(error.code == EIO)
        #expect(try names() == ["a"] && read("a") == "old")
    }

    /// Removals happen before the last rename (the index), and a failure there undoes
    /// every rename and every removal.
    @Test func aFailingLastRenamePutsBackEveryFileAndEveryRemoval() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        for (n, t) in [("a", "old a"), ("gone.cmd", "key"), ("gone.ps1", "key"), ("index", "old index")] {
            try Data(t.utf8).write(to: dir.appendingPathComponent(n))
        }
        let order = Mutex<[String]>([])
        var calls = AtomicFileSet.Calls()
        calls.rename = { from, to in
            order.withLock { $0.append(URL(fileURLWithPath: from).lastPathComponent) }
            if to == dir.appendingPathComponent("index").path { errno = EIO; return -1 }
            return Glibc.rename(from, to)
        }
        #expect(throws: FileWriteError.self) {
            try AtomicFileSet.write([file("a", "new a"), file("b", "new b"), file("index", "new index")], into: dir,
                                    removing: ["gone.cmd", "gone.ps1", "missing.cmd"], calls: calls)
        }
        #expect(Array(order.withLock { $0 }.prefix(5)) == ["a", "b", "gone.cmd", "gone.ps1", "index"])
        #expect(try names() == ["a", "gone.cmd", "gone.ps1", "index"])
        #expect(read("a") == "old a" && read("gone.cmd") == "key" && read("index") == "old index")
    }

    @Test func removesOnlyPlainFilesAndNeverOneItWrites() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("x".utf8).write(to: dir.appendingPathComponent("stale"))
        try Data("x".utf8).write(to: dir.appendingPathComponent("A"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("folder"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("link").path, withDestinationPath: "stale")
        let removed = try AtomicFileSet.write([file("a", "new")], into: dir, removing: ["stale", "folder", "link", "A", "a", "none"])
        #expect(removed == ["stale"])
        #expect(try names() == ["A", "a", "folder", "link"])
    }
}
