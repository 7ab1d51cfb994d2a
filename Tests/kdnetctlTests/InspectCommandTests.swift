import Foundation
import Testing

/// `kdnetctl inspect` run as a user would, against the real captures.
@Suite struct InspectCommandTests {
    static let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("KDNetKitTests/Fixtures/vectors")
    let windbg = vectors.appendingPathComponent("windbg-8.8.8.8-v4.pcapng").path
    let libkdnet = vectors.appendingPathComponent("libkdnet-1.1.1.1-v2.txt").path

    @Test func jsonIsOneDocumentWithEveryRecordAndTheSummary() throws {
        let (r, doc) = try KdnetctlBinary.json(["inspect", windbg, "--key", "8.8.8.8"])
        #expect(r.status == 0)
        let summary = try #require(doc["summary"] as? [String: Any])
        let records = try #require(doc["records"] as? [[String: Any]])
        #expect(records.count == 955 && summary["datagrams"] as? Int == 955)
        #expect(summary["authenticated"] as? Int == 955 && summary["failed_authentication"] as? Int == 0)
        #expect(summary["no_handshake"] as? Int == 0 && summary["not_kdnet"] as? Int == 0)
        let sessions = try #require(summary["sessions"] as? [[String: Any]])
        #expect(sessions.count == 1)
        #expect(sessions.first?["target"] as? String == "192.168.2.72" && sessions.first?["port"] as? Int == 51111)
        #expect(sessions.first?["build"] as? Int == 10586 && sessions.first?["machine"] as? String == "x64")
        #expect(sessions.first?["protocol_version"] as? Int == 4 && sessions.first?["data_key"] is NSNull)
        #expect(records.map { $0["index"] as? Int } == Array(0..<955))
        let reply = records[11]
        #expect(reply["kind"] as? String == "STATE_MANIPULATE" && reply["api"] as? String == "DbgKdGetVersionApi")
        #expect((reply["version"] as? [String: Any])?["build"] as? Int == 10586)
        #expect(records[3]["text"] as? String == "BD: Boot Debugger Initialized\n")
        #expect(records[0]["kind"] as? String == "poke" && records[0]["channel"] as? String == "control")
        #expect(records[0]["source"] as? String == "192.168.2.72:51111" && records[0]["direction"] as? String == "target_to_host")
    }

    @Test func aWrongKeyExitsOneAndSaysSo() throws {
        let r = try KdnetctlBinary.run(["inspect", windbg, "--key", "8.8.8.9"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("failed authentication 955") && r.stdout.contains("the key is wrong"))
    }

    @Test func hexLinesAndVerboseLines() throws {
        let r = try KdnetctlBinary.run(["inspect", libkdnet, "--hex-lines", "--key", "1.1.1.1", "-v", "--show-data-keys"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Windows build 9600 x64"))
        #expect(r.stdout.contains("6d41dd0561a9f887afd8e82b2527e19ff800011075ff2ee6904553abbec778f2"))
        let lines = r.stdout.split(separator: "\n").filter { $0.hasPrefix("#") && !$0.hasPrefix("#1 target") }
        #expect(lines.count == 17)
        #expect(lines.contains { $0.contains("get_version_api_resp") && $0.contains("build 9600") })
    }

    /// Hostile-input trial #17b: `--hex-lines` read the whole file into memory first
    /// (107 MB for 200k lines). 32 MB of lines must not cost 32 MB.
    @Test func hexLinesAreStreamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hexlines-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let small = folder.appendingPathComponent("small.txt"), big = folder.appendingPathComponent("big.txt")
        let line = "noise " + String(repeating: "00", count: 4000) + "\n"
        try Data(line.utf8).write(to: small)
        try Data().write(to: big)
        let handle = try FileHandle(forWritingTo: big)
        let block = Data(String(repeating: line, count: 100).utf8)
        for _ in 0..<40 { handle.write(block) }
        try handle.close()
        let baseline = try KdnetctlBinary.peakRSS(["inspect", small.path, "--hex-lines", "--key", "1.1.1.1"])
        let streamed = try KdnetctlBinary.peakRSS(["inspect", big.path, "--hex-lines", "--key", "1.1.1.1"])
        #expect(baseline.status == 0 && streamed.status == 0)
        #expect(baseline.kib > 0 && streamed.kib - baseline.kib < 8 * 1024, "peak \(streamed.kib) KiB for 32 MB of lines, \(baseline.kib) KiB for one")
    }

    /// A bad line is found before any record is printed, so --json stays one document.
    @Test func aBadHexLineStopsBeforeAnyOutput() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hexlines-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: file) }
        let good = try String(contentsOfFile: libkdnet, encoding: .utf8)
        try Data((String(repeating: good, count: 300) + "broken line\n").utf8).write(to: file)
        let (r, doc) = try KdnetctlBinary.json(["inspect", file.path, "--hex-lines", "--key", "1.1.1.1"])
        #expect(r.status == 1 && doc.count == 1 && (doc["error"] as? String)?.contains("line \(300 * 17 + 1)") == true, "\(r.stdout.prefix(300))")
    }

    @Test func badInputIsOneLineAndTheRightExitCode() throws {
        let missing = try KdnetctlBinary.run(["inspect", "/nonexistent/x.pcap", "--key", "1.1.1.1"])
        #expect(missing.status == 1 && missing.stderr.contains("/nonexistent/x.pcap") && missing.stderr.split(separator: "\n").count == 1)
        let notCapture = try KdnetctlBinary.run(["inspect", libkdnet, "--key", "1.1.1.1"])
        #expect(notCapture.status == 1 && notCapture.stderr.contains("not a pcap or pcapng"))
        let (jsonMissing, doc) = try KdnetctlBinary.json(["inspect", "/nonexistent/x.pcap", "--key", "1.1.1.1"])
        #expect(jsonMissing.status == 1 && (doc["error"] as? String)?.contains("/nonexistent/x.pcap") == true && doc.count == 1)
        let noKey = try KdnetctlBinary.run(["inspect", windbg])
        #expect(noKey.status == 64 && noKey.stderr.contains("--key"))
        let badKey = try KdnetctlBinary.run(["inspect", windbg, "--key", "1.2.3"])
        #expect(badKey.status == 64)
        let both = try KdnetctlBinary.run(["inspect", windbg, "--key", "1.1.1.1", "--live", "lo"])
        #expect(both.status == 64)
    }
}

extension InspectCommandTests {
    /// Absent facts are null, as in every other command's JSON; inspect once left them out.
    @Test func jsonWritesAbsentFactsAsNull() throws {
        let (r, doc) = try KdnetctlBinary.json(["inspect", windbg, "--key", "8.8.8.8"])
        #expect(r.status == 0)
        let records = try #require(doc["records"] as? [[String: Any]])
        let poke = records[0]
        #expect(poke["kind"] as? String == "poke")
        for key in ["api", "version", "problem", "text", "packet_id"] { #expect(poke[key] is NSNull, "\(key)") }
        #expect((poke["events"] as? [Any])?.isEmpty == true)
        #expect(records.allSatisfy { Set($0.keys) == Set(poke.keys) }, "every record has every key")
    }
}
