/// What `kdnetctl vm check` found: the VM, the Windows it was judged for, each NIC's verdict,
/// the NIC and host address to use, and the checks. Every key is always present (null when
/// absent), so the JSON shape never changes.
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

        enum CodingKeys: String, CodingKey { case name, source, state, machine, osHint }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(source, forKey: .source)
            try c.encode(state, forKey: .state)
            try c.encode(machine, forKey: .machine)
            try c.encode(osHint, forKey: .osHint)
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

        enum CodingKeys: String, CodingKey {
            case mac, model, vendorId, deviceId, pciAddress, busparams, mode, network, bridge, virtio
            case supported, basis, reportedBy, reason, advice
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(mac, forKey: .mac)
            try c.encode(model, forKey: .model)
            try c.encode(vendorId, forKey: .vendorId)
            try c.encode(deviceId, forKey: .deviceId)
            try c.encode(pciAddress, forKey: .pciAddress)
            try c.encode(busparams, forKey: .busparams)
            try c.encode(mode, forKey: .mode)
            try c.encode(network, forKey: .network)
            try c.encode(bridge, forKey: .bridge)
            try c.encode(virtio, forKey: .virtio)
            try c.encode(supported, forKey: .supported)
            try c.encode(basis, forKey: .basis)
            try c.encode(reportedBy, forKey: .reportedBy)
            try c.encode(reason, forKey: .reason)
            try c.encode(advice, forKey: .advice)
        }
    }

    public struct HostIP: Sendable, Encodable, Hashable {
        public var address: String
        /// The host interface the target's datagrams arrive on; nil when unknown.
        public var interface: String?
        public var why: String

        enum CodingKeys: String, CodingKey { case address, interface, why }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(address, forKey: .address)
            try c.encode(interface, forKey: .interface)
            try c.encode(why, forKey: .why)
        }
    }

    public struct Check: Sendable, Encodable, Hashable {
        /// Stable ids: nic-model, hyperv-vendor-id, secure-boot, host-reachable, dhcp, firewall, power-cycle.
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

        enum CodingKeys: String, CodingKey { case id, verdict, cause, fix, source, details }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(verdict, forKey: .verdict)
            try c.encode(cause, forKey: .cause)
            try c.encode(fix, forKey: .fix)
            try c.encode(source, forKey: .source)
            try c.encode(details, forKey: .details)
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

    enum CodingKeys: String, CodingKey { case vm, windows, nics, recommendedNic, bcdedit, hostIp, port, checks }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vm, forKey: .vm)
        try c.encode(windows, forKey: .windows)
        try c.encode(nics, forKey: .nics)
        try c.encode(recommendedNic, forKey: .recommendedNic)
        try c.encode(bcdedit, forKey: .bcdedit)
        try c.encode(hostIp, forKey: .hostIp)
        try c.encode(port, forKey: .port)
        try c.encode(checks, forKey: .checks)
    }
}
