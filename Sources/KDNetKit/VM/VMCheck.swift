import Foundation

/// The facts about this host a VM check judges against; gathered once by the caller so the
/// judging stays pure and testable.
public struct VMHostFacts: Sendable {
    /// libvirt's networks (empty for QEMU and Proxmox VMs) and which of them run.
    public var networks: [LibvirtNetwork]
    public var activeNetworks: Set<String>
    public var host: HostNetworkSnapshot?
    public var ruleset: Result<NftRuleset, FirewallError>?

    public init(networks: [LibvirtNetwork] = [], activeNetworks: Set<String> = [], host: HostNetworkSnapshot? = nil,
                ruleset: Result<NftRuleset, FirewallError>? = nil) {
        self.networks = networks
        self.activeNetworks = activeNetworks
        self.host = host
        self.ruleset = ruleset
    }

    /// This host now: libnl's snapshot and the nftables ruleset.
    public static func live(networks: [LibvirtNetwork] = [], activeNetworks: Set<String> = []) -> VMHostFacts {
        let ruleset: Result<NftRuleset, FirewallError>
        do { ruleset = .success(try NftablesReader.liveRuleset()) } catch { ruleset = .failure(error) }
        return VMHostFacts(networks: networks, activeNetworks: activeNetworks, host: try? HostNetwork.snapshot(), ruleset: ruleset)
    }
}

/// `kdnetctl vm check`: every VM trap, judged once against the one VM model whichever of
/// libvirt, QEMU or Proxmox described the VM. NIC verdicts come from `NICVerdict`, as for
/// `nics`, the wizard and the doctor.
public enum VMCheck {
    public static let ids = ["nic-model", "hyperv-vendor-id", "hv-syndbg", "secure-boot", "host-reachable", "dhcp", "firewall", "power-cycle"]
    public static let defaultPort = 50000

    /// `windows` overrides the VM's OS hint; without either the newest release judges.
    public static func run(_ vm: VirtualMachine, windows: String?, port: Int = defaultPort, facts: VMHostFacts,
                           knowledge: NICKnowledge, pitfalls: VMPitfalls) throws -> VMCheckReport {
        let (target, from): (WindowsTarget, String)
        if let windows {
            (target, from) = (try WindowsTarget(parsing: windows), "flag")
        } else if let hint = vm.windowsHint, let t = try? WindowsTarget(parsing: hint) {
            (target, from) = (t, "os_hint")
        } else {
            (target, from) = (.newest, "default")
        }

        let judged = vm.nics.map { nic -> (VMNIC, NICEntry?) in
            guard let f = function(of: nic) else { return (nic, nil) }
            return (nic, NICEntry(f, verdict: NICVerdict.judge(f, on: target, knowledge: knowledge), table: knowledge.table))
        }
        let entries = judged.compactMap(\.1)
        let pick = NICSurvey.pick(entries)
        let chosen = judged.first { pick.entry != nil && $0.1 == pick.entry }?.0
            ?? judged.first { $0.1?.isSupported == true }?.0
        let nics = judged.map { nic, entry in report(nic, entry) }

        let reachable = hostReachable(vm, nic: chosen ?? vm.nics.first, facts: facts, pitfalls: pitfalls)
        let checks = [
            nicModel(vm, judged: judged, chosen: chosen, target: target, pick: pick.why),
            hypervVendorID(vm, pitfalls: pitfalls),
            syntheticDebugger(vm, facts: facts, pitfalls: pitfalls),
            secureBoot(vm),
            reachable.check,
            dhcp(vm, nic: chosen ?? vm.nics.first, facts: facts, pitfalls: pitfalls),
            firewall(nic: chosen ?? vm.nics.first, hostIP: reachable.hostIP, port: port, facts: facts),
            powerCycle(vm, pitfalls: pitfalls),
        ]
        let chosenEntry = chosen.flatMap { c in judged.first { $0.0 == c }?.1 }
        let supportedCount = entries.filter(\.isSupported).count
        return VMCheckReport(
            vm: .init(vm), windows: .init(release: target.release, build: target.build, from: from),
            nics: nics, recommendedNic: chosen?.mac,
            bcdedit: supportedCount > 1 ? chosenEntry?.busparams.map { "bcdedit /set {dbgsettings} busparams \($0)" } : nil,
            hostIp: reachable.hostIP, port: port, checks: checks)
    }

