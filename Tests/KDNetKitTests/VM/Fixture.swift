import Foundation

/// Domain XMLs copied from KDNetKitTests/Fixtures/vm/libvirt (as written by hand, as
/// `virsh dumpxml --inactive` printed them after `virsh define`, and while running), plus
/// win11-virtio-secboot.xml, shaped like virt-manager's Windows 11 domain on Debian 12.
enum Fixture {
    /// In KDNetKitTests the same files sit in "Fixtures/vm/libvirt".
    static let directory = "Fixtures/vm/libvirt"

    static func text(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: directory) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: name])
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    static var domainNames: [String] {
        guard let dir = Bundle.module.resourceURL?.appendingPathComponent(directory) else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".xml") && !$0.hasPrefix("network-") }.sorted()
    }
}
