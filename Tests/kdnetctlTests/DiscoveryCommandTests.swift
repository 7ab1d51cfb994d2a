import Foundation
import Testing

@Suite struct DiscoveryCommandTests {
    static let pci = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("KDNetKitTests/Fixtures/pci")

    @Test func nicsJsonHasTheDocumentedShape() throws {
        let (r, d) = try KdnetctlBinary.json(["nics", "--pci-dump", Self.pci.appendingPathComponent("several.lspci").path,
                                              "--pci-ids", Self.pci.appendingPathComponent("pci.ids").path, "--windows", "10 1809"])
        #expect(r.status == 0)
        let windows = try #require(d["windows"] as? [String: Any])
        #expect(windows["release"] as? String == "Windows 10 1809" && windows["build"] as? Int == 17763)
        let nics = try #require(d["nics"] as? [[String: Any]])
        let keys: Set<String> = ["pci_address", "busparams", "vendor_id", "device_id", "subsystem", "vendor_name", "device_name",
                                 "class", "interface", "link", "virtio", "supported", "basis", "reported_by", "min_build", "reason", "advice"]
        #expect(nics.allSatisfy { keys.isSubset(of: Set($0.keys)) })
        #expect(d["recommended"] as? String == "3c:00.0")
        #expect(nics.last?["busparams"] as? String == "60.0.0")
        #expect(nics.last?["basis"] as? String == "published_list")
    }

    @Test func nicsErrorsAreOneLineWithTheRightCode() throws {
        let malformed = try KdnetctlBinary.run(["nics", "--pci-dump", Self.pci.appendingPathComponent("malformed.lspci").path])
        #expect(malformed.status == 1)
        #expect(malformed.stderr.split(separator: "\n").count == 1 && malformed.stderr.contains("lspci -x"))
        let badWindows = try KdnetctlBinary.run(["nics", "--ids", "8086:15b8", "--windows", "Windows 7"])
        #expect(badWindows.status == 64)
        let json = try KdnetctlBinary.run(["nics", "--pci-dump", "/nonexistent", "--json"])
        #expect(json.status == 1 && json.stdout.contains("\"error\""))
    }

    @Test func hostJsonHasTheDocumentedShape() throws {
        let (r, d) = try KdnetctlBinary.json(["host"])
        #expect(r.status == 0)
        #expect(d["interfaces"] is [Any] && d["routes"] is [Any] && d["warnings"] is [Any])
        #expect(d.keys.contains("recommended"))
        let bad = try KdnetctlBinary.run(["host", "--target", "nope"])
        #expect(bad.status == 64)
    }
}
