import Foundation
import Testing
@testable import KDNetKit

/// A Proxmox config is read as every text input is: a file that is not text is named
/// with its fix (the iconv line), never decoded into U+FFFD.
@Suite struct VMCatalogTests {
    func catalog(_ bytes: [UInt8]) throws -> (VMCatalog, String, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kdnet-pve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("100.conf").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return (VMCatalog.load(VMSources(connect: nil, proxmox: path, useLibvirt: false)), path, dir)
    }

    @Test func aConfigThatIsNotTextIsABadFileWithItsFix() throws {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<4096).map { _ in UInt8.random(in: 0x80...0xFF, using: &generator) }
        let utf16 = "name: win\nnet0: e1000e=BC:24:11:2E:3F:4B,bridge=vmbr1\n".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        for (bytes, expected) in [(random, "iconv -f latin1"), ([UInt8](repeating: 0, count: 512), "is not a text file"), (utf16, "iconv -f utf-16le")] {
            let (catalog, path, dir) = try catalog(bytes)
            defer { try? FileManager.default.removeItem(at: dir) }
            #expect(catalog.vms.isEmpty)
            let bad = try #require(catalog.badFiles[path])
            #expect(bad.contains(expected) && bad.hasPrefix(path), "\(bad)")
            #expect(!bad.contains("\u{FFFD}"))
        }
    }
}
