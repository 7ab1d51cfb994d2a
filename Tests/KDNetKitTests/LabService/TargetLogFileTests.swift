import Foundation
import Synchronization
import Testing
@testable import KDNetKit

@Suite struct TargetLogFileTests {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-logs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func names(in url: URL) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }

    @Test func linesAreAppendedWithATimestamp() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = TargetLogFile(directory: dir, name: "lab-01")
        #expect(log.append(["first", "second"], at: Date(timeIntervalSince1970: 0)) == .written)
        #expect(log.append(["third"], at: Date(timeIntervalSince1970: 1)) == .written)
        let text = try String(contentsOf: dir.appendingPathComponent("lab-01.log"), encoding: .utf8)
        #expect(text == "1970-01-01T00:00:00.000Z first\n1970-01-01T00:00:00.000Z second\n1970-01-01T00:00:01.000Z third\n")
    }

    @Test func rotatesBySizeAndKeepsOnlyTheNewestOldFiles() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = TargetLogFile(directory: dir, name: "lab-01", rotation: .init(maxBytes: 200, keep: 2))
        let date = Date(timeIntervalSince1970: 0)
        for i in 0..<40 { _ = log.append([String(format: "line %02d", i)], at: date) }  // 33 bytes each
        log.close()
        #expect(try names(in: dir) == ["lab-01.log", "lab-01.log.1", "lab-01.log.2"])
        for name in try names(in: dir) {
            let size = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(name).path)[.size] as! Int
            #expect(size <= 200)
        }
        let newest = try String(contentsOf: dir.appendingPathComponent("lab-01.log"), encoding: .utf8)
        #expect(newest.hasSuffix("line 39\n"))
        let older = try String(contentsOf: dir.appendingPathComponent("lab-01.log.1"), encoding: .utf8)
        let lastOfOlder = older.split(separator: "\n").last.map { String($0.suffix(2)) }
        let firstOfNewest = newest.split(separator: "\n").first.map { String($0.suffix(2)) }
        #expect(Int(lastOfOlder ?? "") .map { $0 + 1 } == Int(firstOfNewest ?? ""))
    }

    /// A full disk: said once, lines dropped and counted, and writing resumes by itself.
    @Test func aFullDiskIsSaidOnceAndLinesAreDropped() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let full = Mutex(false)
        let log = TargetLogFile(directory: dir, name: "lab-01") { fd, bytes in
            if full.withLock({ $0 }) { errno = ENOSPC; return -1 }
            return Glibc.write(fd, bytes.baseAddress, bytes.count)
        }
        #expect(log.append(["before"]) == .written)
        full.withLock { $0 = true }
        guard case .startedFailing(let why) = log.append(["lost 1"]) else { Issue.record("not said"); return }
        #expect(why.contains("No space left on device") && why.contains("lab-01.log"))
        #expect(log.append(["lost 2", "lost 3"]) == .dropped)
        full.withLock { $0 = false }
        #expect(log.append(["after"]) == .recovered(dropped: 3))
        #expect(log.append(["later"]) == .written)
        let text = try String(contentsOf: dir.appendingPathComponent("lab-01.log"), encoding: .utf8)
        #expect(!text.contains("lost") && text.contains("before") && text.contains("after"))
    }

    @Test(arguments: ["../../etc/passwd", "..", ".", "/abs", "a/b", ".hidden", "x\u{0}y", String(repeating: "n", count: 300)])
    func noNameLeavesTheFolder(_ name: String) {
        let file = TargetLogFile.fileName(for: name)
        #expect(!file.contains("/") && !file.hasPrefix(".") && !file.contains("\u{0}") && file.hasSuffix(".log"))
        #expect(file.utf8.count < 255)
    }

    @Test func plainNamesAreKeptAndCleanedNamesNeverCollide() {
        #expect(TargetLogFile.fileName(for: "lab-07.dc1") == "lab-07.dc1.log")
        #expect(TargetLogFile.fileName(for: "a/b") != TargetLogFile.fileName(for: "a_b"))
        #expect(TargetLogFile.fileName(for: "a/b") != TargetLogFile.fileName(for: "a:b"))
    }
}

@Suite struct LabConfigTests {
    static let key = ListenerConfigTests.key
    static let other = ListenerConfigTests.other

    func config(_ entries: [String]) -> Data {
        Data("{\"version\": 1, \"targets\": [\(entries.joined(separator: ","))]}".utf8)
    }

