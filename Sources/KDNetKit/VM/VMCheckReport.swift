/// What `kdnetctl vm check` found: the VM, the Windows it was judged for, each NIC's verdict,
/// the NIC and host address to use, and the checks.
public struct VMCheckReport: Sendable, Encodable {
    public struct VMSummary: Sendable, Encodable, Hashable {
        public var name: String
        public var source: VMSource
        public var state: VMState
        public var machine: String?
        public var osHint: String?

        public init(_ vm: VirtualMachine) {
            name = vm.name
            source = vm.source
            state = vm.state
            machine = vm.machine
            osHint = vm.osHint
        }
    }

    public struct Windows: Sendable, Encodable {
        public var release: String
        public var build: Int
        /// "flag", "os_hint" or "default": where the release came from.
        public var from: String
    }

    public struct NIC: Sendable, Encodable {
        public var mac: String?
        public var model: String?
        public var vendorId: String?
        public var deviceId: String?
        public var pciAddress: String?
        public var busparams: String?
        public var mode: NetworkMode
        public var network: String?
        public var bridge: String?
        public var virtio: VirtioTransport?
        public var supported: Bool?
        public var basis: NICVerdict.Basis?
        public var reportedBy: String?
        public var reason: String
        public var advice: String?
    }

    public struct HostIP: Sendable, Encodable, Hashable {
        public var address: String
        /// The host interface the target's datagrams arrive on; nil when unknown.
        public var interface: String?
        public var why: String
    }

    public struct Check: Sendable, Encodable, Hashable {
        /// Stable ids: nic-model, hyperv-vendor-id, hv-syndbg, secure-boot, host-reachable, dhcp, firewall, power-cycle.
        public var id: String
        public var verdict: CheckVerdict
        public var cause: String
        public var fix: String?
        /// The public report the verdict rests on, when it rests on one.
        public var source: String?
        public var details: [String]

        public init(id: String, verdict: CheckVerdict, cause: String, fix: String? = nil, source: String? = nil, details: [String] = []) {
            self.id = id; self.verdict = verdict; self.cause = cause; self.fix = fix; self.source = source; self.details = details
        }
    }

    public var vm: VMSummary
    public var windows: Windows
    public var nics: [NIC]
    /// The MAC of the NIC to debug over; nil when none qualifies.
    public var recommendedNic: String?
    /// The `busparams` line for the recommended NIC; nil when none is needed or known.
    public var bcdedit: String?
    public var hostIp: HostIP?
    public var port: Int
    public var checks: [Check]

    public var failed: Bool { checks.contains { $0.verdict == .fail } }

    public func check(_ id: String) -> Check? { checks.first { $0.id == id } }
}
