import Foundation

/// Microsoft's supported-NIC lists, one flag per release page per vendor:device pair.
/// Built from Resources/nic-support.json (see regenerate-nic-data.py for its origin).
public struct NICSupportTable: Sendable {
    public struct Entry: Sendable, Codable, Equatable {
        /// One character per column, "1" where that page lists the pair.
        public let listed: String
        /// The XML list's `build` attribute ("added in build N"); nil for pairs only the
        /// older prose lists name.
        public let xmlBuild: Int?
    }

    public let origin: String
    public let columns: [String]
    public let vendors: [String: String]
    public let nics: [String: Entry]

    /// The table built into KDNetKit.
    public static func builtIn() throws -> NICSupportTable {
        try BundledData.decode(NICSupportTable.self, from: "nic-support.json")
    }

    /// Whether the page for `release` lists the pair.
    public func lists(_ identity: PCIIdentity, on release: WindowsRelease) -> Bool {
        guard let entry = nics[identity.tableKey], let i = columns.firstIndex(of: release.column) else { return false }
        return entry.listed[entry.listed.index(entry.listed.startIndex, offsetBy: i)] == "1"
    }

    /// Every release whose page lists the pair, oldest first.
    public func releases(listing identity: PCIIdentity) -> [WindowsRelease] {
        WindowsRelease.all.filter { lists(identity, on: $0) }
    }

    public func vendorName(_ vendorID: UInt16) -> String? {
        vendors[PCIIdentity.hex4(vendorID).uppercased()]
    }

    /// Every vendor:device pair the lists name (tests compare this with the CSV).
    public var pairs: [String] { nics.keys.sorted() }
}

extension NICSupportTable: Codable {}