    @Test func aBadEntryIsRefusedAndTheRestRun() throws {
        let data = config([
            #"{"name": "good-1", "port": 50001, "key": "\#(Self.key)"}"#,
            #"{"name": "bad-port", "port": 80, "key": "\#(Self.key)"}"#,
            #"{"name": "GOOD-1", "port": 50003, "key": "\#(Self.key)"}"#,
            #"{"name": "good-2", "port": 50001, "key": "\#(Self.other)"}"#,
            #"{"name": "good-3", "port": 50004, "key": "\#(Self.other)", "address": "192.0.2.4"}"#,
        ])
        let lenient = try ListenerConfig.parseLenient(data, source: "listener.json")
        #expect(lenient.config.targets.map(\.name) == ["good-1", "good-3"])
        #expect(lenient.refused.map { $0.errorDescription ?? "" } == [
            "listener.json: target 'bad-port': port 80 is outside 49152-65535; pick one from 50000-50039",
            "listener.json: targets[2]: its name 'GOOD-1' is also used by targets[0]; names must be unique (ignoring case)",
            "listener.json: target 'good-2': port 50001 is also used by target 'good-1'; each target needs its own port",
        ])
        // The strict reader refuses the file with the first of the same messages.
        #expect(throws: lenient.refused[0]) { try ListenerConfig.parse(data, source: "listener.json") }
    }

    @Test func theFileAsAWholeMustStillRead() {
        #expect(throws: ListenerConfigError.self) { try ListenerConfig.parseLenient(Data("{\"version\": 1, \"targets\": [".utf8), source: "l") }
        #expect(throws: ListenerConfigError.self) { try ListenerConfig.parseLenient(Data("{\"version\": 2, \"targets\": []}".utf8), source: "l") }
    }

    @Test func theReloadDiffKeepsRekeysMovesAddsAndRemoves() {
        typealias T = ListenerConfig.Target
        let old = [T(name: "same", port: 50001, key: Self.key), T(name: "rekey", port: 50002, key: Self.key),
                   T(name: "readdress", port: 50003, key: Self.key), T(name: "move", port: 50004, key: Self.key),
                   T(name: "gone", port: 50005, key: Self.key)]
        let new = [T(name: "same", port: 50001, key: Self.key), T(name: "rekey", port: 50002, key: Self.other),
                   T(name: "readdress", port: 50003, key: Self.key, address: "192.0.2.3"), T(name: "move", port: 50006, key: Self.key),
                   T(name: "new", port: 50005, key: Self.key)]
        let diff = LabConfigDiff(old: old, new: new)
        #expect(diff.kept == ["same"] && diff.rekeyed == ["rekey", "readdress"] && diff.moved == ["move"])
        #expect(diff.added == ["new"] && diff.removed == ["gone"])
        #expect(!diff.isEmpty && LabConfigDiff(old: old, new: old).isEmpty)
    }
}

@Suite struct ListenerConfigAddingTests {
    @Test func aTargetIsAppendedAtomicallyAndDuplicatesAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-add-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("listener.json")
        try ListenerConfig(hostIp: "192.0.2.1", targets: [.init(name: "lab-01", port: 50001, key: ListenerConfigTests.key)]).write(to: url)
        let grown = try ListenerConfig.add(target: .init(name: "lab-02", port: 50002, key: ListenerConfigTests.other), toFileAt: url)
        #expect(grown.targets.map(\.name) == ["lab-01", "lab-02"])
        #expect(try ListenerConfig.load(from: url) == grown)
        let before = try Data(contentsOf: url)
        #expect(throws: ListenerConfigError.invalid(url.path, entry: "targets[2]", problem: "its name 'LAB-01' is also used by targets[0]; names must be unique (ignoring case)")) {
            try ListenerConfig.add(target: .init(name: "LAB-01", port: 50003, key: ListenerConfigTests.key), toFileAt: url)
        }
        #expect(throws: ListenerConfigError.invalid(url.path, entry: "target 'lab-03'", problem: "port 50002 is also used by target 'lab-02'; each target needs its own port")) {
            try ListenerConfig.add(target: .init(name: "lab-03", port: 50002, key: ListenerConfigTests.key), toFileAt: url)
        }
        #expect(try Data(contentsOf: url) == before)
    }
}