    /// `vm check` of a VM on this host: the facts read now, the built-in NIC and pitfall data.
    public static func live(_ vm: VirtualMachine, in catalog: VMCatalog, windows: String?, port: Int = defaultPort) throws -> VMCheckReport {
        try run(vm, windows: windows, port: port, facts: .live(networks: catalog.networks, activeNetworks: catalog.activeNetworks),
                knowledge: try .builtIn(), pitfalls: try .builtIn())
    }

    /// The PCI function the guest sees for a NIC; a virtio NIC whose transport is unknown is
    /// judged as 1af4:1000 without one, which says "not known".
    static func function(of nic: VMNIC) -> PCIFunction? {
        let identity = nic.pciIdentity ?? (nic.isVirtio ? PCIIdentity(vendorID: 0x1af4, deviceID: 0x1000) : nil)
        guard let identity else { return nil }
        return PCIFunction(address: nic.address, identity: identity, deviceClass: 0x0200, deviceName: nic.model,
                           declaredVirtio: nic.virtioTransport)
    }

    static func report(_ nic: VMNIC, _ entry: NICEntry?) -> VMCheckReport.NIC {
        VMCheckReport.NIC(
            mac: nic.mac, model: nic.model, vendorId: entry?.vendorId, deviceId: entry?.deviceId,
            pciAddress: nic.address?.description, busparams: nic.address?.busparams, mode: nic.mode,
            network: nic.networkName, bridge: nic.bridgeName, virtio: nic.virtioTransport ?? entry?.virtio,
            supported: entry?.supported, basis: entry?.basis, reportedBy: entry?.reportedBy,
            reason: entry?.reason ?? "the model \(nic.model.map { "'\($0)'" } ?? "(none given)") is not one kdnetctl knows the PCI ids of",
            advice: entry?.advice ?? NICVerdict.e1000eAdvice)
    }

    // MARK: - The checks

    static func nicModel(_ vm: VirtualMachine, judged: [(VMNIC, NICEntry?)], chosen: VMNIC?, target: WindowsTarget, pick: String) -> VMCheckReport.Check {
        let id = "nic-model"
        let windows = "\(target.release) (build \(target.build))"
        let details = judged.map { nic, entry in
            "\(nic.mac ?? "?") \(nic.model ?? "?"): \(entry?.verdictWord ?? "not known") — \(entry?.reason ?? "unknown model")"
        }
        let fix = "kdnetctl vm fix \(ShellWord.quoted(vm.name)) (the NIC model becomes e1000e), or `--add-debug-nic NETWORK` for a NIC of its own"
        guard let chosen, let entry = judged.first(where: { $0.0 == chosen })?.1 else {
            if vm.nics.isEmpty {
                return .init(id: id, verdict: .fail, cause: "the VM has no NIC", fix: "kdnetctl vm fix \(ShellWord.quoted(vm.name)) --add-debug-nic default", details: details)
            }
            if judged.contains(where: { $0.1?.supported == nil }) {
                return .init(id: id, verdict: .warn, cause: "no NIC of the VM is known to work on \(windows)", fix: fix, details: details)
            }
            return .init(id: id, verdict: .fail, cause: "no NIC of the VM is supported on \(windows)", fix: fix, details: details)
        }
        var cause = "\(chosen.mac ?? "the NIC") (\(chosen.model ?? "?"), \(entry.vendorId):\(entry.deviceId)) is supported on \(windows)"
        var source: String?
        if entry.basis == .shippedModule {
            cause += " through a KDNET module Windows ships, not Microsoft's list"
            source = entry.reportedBy
        } else {
            cause += " (Microsoft's list)"
        }
        var notes = details
        let supported = judged.filter { $0.1?.isSupported == true }
        if supported.count == 1 {
            notes.append("it is the VM's only supported NIC, so KDNET finds it without busparams")
        } else if let address = chosen.address {
            notes.append("busparams \(address.busparams) (decimal), from the address the hypervisor gives it")
        }
        if let bus = chosen.address?.bus, bus != 0 {
            notes.append("behind a PCIe root port the bus number Windows sees can differ from \(bus): confirm it in Device Manager > the NIC > Location")
        }
        return .init(id: id, verdict: .pass, cause: cause, source: source, details: notes)
    }

