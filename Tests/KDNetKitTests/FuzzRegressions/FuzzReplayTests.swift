import Foundation
import KDNetTestSupport
import Testing

/// Replays the committed fuzz inputs (past crashes and conversations that must keep
/// working) through the kdnetctl-fuzz replayer built next to the tests.
@Suite struct FuzzReplayTests {
    static var corpus: URL { FixtureFiles.root.appendingPathComponent("fuzz-regressions") }

    static var replayer: URL { get throws { try BuiltProduct.url("kdnetctl-fuzz") } }

    static var harnesses: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []).sorted()
    }

    /// Runs the replayer over every input of one harness; returns the exit status and the
    /// one line it prints per input.
    static func replay(_ harness: String) throws -> (status: Int32, lines: [String], inputs: [String]) {
        let folder = corpus.appendingPathComponent(harness)
        let inputs = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let process = Process()
        process.executableURL = try replayer
        process.arguments = inputs.map { folder.appendingPathComponent($0).path }
        process.environment = ["KDNET_FUZZ_TARGET": harness]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init), inputs)
    }

    @Test func thereIsACorpus() throws {
        _ = try Self.replayer
        #expect(Self.harnesses.contains("session"))
    }

    @Test(arguments: harnesses) func everyInputReplaysWithoutCrashing(harness: String) throws {
        let (status, lines, inputs) = try Self.replay(harness)
        #expect(status == 0)
        #expect(lines.count == inputs.count)
    }

    /// Conversations named `confirms-*` (loss, duplication, reordering, a reboot) must
    /// still end with the target's version read and the target continued.
    @Test func lossyConversationsStillConfirm() throws {
        let (status, lines, inputs) = try Self.replay("session")
        #expect(status == 0)
        let confirming = zip(inputs, lines).filter { $0.0.hasPrefix("confirms-") }
        #expect(!confirming.isEmpty)
        for (input, line) in confirming {
            #expect(line.contains("confirmed=true build=9600"), "\(input): \(line)")
        }
    }
}
