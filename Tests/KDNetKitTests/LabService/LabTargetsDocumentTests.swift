import Foundation
import Testing
@testable import KDNetKit

/// The fleet document is written directly (it is served on every request and event):
/// it must be what the project's generic JSON style writes, byte for byte.
@Suite struct LabTargetsDocumentTests {
    static var awkward: LabTargetStatus {
        let controls = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) }))
        return LabTargetStatus(name: "a/b \"q\" \\ back", port: 65535, state: .lost, address: "fe80::1%eth0", mac: nil,
                               build: UInt32.max, machine: "arm64", kernelBase: "0xfffff80712400000",
                               since: Date(timeIntervalSince1970: -0.5), lastSeen: Date(timeIntervalSince1970: 4_102_444_799.999),
                               reboots: Int.max, recentOutput: ["", controls + "\u{7F}", "ünïcødé ✓ 🐞 \u{2028}", "</script>&'"])
    }

    @Test(arguments: [
        LabFleetFixture.targets,
        [],
        [awkward],
        LabFleetFixture.targets + [awkward, LabTargetStatus(name: "", port: 0, since: LabFleetFixture.started)],
    ])
    func theDirectWriterWritesWhatTheGenericEncoderWrites(_ targets: [LabTargetStatus]) throws {
        let doc = LabTargetsDocument(LabServiceSnapshot(targets: targets, startedAt: LabFleetFixture.started, configPath: "x", generation: 42))
        let generic = try JSONOutput.string(doc)
        #expect(doc.json() == generic)
        #expect(doc.jsonBytes() == Array(generic.utf8))
    }

    @Test(arguments: [0.0, -0.5, -86_400.25, 59.999, 1_800_000_000, 1_800_000_000.75, 951_782_400 /* 2000-02-29 */,
                      2_147_483_648 /* past 2038 */, 4_102_444_799.999 /* 2099-12-31T23:59:59 */])
    func timestampsAreTheFormatStylesInUTC(_ seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(LabTargetsDocument.timestamp(date) == date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)))
    }
}
