import Foundation

/// What the user asked `kdnetctl bcdedit` for, already parsed into domain values.
public struct TargetSetupRequest: Sendable {
    public enum Action: Sendable, Equatable {
        case enable
        case off
        case delete([DbgSettingsElement])
    }

    public enum KeyChoice: Sendable, Equatable {
        /// The user's own key.
        case given(DebugKey)
        /// Made here, so the host knows it before the target reboots.
        case generated(DebugKey)
        /// bcdedit's `newkey`: the key only appears on the target's screen.
        case bcdeditNewKey
    }

    public var action: Action = .enable
    public var hostAddress: HostAddress?
    public var port: DebugPort
    public var key: KeyChoice
    public var busParams: BusParams?
    public var noDHCP = false
    public var bootDebug = false
    public var hypervisor = false
    /// The target's address or name for the debugger's `target=`.
    public var targetAddress: String?
    public var hostOS: HostOS = .linux
    public var reboot = false
    /// A loopback host address is refused (a real target cannot reach it) unless the
    /// target is kdnetctl's simulated one, running on this machine.
    public var simulatedTargetOnThisHost = false

    public init(port: DebugPort, key: KeyChoice) {
        self.port = port; self.key = key
    }
}

/// The commands for one target and everything the user needs around them; the
/// text, script and JSON forms are all rendered from this.
public struct TargetSetup: Sendable, Equatable, Codable {
    /// What the commands do; the JSON says it with these words.
    public enum Action: String, Sendable, Codable {
        case enable, off, delete
    }

    /// Where the key came from; the JSON says it with these words.
    public enum KeySource: String, Sendable, Codable {
        /// The user's own key.
        case given
        /// Made here by kdnetctl.
        case generated
        /// bcdedit's `newkey`: the key only appears on the target's screen.
        case bcdedit
    }

    public var action: Action
    public var steps: [BcdeditStep]
    /// The full key: the user needs it on the host, so it is printed on purpose.
    public var key: String?
    public var keySource: KeySource?
    public var hostIp: String?
    public var family: IPAddress.Family?
    public var port: DebugPort?
    public var hypervisorPort: DebugPort?
    public var busparams: BusParams?
    public var host: HostSide?
    public var reboot: Bool
    public var warnings: [String]
    public var notes: [String]

    public init(_ request: TargetSetupRequest) throws(TargetSetupError) {
        reboot = request.reboot
        warnings = []; notes = []
        switch request.action {
        case .off:
            action = .off
            try Self.refuseEnableOptions(request, mode: "--off")
            steps = [BcdeditStep(["/debug", "off"], purpose: "turn kernel debugging off")]
            if request.bootDebug {
                steps.append(BcdeditStep(["/bootdebug", "{bootmgr}", "off"], purpose: "turn boot manager debugging off"))
                steps.append(BcdeditStep(["/bootdebug", "{default}", "off"], purpose: "turn winload debugging off"))
            }
            if request.hypervisor {
                steps.append(BcdeditStep(["/set", "hypervisordebug", "off"], purpose: "turn hypervisor debugging off"))
            }
            notes.append("reboot the target for the change to take effect; if its debug NIC is in a docking station it may be undocked afterwards")
        case .delete(let elements):
            action = .delete
            try Self.refuseEnableOptions(request, mode: "--delete")
            steps = elements.map { BcdeditStep(["/deletevalue", "{dbgsettings}", $0.rawValue], purpose: "remove \($0.rawValue) from the debug settings") }
            notes += elements.compactMap(\.consequence)
        case .enable:
            action = .enable
            steps = []
            try buildEnable(request)
        }
    }

    /// The precaution for a target whose debug NIC has a static address (bcdedit's notes,
    /// `plan`'s, the wizard's precautions): what is lost, its source, and how to set it again.
    public static var staticAddressNote: String { "a target with a static IP address: " + staticAddressPrecaution }

