import Foundation

extension LibvirtDomainXML {
    /// What differs between the running domain and its next cold boot, one line per
    /// difference, empty when the parts KDNET depends on agree. The XMLs are compared through
    /// the parsed model, so what always differs (ids, aliases, `<target dev>`, seclabels,
    /// host-model CPU expansion) never counts.
    public static func differences(live: String, inactive: String) throws -> [String] {
        differences(live: try parse(live), nextBoot: try parse(inactive))
    }

    static func differences(live: VirtualMachine, nextBoot: VirtualMachine) -> [String] {
        var out: [String] = []
        func note(_ what: String, _ a: String, _ b: String) {
            if a != b { out.append("\(what): running \(a), next boot \(b)") }
        }
        note("machine", live.machine, nextBoot.machine)

        func nicKey(_ n: VMNIC) -> String {
            // Only the live XML names a libvirt network's bridge, so it is left out for .network.
            let source = n.mode == .network ? n.networkName : (n.bridgeName ?? n.sourceDevice)
            return [n.mac ?? "?", n.model ?? "?", n.mode.rawValue, source ?? "-"].joined(separator: " ")
        }
        note("NICs", live.nics.map(nicKey).sorted().joined(separator: "; "),
             nextBoot.nics.map(nicKey).sorted().joined(separator: "; "))

        func hv(_ h: HypervisorFeatures) -> String {
            (h.flags + (h.vendorID.map { ["hv-vendor-id=\($0)"] } ?? [])).joined(separator: ",")
        }
        note("Hyper-V enlightenments", hv(live.hypervisor), hv(nextBoot.hypervisor))

        note("firmware", live.firmware.kind.rawValue, nextBoot.firmware.kind.rawValue)
        func sb(_ b: Bool?) -> String { b.map { $0 ? "on" : "off" } ?? "unknown" }
        // An auto-selected firmware has no loader path in the inactive XML: compare only when both say.
        if live.firmware.secureBoot != nil && nextBoot.firmware.secureBoot != nil {
            note("Secure Boot", sb(live.firmware.secureBoot), sb(nextBoot.firmware.secureBoot))
        }
        if let a = live.firmware.loaderPath, let b = nextBoot.firmware.loaderPath {
            note("firmware loader", a, b)
        }
        return out
    }
}

extension VirtualMachine {
    /// Whether the next cold boot of a libvirt domain differs from what runs now in NIC
    /// models, Hyper-V features, firmware or machine type.
    public static func diffLiveVsPersistent(liveXML: String, inactiveXML: String) throws -> Bool {
        !(try LibvirtDomainXML.differences(live: liveXML, inactive: inactiveXML)).isEmpty
    }
}
