import Foundation
import Testing
@testable import KDNetKit

/// An installed binary (the Debian package's /usr/bin/kdnetctl) reads its data from
/// PREFIX/share/kdnetctl; a built one (no such directory) from the build tree.
@Suite struct BundledDataTests {
    @Test func anInstalledBinaryFindsShareBesideBin() throws {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("kdnetctl-prefix-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: prefix) }
        try FileManager.default.createDirectory(at: prefix.appendingPathComponent("bin"), withIntermediateDirectories: true)
        let executable = prefix.appendingPathComponent("bin/kdnetctl")
        #expect(BundledData.installedDirectory(executable: executable) == nil)

        try FileManager.default.createDirectory(at: prefix.appendingPathComponent("share/kdnetctl"), withIntermediateDirectories: true)
        let found = try #require(BundledData.installedDirectory(executable: executable))
        #expect(found.standardizedFileURL.path == prefix.appendingPathComponent("share/kdnetctl").standardizedFileURL.path)
    }

    @Test func aBuiltBinaryReadsTheBuildTree() throws {
        let dir = try #require(BundledData.resourceDirectory)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("nic-support.json").path))
    }
}