    /// The precaution itself, for a list that names the case in its own words.
    public static var staticAddressPrecaution: String {
        let trap = TargetTraps.trap(.staticAddressLost)
        return "\(trap.claim) \(trap.citation). Write it down first (`ipconfig /all`). While debugging, KDNET's own address comes from DHCP (or, with nodhcp, is a link-local 169.254.x.x one), not from that configuration; after turning debugging off (`bcdedit /debug off`, reboot) set it again in the adapter's IPv4 settings, or elevated: `netsh interface ip set address name=\"Ethernet\" static <address> <mask> <gateway>` (and `netsh interface ip set dnsservers` for its DNS servers)"
    }

    /// What is doubtful about the host address itself, whatever the target: `plan` says
    /// these once per address, not once per target.
    public static func hostWarnings(_ host: HostAddress) -> [String] {
        var warnings: [String] = []
        if host.isLinkLocal {
            warnings.append("host address \(host.text) is link-local: it does not cross routers, so host and target must share a switch or hub")
        }
        if host.isDocumentation {
            warnings.append("host address \(host.text) is from a documentation example range, not a real host; give the host's own address")
        }
        return warnings
    }

    private static func refuseEnableOptions(_ r: TargetSetupRequest, mode: String) throws(TargetSetupError) {
        if r.hostAddress != nil { throw .conflicting("--host-ip", mode) }
        if r.busParams != nil { throw .conflicting("--busparams", mode) }
        if r.noDHCP { throw .conflicting("--nodhcp", mode) }
        if r.targetAddress != nil { throw .conflicting("--target-address", mode) }
    }

    private mutating func buildEnable(_ r: TargetSetupRequest) throws(TargetSetupError) {
        guard let host = r.hostAddress else { throw .missingHostAddress }
        if r.simulatedTargetOnThisHost, host.isLoopback {
            warnings.append("host address \(host.text) is loopback: these commands suit the simulated target only; a real target needs the host's network address")
        } else if let reason = host.unusableReason {
            throw .unusableHost(reason)
        }
        hostIp = host.text; family = host.family; port = r.port; busparams = r.busParams

        let keyText: String?
        switch r.key {
        case .given(let k): keyText = k.text; keySource = .given
        case .generated(let k): keyText = k.text; keySource = .generated
        case .bcdeditNewKey:
            keyText = nil; keySource = .bcdedit
            if r.hypervisor { throw .newKeyWithHypervisor }
        }
        key = keyText

        var net = ["/dbgsettings", "net", "\(host.family.bcdeditElement):\(host.text)", "port:\(r.port)"]
        net.append(keyText.map { "key:\($0)" } ?? "newkey")
        if r.noDHCP { net.append("nodhcp") }
        steps.append(BcdeditStep(["/debug", "on"], purpose: "turn kernel debugging on"))
        steps.append(BcdeditStep(net, purpose: "debug over the network to \(host.text), UDP port \(r.port)"))
        if let bp = r.busParams {
            steps.append(BcdeditStep(["/set", "{dbgsettings}", "busparams", bp.description], purpose: "debug through the NIC at PCI \(bp)"))
        }
        if r.bootDebug {
            steps.append(BcdeditStep(["/bootdebug", "{bootmgr}", "on"], purpose: "debug the boot manager"))
            steps.append(BcdeditStep(["/bootdebug", "{default}", "on"], purpose: "debug winload (the OS loader)"))
        }
        var hvPort: DebugPort?
        if r.hypervisor {
            guard let next = try? r.port.next() else { throw .noRoomForHypervisor(r.port) }
            hvPort = next
            hypervisorPort = next
            var hv = ["/hypervisorsettings", "net", "\(host.family.bcdeditElement):\(host.text)", "port:\(next)"]
            if let keyText { hv.append("key:\(keyText)") }
            steps.append(BcdeditStep(hv, purpose: "debug the hypervisor on port \(next) (port+1, as kdnet.exe does)"))
            if let bp = r.busParams {
                steps.append(BcdeditStep(["/set", "{hypervisorsettings}", "hypervisorbusparams", bp.description], purpose: "the hypervisor debugs through the same NIC"))
            }
            steps.append(BcdeditStep(["/set", "hypervisordebug", "on"], purpose: "turn hypervisor debugging on"))
            if let w = next.policyWarning { warnings.append("hypervisor " + w) }
        }

        let target = try Self.checkTarget(r.targetAddress, hostFamily: host.family)
        self.host = HostSide(port: r.port, keyText: keyText, target: target, hypervisorPort: hvPort, os: r.hostOS)

        if let w = r.port.policyWarning { warnings.append(w) }
        warnings += Self.hostWarnings(host)
        if case .given(let k) = r.key, k.isWeak { warnings.append(KeyReport.weakWarning) }
        if let note = r.busParams?.conversionNote { notes.append(note) }
        if r.busParams == nil {
            notes.append("on a physical machine with a PCI NIC, also give --busparams (Device Manager > the NIC > Location, or lspci on a live Linux)")
        }
        if r.key == .bcdeditNewKey {
            notes.append("bcdedit prints the new key on the target; copy it to the host")
        }
        notes.append(Self.staticAddressNote)
        if target == nil, host.family == .ipv6 {
            notes.append("the debugger listens on IPv4 and IPv6 by default; add --target-address :: to force IPv6")
        }
    }