    static func hypervVendorID(_ vm: VirtualMachine, pitfalls: VMPitfalls) -> VMCheckReport.Check {
        let id = "hyperv-vendor-id"
        let h = vm.hypervisor
        if h.syntheticDebugger != nil {
            let uses = "the VM uses QEMU's synthetic debugger (hv-syndbg), which needs Windows to see Hyper-V"
            guard let vendor = h.vendorID, vendor != "Microsoft Hv" else {
                return .init(id: id, verdict: .pass, cause: "\(uses): the vendor id is 'Microsoft Hv' (the default), as it must be", source: pitfalls.source("hv-syndbg"))
            }
            let fix: String
            switch vm.source {
            case .libvirt: fix = "remove <vendor_id> from <hyperv> (virsh edit \(ShellWord.quoted(vm.name)))"
            case .qemu: fix = "remove hv-vendor-id=\(vendor) from -cpu"
            case .proxmox: fix = "remove hv-vendor-id from the cpu: line and from the -cpu in args:"
            }
            return .init(id: id, verdict: .fail,
                         cause: "\(uses), and the vendor id is '\(vendor)': Windows sees no Microsoft hypervisor, so KDNET does not take the synthetic debug path",
                         fix: fix, source: pitfalls.source("hv-syndbg"))
        }
        guard h.hypervEnlightenments else {
            return .init(id: id, verdict: .pass, cause: "no Hyper-V enlightenments: Windows does not see a Microsoft hypervisor")
        }
        if let vendor = h.vendorID, vendor != "Microsoft Hv" {
            return .init(id: id, verdict: .pass, cause: "Hyper-V enlightenments with a vendor id of their own ('\(vendor)')")
        }
        let source = pitfalls.source(id)
        let fix: String
        switch vm.source {
        case .libvirt: fix = "kdnetctl vm fix \(ShellWord.quoted(vm.name)) adds <vendor_id state='on' value='KVMKVMKVM'/> to <hyperv>"
        case .qemu: fix = "add hv-vendor-id=KVMKVMKVM to -cpu (kdnetctl vm fix prints the command line)"
        case .proxmox: fix = "add hv-vendor-id=KVMKVMKVM to the VM's cpu: line, or to the -cpu in its args: when it has one, which overrides cpu: (kdnetctl vm fix prints the qm set line)"
        }
        return .init(id: id, verdict: .fail,
                     cause: "Hyper-V enlightenments are on (\(h.flags.prefix(4).joined(separator: ", "))) and no vendor id of their own is set: Windows sees 'Microsoft Hv' and KDNET takes Hyper-V's synthetic debug path, which QEMU has only with -device hv-syndbg",
                     fix: fix, source: source)
    }

    static func secureBoot(_ vm: VirtualMachine) -> VMCheckReport.Check {
        let id = "secure-boot"
        let fix = vm.source == .libvirt
            ? "kdnetctl vm fix \(ShellWord.quoted(vm.name)) turns Secure Boot off in the VM's firmware (suspend BitLocker first), or turn it off in the OVMF setup menu"
            : "turn Secure Boot off in the OVMF setup menu (Device Manager > Secure Boot Configuration); suspend BitLocker first"
        switch (vm.firmware.kind, vm.firmware.secureBoot) {
        case (_, true?):
            return .init(id: id, verdict: .fail,
                         cause: "the VM's firmware has Secure Boot on: `bcdedit /debug on` is refused while it is",
                         fix: fix, details: vm.firmware.loaderPath.map { ["loader: \($0)"] } ?? [])
        case (.uefi, nil):
            return .init(id: id, verdict: .warn,
                         cause: "UEFI firmware that can do Secure Boot; whether its keys are enrolled is not known from the definition",
                         fix: "in Windows, `Confirm-SecureBootUEFI` says; if True, \(fix)")
        case (.bios, _):
            return .init(id: id, verdict: .pass, cause: "BIOS firmware: no Secure Boot")
        default:
            return .init(id: id, verdict: .pass, cause: "Secure Boot is off in the VM's firmware")
        }
    }

    static func network(of nic: VMNIC, facts: VMHostFacts) -> LibvirtNetwork? {
        guard nic.mode == .network, let name = nic.networkName else { return nil }
        return facts.networks.first { $0.name == name }
    }

    static func hostAddress(on interface: String, facts: VMHostFacts) -> String? {
        facts.host?.interface(named: interface)?.addresses.first { $0.family == .ipv4 && !$0.isLinkLocal }?.address.description
    }

