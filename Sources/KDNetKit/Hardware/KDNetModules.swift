import Foundation

/// The KDNET extensibility modules Windows ships (`kd_<class>_<vendor>.dll`) and the public
/// reports of which devices they drive. Windows loads the module named after the NIC's PCI
/// class and vendor whether or not Microsoft's list names the device, so these facts decide
/// for NICs the list leaves out. Built from Resources/kdnet-modules.json, whose every row
/// carries its source (see Resources/README.md for how to extend it).
public struct KDNetModules: Sendable, Codable {
    public struct Module: Sendable, Codable, Hashable {
        /// `kd_02_1af4.dll`.
        public let file: String
        /// PCI base class in hex ("02" network, "0C" serial bus, "07" communications); nil for
        /// modules named after no PCI class (`kdnet_uart16550.dll`).
        public let `class`: String?
        public let vendor: String?
        public let vendorName: String
        /// The first build a listing shows it in; nil when only undated listings show it.
        public let firstSeenBuild: Int?
        /// The listing, as a person would look it up ("10.0.22621.2506").
        public let seenIn: String
        public let source: String

        /// Only class 02 modules drive NICs; the USB, serial and UART ones never make a NIC verdict.
        public var drivesNICs: Bool { `class` == "02" }
    }

    /// What a public source says about one device under its vendor's module.
    public struct DeviceReport: Sendable, Codable, Hashable {
        public let vendor: String
        public let device: String
        public let virtio: VirtioTransport?
        /// nil: no report either way.
        public let works: Bool?
        public let module: String
        public let finding: String
        /// How a sentence cites the source ("as Cloud Hypervisor documents").
        public let citedAs: String?
        public let reportedBy: String?
    }

    public let origin: String
    public let modules: [Module]
    public let deviceReports: [DeviceReport]

    public static func builtIn() throws -> KDNetModules {
        try BundledData.decode(KDNetModules.self, from: "kdnet-modules.json")
    }

    /// The network-class module Windows would load for this vendor's NICs.
    public func nicModule(vendor: UInt16) -> Module? {
        let hex = PCIIdentity.hex4(vendor).uppercased()
        return modules.first { $0.drivesNICs && $0.vendor == hex }
    }

    /// Every report about this vendor:device pair (one per virtio transport for virtio-net).
    public func reports(for identity: PCIIdentity) -> [DeviceReport] {
        let key = identity.tableKey
        return deviceReports.filter { $0.vendor + ":" + $0.device == key }
    }
}

/// The built-in facts a NIC verdict rests on: Microsoft's lists and the shipped modules.
public struct NICKnowledge: Sendable {
    public let table: NICSupportTable
    public let modules: KDNetModules

    public init(table: NICSupportTable, modules: KDNetModules) {
        self.table = table
        self.modules = modules
    }

    public static func builtIn() throws -> NICKnowledge {
        NICKnowledge(table: try .builtIn(), modules: try .builtIn())
    }
}