    /// The seed's rules: an IP with `:` forces IPv6 and one with `.` forces IPv4 on the
    /// debugger, and a target set up for one family never connects over the other.
    private static func checkTarget(_ target: String?, hostFamily: IPAddress.Family) throws(TargetSetupError) -> String? {
        guard let target else { return nil }
        if let address = try? HostAddress(parsing: target) {
            guard address.family == hostFamily else { throw .targetFamilyMismatch(target, hostFamily) }
            return address.text
        }
        let nameChars = target.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
        guard !target.isEmpty, nameChars, target.contains(where: \.isLetter) else { throw .badTarget(target) }
        return target
    }
}

public enum TargetSetupError: Error, Equatable, Sendable, LocalizedError {
    case missingHostAddress
    case unusableHost(String)
    case conflicting(String, String)
    case newKeyWithHypervisor
    case noRoomForHypervisor(DebugPort)
    case targetFamilyMismatch(String, IPAddress.Family)
    case badTarget(String)
    case unknownElement(String)

    public var errorDescription: String? {
        switch self {
        case .missingHostAddress:
            return "no host address; give --host-ip with the host's IPv4 or IPv6 address (the one facing the target)"
        case .unusableHost(let reason):
            return HostAddressError.unusable(reason).errorDescription
        case .conflicting(let option, let mode):
            return "\(option) has no meaning with \(mode); drop one of them"
        case .newKeyWithHypervisor:
            return "--newkey cannot be used with --hypervisor, whose command needs the key; drop --newkey and the key is made here"
        case .noRoomForHypervisor(let p):
            return "the hypervisor needs port+1, and port \(p) is the last one; pick a port from \(DebugPort.recommended.lowerBound)-\(DebugPort.recommended.upperBound - 1)"
        case .targetFamilyMismatch(let t, let f):
            let other = f == .ipv4 ? "IPv6" : "IPv4"
            return "--target-address \(t) is \(other) but the target is set up for \(f == .ipv4 ? "IPv4" : "IPv6"), so the debugger would never connect; give the target's \(f == .ipv4 ? "IPv4" : "IPv6") address or its name"
        case .badTarget(let t):
            return "--target-address '\(t)' is neither an IP address nor a host name; give the target's address or name"
        case .unknownElement(let e):
            return "'\(e)' is not a dbgsettings element bcdedit can delete; use one of \(DbgSettingsElement.allCases.map(\.rawValue).joined(separator: ", "))"
        }
    }
}