    static func hostReachable(_ vm: VirtualMachine, nic: VMNIC?, facts: VMHostFacts, pitfalls: VMPitfalls) -> (check: VMCheckReport.Check, hostIP: VMCheckReport.HostIP?) {
        let id = "host-reachable"
        guard let nic else {
            return (.init(id: id, verdict: .fail, cause: "the VM has no NIC to reach the host with", fix: "kdnetctl vm fix \(ShellWord.quoted(vm.name)) --add-debug-nic default"), nil)
        }
        switch nic.mode {
        case .network:
            let name = nic.networkName ?? "?"
            guard let net = network(of: nic, facts: facts) else {
                return (.init(id: id, verdict: .fail, cause: "the NIC joins libvirt network '\(name)', which does not exist",
                              fix: "define it, or point the NIC at an existing network (virsh net-list --all)"), nil)
            }
            guard facts.activeNetworks.contains(name) else {
                return (.init(id: id, verdict: .fail, cause: "libvirt network '\(name)' is not running, so the VM has no path to the host",
                              fix: "virsh net-start \(ShellWord.quoted(name)) && virsh net-autostart \(ShellWord.quoted(name))"), nil)
            }
            if net.forwardMode == .bridge, let bridge = net.bridge {
                return bridged(bridge, facts: facts, via: "libvirt network '\(name)' wraps host bridge \(bridge)", pitfalls: pitfalls)
            }
            guard let address = net.ipv4Address, let bridge = net.bridge else {
                return (.init(id: id, verdict: .fail, cause: "libvirt network '\(name)' gives the host no IPv4 address, so the guest cannot address the host",
                              fix: "give the network an <ip address=...> (virsh net-edit \(ShellWord.quoted(name)))"), nil)
            }
            let host = VMCheckReport.HostIP(address: address, interface: bridge,
                                            why: "the host's address on \(bridge), the bridge of libvirt network '\(name)' (\(net.forwardMode.rawValue))")
            return (.init(id: id, verdict: .pass, cause: "the guest reaches the host at \(address) on \(bridge) (libvirt network '\(name)', \(net.forwardMode.rawValue))",
                          details: checksumNote(bridge, pitfalls: pitfalls)), host)
        case .bridge:
            return bridged(nic.bridgeName ?? "?", facts: facts, via: "the NIC is bridged to \(nic.bridgeName ?? "?")", pitfalls: pitfalls)
        case .direct:
            return (.init(id: id, verdict: .fail,
                          cause: "the NIC is macvtap on \(nic.sourceDevice ?? "a host NIC") (type='direct'): a guest cannot reach its own host through macvtap",
                          fix: "kdnetctl vm fix \(ShellWord.quoted(vm.name)) --add-debug-nic default (a second NIC on a libvirt network, for KDNET)",
                          source: pitfalls.source("macvtap")), nil)
        case .user:
            if nic.backend == "passt" {
                let gateway = facts.host?.defaultRoutes.first { $0.family == .ipv4 }?.gateway
                let host = gateway.map {
                    VMCheckReport.HostIP(address: $0.description, interface: "lo",
                                         why: "passt gives the guest the host's default gateway address and maps it to the host's loopback: the listener must listen on 127.0.0.1")
                }
                return (.init(id: id, verdict: .warn,
                              cause: "user networking (passt): the guest reaches the host through passt's NAT at \(gateway.map(\.description) ?? "the host's default gateway address"), which arrives on the host's loopback",
                              fix: "listen on 127.0.0.1 (kdnetctl listen --bind 127.0.0.1); a libvirt network is simpler for KDNET"), host)
            }
            let host = VMCheckReport.HostIP(address: "10.0.2.2", interface: "lo",
                                            why: "QEMU user networking (slirp) gives the guest the host as 10.0.2.2, delivered to the host's 127.0.0.1: the listener must listen on 127.0.0.1")
            return (.init(id: id, verdict: .warn,
                          cause: "user networking (slirp): the guest reaches the host as 10.0.2.2 through QEMU's NAT, which arrives on the host's loopback",
                          fix: "listen on 127.0.0.1 (kdnetctl listen --bind 127.0.0.1); a libvirt network is simpler for KDNET",
                          source: pitfalls.source("user-networking")), host)
        case .tap, .other:
            return (.init(id: id, verdict: .warn, cause: "the NIC is a \(nic.mode.rawValue) device\(nic.sourceDevice.map { " (\($0))" } ?? ""): which host network it joins is not known",
                          fix: "give the target the host's address on the bridge or network the tap joins"), nil)
        }
    }

    private static func bridged(_ bridge: String, facts: VMHostFacts, via: String, pitfalls: VMPitfalls) -> (check: VMCheckReport.Check, hostIP: VMCheckReport.HostIP?) {
        let id = "host-reachable"
        guard facts.host?.interface(named: bridge) != nil else {
            return (.init(id: id, verdict: .fail, cause: "\(via), but this host has no interface \(bridge)",
                          fix: "create the bridge (ip link add \(ShellWord.quoted(bridge)) type bridge) with the host's LAN NIC in it, or use a libvirt network"), nil)
        }
        guard let address = hostAddress(on: bridge, facts: facts) else {
            return (.init(id: id, verdict: .fail, cause: "\(via), but the host has no IPv4 address on \(bridge), so the guest cannot address it",
                          fix: "move the host's address from the LAN NIC to \(bridge) (the bridge, not its port, holds it)"), nil)
        }
        return (.init(id: id, verdict: .pass, cause: "\(via); the host's address there is \(address)", details: checksumNote(bridge, pitfalls: pitfalls)),
                VMCheckReport.HostIP(address: address, interface: bridge, why: "the host's address on \(bridge), the bridge the VM's NIC is in"))
    }

    /// If the target sends but never takes the host's answers: guests may drop host-sent UDP
    /// whose checksum was left to offloading.
    static func checksumNote(_ bridge: String, pitfalls: VMPitfalls) -> [String] {
        guard let source = pitfalls.source("checksum") else { return [] }
        return ["if the target sends but never connects: iptables -t mangle -A POSTROUTING -o \(bridge) -p udp -j CHECKSUM --checksum-fill (host-sent UDP with offloaded checksums may be dropped by guests; reported by \(source))"]
    }

    static func dhcp(_ vm: VirtualMachine, nic: VMNIC?, facts: VMHostFacts, pitfalls: VMPitfalls) -> VMCheckReport.Check {
        let id = "dhcp"
        let source = pitfalls.source(id)
        let fix = "KDNET needs a DHCP server on the VM's network or a static address; a 169.254.x.x address it falls back to is never answered"
        guard let nic else { return .init(id: id, verdict: .fail, cause: "the VM has no NIC", fix: fix, source: source) }
        switch nic.mode {
        case .network:
            guard let net = network(of: nic, facts: facts) else {
                return .init(id: id, verdict: .warn, cause: "libvirt network '\(nic.networkName ?? "?")' is not known here", fix: fix, source: source)
            }
            if net.forwardMode == .bridge {
                return .init(id: id, verdict: .warn, cause: "libvirt network '\(net.name)' is a host bridge: whether the LAN behind it runs DHCP cannot be seen from here", fix: fix, source: source)
            }
            if net.dhcpEnabled, let range = net.dhcpRanges.first {
                return .init(id: id, verdict: .pass, cause: "libvirt network '\(net.name)' hands out \(range.start)-\(range.end) by DHCP (libvirt's dnsmasq)")
            }
            return .init(id: id, verdict: .fail, cause: "libvirt network '\(net.name)' hands out no addresses (no <dhcp> range)",
                         fix: "add a <dhcp><range .../></dhcp> to it (virsh net-edit \(ShellWord.quoted(net.name))); " + fix, source: source)
        case .user:
            return .init(id: id, verdict: .pass, cause: "QEMU's user networking has its own DHCP server (the guest gets 10.0.2.15)")
        case .bridge, .direct, .tap, .other:
            return .init(id: id, verdict: .warn, cause: "whether the network behind \(nic.bridgeName ?? nic.sourceDevice ?? "this NIC") runs DHCP cannot be seen from here",
                         fix: fix, source: source)
        }
    }

    static func firewall(nic: VMNIC?, hostIP: VMCheckReport.HostIP?, port: Int, facts: VMHostFacts) -> VMCheckReport.Check {
        let id = "firewall"
        guard let hostIP else {
            return .init(id: id, verdict: .warn, cause: "not checked: the host address the VM would send to is not known (see host-reachable)")
        }
        guard let ruleset = facts.ruleset else {
            return .init(id: id, verdict: .warn, cause: "not checked: the ruleset was not read")
        }
        // A datagram from the VM's subnet, arriving on the bridge (or loopback for user networking).
        var source: IPAddress?
        if let nic, let net = network(of: nic, facts: facts) {
            source = net.dhcpRanges.first.flatMap { IPAddress($0.start) }
        } else if hostIP.interface == "lo" {
            source = IPAddress("127.0.0.1")
        }
        let destination = hostIP.interface == "lo" ? IPAddress("127.0.0.1") : IPAddress(hostIP.address)
        let packet = InboundPacket(port: port, interface: hostIP.interface.flatMap { try? InterfaceName(parsing: $0) }, source: source, destination: destination)
        let result = judge(packet, ruleset: ruleset)
        let arriving = "UDP port \(port) from \(source?.description ?? "the VM") on \(hostIP.interface ?? "the VM's network")"
        return .init(id: id, verdict: result.verdict, cause: "\(arriving): \(result.cause)", fix: result.fix, details: result.details)
    }

    /// The host's input chain on one datagram: the judgement `firewall` and the doctor use.
    static func judge(_ packet: InboundPacket, ruleset: Result<NftRuleset, FirewallError>) -> FirewallJudgement {
        FirewallJudgement(ruleset: ruleset, packet: packet)
    }

    /// QEMU's synthetic debugger: its device, the host address and port QEMU sends to, and
    /// the host's input chain on that datagram (QEMU sends it from this host, so it arrives
    /// on loopback from the host's own address, whatever the VM's bridge allows).
    static func syntheticDebugger(_ vm: VirtualMachine, facts: VMHostFacts, pitfalls: VMPitfalls) -> VMCheckReport.Check {
        let id = "hv-syndbg"
        guard let s = vm.hypervisor.syntheticDebugger else {
            return .init(id: id, verdict: .pass, cause: "not used: KDNET goes through a NIC of the VM")
        }
        let source = pitfalls.source(id)
        let example = "-device vmbus-bridge -device hv-syndbg,host_ip=ADDRESS,host_port=\(SyntheticDebugger.defaultPort)"
        var found = [s.device ? "-device hv-syndbg" : nil, s.vmbusBridge ? "-device vmbus-bridge" : nil, s.cpuFlag ? "hv-syndbg in -cpu" : nil].compactMap { $0 }
        if let ip = s.hostIP { found.append("host_ip=\(ip)") }
        if let p = s.hostPort { found.append("host_port=\(p)") }
        var problems: [(verdict: CheckVerdict, text: String, fix: String)] = []
        var notes: [String] = []
        func add(_ verdict: CheckVerdict, _ text: String, _ fix: String) { problems.append((verdict, text, fix)) }

        if !s.device {
            add(.fail, "hv-syndbg is in -cpu but there is no -device hv-syndbg, so the synthetic debugger has no host end", "add \(example)")
        }
        if s.device && !s.vmbusBridge {
            add(.fail, "-device hv-syndbg without -device vmbus-bridge: QEMU refuses to start (\"hv-syndbg device requires vmbus-bridge device\")", "add -device vmbus-bridge")
        }
        if s.device && !s.cpuFlag {
            add(.fail, "hv-syndbg is not in -cpu, so Windows does not see the synthetic debugger", "add hv-syndbg to -cpu")
        }
        var hostAddress: IPAddress?
        if s.device {
            let mine = facts.host?.interfaces.flatMap(\.addresses).filter { $0.family == .ipv4 }.map(\.address.description) ?? []
            let listing = mine.isEmpty ? "" : " (\(mine.joined(separator: ", ")))"
            if let text = s.hostIP {
                let address = IPAddress(text)
                if address?.family == .ipv6 || text.contains(":") {
                    add(.fail, "host_ip=\(text) is IPv6; QEMU's synthetic debugger sends over IPv4 only", "give host_ip an IPv4 address of this host\(listing)")
                } else if address?.family != .ipv4 {
                    add(.warn, "host_ip=\(text) is a name QEMU resolves when it starts, not an address", "give host_ip an IPv4 address of this host\(listing)")
                } else if facts.host == nil {
                    add(.warn, "whether host_ip=\(text) is an address of this host was not checked (the host's addresses were not read)", "run kdnetctl host")
                } else if !mine.contains(text) {
                    add(.fail, "host_ip=\(text) is not an address of this host, where the debugger listens", "give host_ip an IPv4 address of this host\(listing)")
                } else {
                    hostAddress = address
                    notes.append("QEMU sends to \(text), an address of this host")
                }
            } else {
                add(.fail, "-device hv-syndbg has no host_ip, which QEMU requires", "add host_ip=ADDRESS (an IPv4 address of this host\(listing)) to -device hv-syndbg")
            }
            if let port = s.port {
                if let note = DebugPort.note(for: port) {
                    add(DebugPort.accepted.contains(port) ? .warn : .fail, "host_port \(port)\(s.hostPort == nil ? " (QEMU's default)" : ""): \(note)",
                        "set host_port= on -device hv-syndbg to a port from \(DebugPort.recommended.lowerBound)-\(DebugPort.recommended.upperBound), the same the debugger listens on")
                } else {
                    notes.append("host_port \(port)\(s.hostPort == nil ? " (QEMU's default)" : "") is in the recommended \(DebugPort.recommended.lowerBound)-\(DebugPort.recommended.upperBound)")
                }
                if let hostAddress {
                    if let ruleset = facts.ruleset {
                        let lo = try? InterfaceName(parsing: "lo")
                        let r = judge(InboundPacket(port: port, interface: lo, source: hostAddress, destination: hostAddress), ruleset: ruleset)
                        let what = "the host's input chain on UDP port \(port) from this host to \(hostAddress) (on lo): \(r.cause)"
                        if r.verdict == .pass { notes.append(what) } else { add(r.verdict, what, r.fix ?? "allow UDP port \(port) in the host's input chain") }
                        notes += r.details
                    } else {
                        add(.warn, "the host's input chain was not checked: the ruleset was not read", "run kdnetctl firewall --port \(port)")
                    }
                }
            } else {
                add(.fail, "host_port=\(s.hostPort ?? "") is not a port number", "set host_port= to a port from \(DebugPort.recommended.lowerBound)-\(DebugPort.recommended.upperBound)")
            }
        }
        let uses = "KDNET goes through the hypervisor, not a NIC (\(found.joined(separator: ", ")))"
        let worst: CheckVerdict = problems.contains { $0.verdict == .fail } ? .fail : problems.isEmpty ? .pass : .warn
        guard worst != .pass else {
            return .init(id: id, verdict: .pass, cause: uses, source: source, details: notes)
        }
        let shown = problems.filter { $0.verdict == worst }
        return .init(id: id, verdict: worst, cause: uses + ": " + shown.map(\.text).joined(separator: "; "),
                     fix: shown.map(\.fix).joined(separator: "; "), source: source,
                     details: problems.filter { $0.verdict != worst }.map { "\($0.text): \($0.fix)" } + notes)
    }

    static func powerCycle(_ vm: VirtualMachine, pitfalls: VMPitfalls) -> VMCheckReport.Check {
        let id = "power-cycle"
        let source = pitfalls.source(id)
        if vm.state == .unknown, vm.persistentDiffersFromLive != true {
            return .init(id: id, verdict: .pass, cause: "whether the VM runs is not known here; after any change to it, power it off and start it again (a guest reboot keeps the old devices)", source: source)
        }
        guard vm.state == .running || vm.state == .paused || vm.persistentDiffersFromLive == true else {
            return .init(id: id, verdict: .pass, cause: "the VM is not running (\(vm.state.rawValue)): its next start uses the current definition")
        }
        switch vm.persistentDiffersFromLive {
        case true?:
            let how = vm.source == .libvirt ? "virsh shutdown \(ShellWord.quoted(vm.name)), wait until it is off, then virsh start \(ShellWord.quoted(vm.name))"
                : vm.source == .proxmox ? "qm shutdown VMID, then qm start VMID" : "quit QEMU and start it again"
            return .init(id: id, verdict: .warn,
                         cause: "the VM runs, and its next-boot definition differs from the running one: a reboot from inside Windows keeps the old devices",
                         fix: "power it off, then start it: \(how)", source: source, details: vm.pendingChanges)
        case false?:
            return .init(id: id, verdict: .pass, cause: "the VM runs with its current definition")
        case nil:
            return .init(id: id, verdict: .pass, cause: "the VM runs; after any change to it, power it off and start it again (a guest reboot keeps the old devices)", source: source)
        }
    }
}
