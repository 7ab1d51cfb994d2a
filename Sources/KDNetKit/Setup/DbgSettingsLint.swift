import Foundation

/// Answers whether an address belongs to this host. The HostNetwork concern
/// provides the real one; lint works without it.
public protocol HostAddressLookup: Sendable {
    /// The interface holding `address` on this host, `.notLocal`, or `.unknown` when it cannot tell.
    func ownership(of address: HostAddress) -> HostAddressOwnership
}

public enum HostAddressOwnership: Sendable, Equatable {
    case local(interface: String)
    case notLocal
    case unknown
}

/// One problem (or remark) about a target's debug settings.
public struct LintFinding: Sendable, Equatable, Codable {
    public enum Severity: String, Sendable, Codable, Comparable {
        case info, warning, error
        private var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }
    public var severity: Severity
    /// Stable identifier for scripts and tests.
    public var code: String
    public var message: String
    /// The public report the finding rests on (its URL), nil when it rests on none.
    public var source: String?

    public init(_ severity: Severity, _ code: String, _ message: String, source: String? = nil) {
        self.severity = severity; self.code = code; self.message = message; self.source = source
    }
}

/// What `kdnetctl dbgsettings lint` reports.
public struct DbgSettingsLint: Sendable, Equatable, Codable {
    public struct Options: Sendable {
        /// The key the host uses; compared in constant time.
        public var expectedKey: DebugKey?
        /// A virtual machine's NIC needs no busparams.
        public var virtualMachine = false
        public var hostLookup: (any HostAddressLookup)?
        /// The target's PCI functions (`--pci-dump`): busparams must name a network controller among them.
        public var pciDump: PCIDumpContents?
        public init(expectedKey: DebugKey? = nil, virtualMachine: Bool = false, hostLookup: (any HostAddressLookup)? = nil,
                    pciDump: PCIDumpContents? = nil) {
            self.expectedKey = expectedKey; self.virtualMachine = virtualMachine; self.hostLookup = hostLookup
            self.pciDump = pciDump
        }
    }

    public var settings: DbgSettings
    public var findings: [LintFinding]
    public var keyMatches: Bool?
    public var ok: Bool { !findings.contains { $0.severity == .error } }

    private enum CodingKeys: String, CodingKey { case settings, findings, keyMatches, ok }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(settings.redacted, forKey: .settings)
        try c.encode(findings, forKey: .findings)
        try c.encodeIfPresent(keyMatches, forKey: .keyMatches)
        try c.encode(ok, forKey: .ok)
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        settings = try c.decode(DbgSettings.self, forKey: .settings)
        findings = try c.decode([LintFinding].self, forKey: .findings)
        keyMatches = try c.decodeIfPresent(Bool.self, forKey: .keyMatches)
    }

    public init(_ settings: DbgSettings, options: Options = Options()) {
        self.settings = settings
        var f: [LintFinding] = []
        if settings.isEmpty {
            f.append(.init(.error, "no-settings", "no debug settings found; paste the whole output of `bcdedit /dbgsettings` run in an elevated prompt on the target"))
            findings = f + settings.messages.map { .init(.error, "bcdedit-message", "bcdedit said: \($0)") }
            return
        }
        if !settings.completed {
            f.append(.init(.warning, "incomplete", "the output lacks \"\(DbgSettings.successLine)\"; paste all of it, or bcdedit failed (run it elevated)"))
        }
        f += settings.messages.map { .init(.warning, "bcdedit-message", "unexpected line: \($0)") }
        f += settings.redacted.repeated.map(Self.repeated)
        f += Self.debugType(settings.debugtype)
        f += Self.port(settings.port)
        let (keyFindings, matches) = Self.key(settings.key, expected: options.expectedKey)
        f += keyFindings
        keyMatches = matches
        f += Self.hostAddress(settings, lookup: options.hostLookup)
        f += Self.busParams(settings.busparams, virtualMachine: options.virtualMachine, dump: options.pciDump)
        if settings.dhcp?.lowercased() == "no" {
            f.append(.init(.info, "nodhcp", "dhcp is No: KDNET will not ask DHCP for an address and uses a link-local one, so host and target must share a switch"))
        }
        findings = f
    }

    /// bcdedit prints each setting once; the parser keeps the last value, and says so.
    static func repeated(_ r: DbgSettings.RepeatedSetting) -> LintFinding {
        let last = r.values.last ?? ""
        let values = Set(r.values).count == 1 ? "\(last) each time" : r.values.joined(separator: ", then ")
        return .init(.warning, "repeated-\(r.name)", "\(r.name) is given \(r.values.count) times (\(values)); bcdedit prints each setting once, so two outputs were pasted together or one was edited. The last, \(last), is the one checked here (the later output is the newer state); paste one whole output")
    }

    static func debugType(_ value: String?) -> [LintFinding] {
        guard let value else {
            return [.init(.error, "debugtype-missing", "no debugtype line; run `bcdedit /dbgsettings net hostip:<host> port:<port> key:<key>`")]
        }
        guard value.uppercased() == "NET" else {
            return [.init(.error, "debugtype-not-net", "debugtype is \(value), not NET; run `bcdedit /dbgsettings net hostip:<host> port:<port> key:<key>` to debug over the network")]
        }
        return []
    }

    static func port(_ value: String?) -> [LintFinding] {
        guard let value else {
            return [.init(.warning, "port-missing", "no port: KDNET falls back to \(DebugPort.fallback); set one with `bcdedit /dbgsettings net ... port:50000` (or run the debugger with port=\(DebugPort.fallback))")]
        }
        do {
            let port = try DebugPort(parsing: value)
            if let w = port.policyWarning { return [.init(.warning, "port-not-recommended", w)] }
            return []
        } catch {
            return [.init(.error, "port-invalid", error.errorDescription ?? "")]
        }
    }

    static func key(_ value: String?, expected: DebugKey?) -> ([LintFinding], Bool?) {
        guard let value else {
            return ([.init(.error, "key-missing", "no key: the target cannot authenticate; run `bcdedit /dbgsettings net ... key:<key>` (`kdnetctl key generate` makes one)")], nil)
        }
        let key: DebugKey
        do { key = try DebugKey(parsing: value) } catch {
            return ([.init(.error, "key-invalid", "the key is invalid: \(error.errorDescription ?? "")")], nil)
        }
        var f: [LintFinding] = []
        let letters = Set(value.lowercased().filter { $0 != "." })
        if letters.count == 1 {
            f.append(.init(.error, "key-placeholder", "the key \(value) is a placeholder, like the documentation's XXXXXX.XXXXX.XXXXX.XXXXX; paste the target's real output, or set a real key with `bcdedit /dbgsettings net ... key:<key>`"))
        } else if key.isWeak {
            f.append(.init(.warning, "key-weak", KeyReport.weakWarning))
        }
        if key == Self.documentationKey {
            f.append(.init(.warning, "key-published", "this is the key from Microsoft's documentation; anyone who read it can debug the target. Set a fresh one (`kdnetctl key generate`)"))
        }
        guard let expected else { return (f, nil) }
        let matches = SecureRandom.constantTimeEqual(key.bytes, expected.bytes)
        if matches {
            f.append(.init(.info, "key-matches", "the target's key matches the given key"))
        } else {
            f.append(.init(.error, "key-mismatch", "the target's key differs from the given key; the debugger would never connect. Use the target's key on the host, or set yours on the target with bcdedit /dbgsettings"))
        }
        return (f, matches)
    }

    /// The key printed in Microsoft's IPv6 example, which people copy.
    static let documentationKey = try? DebugKey(parsing: "2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p")

    static func hostAddress(_ s: DbgSettings, lookup: (any HostAddressLookup)?) -> [LintFinding] {
        if s.hostip == nil, s.hostipv6 == nil {
            return [.init(.warning, "hostip-missing", "no hostip or hostipv6: the target does not send first, so the debugger needs target=<the target's address>; or set it with `bcdedit /dbgsettings net hostip:<host> ...`")]
        }
        var f: [LintFinding] = []
        if s.hostip != nil, s.hostipv6 != nil {
            f.append(.init(.info, "both-families", "both hostip and hostipv6 are set; the target uses IPv6 only (hostipv6 wins), so the host must be reachable over IPv6"))
        }
        for (element, value, family) in [("hostip", s.hostip, IPAddress.Family.ipv4), ("hostipv6", s.hostipv6, .ipv6)] {
            guard let value else { continue }
            guard let address = try? HostAddress(parsing: value), address.family == family else {
                f.append(.init(.error, "\(element)-invalid", "\(element) \(value) is not an \(family.name) address; set the host's address with `bcdedit /dbgsettings net \(element):<host> ...`"))
                continue
            }
            // What kdnet.exe writes when it picked the wrong device: no host has this
            // address, and the busparams beside it are the real problem.
            if family == .ipv4, address.bytes == Self.wrongDeviceHostIP.bytes {
                f.append(Self.wrongDevice(hostip: value, busparams: s.busparams))
                continue
            }
            f += Self.addressRemarks(address, element: element)
            switch lookup?.ownership(of: address) {
            case .local(let interface):
                f.append(.init(.info, "\(element)-this-host", "\(element) \(value) is this host's address on \(interface)"))
            case .notLocal:
                f.append(.init(.error, "\(element)-not-this-host", "\(element) \(value) is not an address of this host, so the target sends its packets elsewhere; set one of this host's addresses (see `kdnetctl host`) with `bcdedit /dbgsettings net \(element):<host> ...`, or pass --skip-host-check when linting for another host"))
            case .unknown, nil:
                break
            }
        }
        return f
    }

    /// The hostip kdnet.exe wrote after choosing a USB 3 xHCI controller instead of the NIC.
    static let wrongDeviceHostIP = try! HostAddress(parsing: "169.254.255.255")

    static func wrongDevice(hostip: String, busparams: String?) -> LintFinding {
        let trap = TargetTraps.trap(.wrongDevice)
        let chosen = busparams.map { " (the busparams it set, \($0), name the device it chose)" } ?? ""
        return .init(.error, "hostip-kdnet-wrong-device",
                     "hostip \(hostip) is what kdnet.exe writes when it picked the wrong device\(chosen): \(trap.claim) \(trap.citation). Do not keep these settings: run `kdnet.exe` again and check that it names the NIC cabled to the host, or set them by hand, elevated: `bcdedit /dbgsettings net hostip:<host> port:<port> key:<key>` and `bcdedit /set {dbgsettings} busparams b.d.f` with the NIC's decimal bus.device.function (Device Manager > the NIC > Location; `kdnetctl nics --pci-dump FILE` names it from an lspci dump)",
                     source: trap.source)
    }

    static func addressRemarks(_ a: HostAddress, element: String) -> [LintFinding] {
        if let reason = a.unusableReason {
            return [.init(.error, "\(element)-unusable", "\(element) \(reason); set the address of the host's NIC that faces the target")]
        }
        if a.isLinkLocal {
            return [.init(.warning, "\(element)-link-local", "\(element) \(a.text) is link-local: it does not cross routers, so host and target must share a switch or hub")]
        }
        if a.isDocumentation {
            return [.init(.warning, "\(element)-documentation", "\(element) \(a.text) is from a documentation example range, not a real host; set the host's own address")]
        }
        if a.family == .ipv4, a.bytes[0] == 169 {
            // 169.168.1.1 in Microsoft's sample: a public address, most likely a mangled
            // 169.254 (link-local) or 192.168 (private) one.
            return [.init(.warning, "\(element)-suspicious", "\(element) \(a.text) is a public address, not link-local (169.254.x.x) or private (192.168.x.x); check it for a typo")]
        }
        if !a.isPrivate, a.family == .ipv4 {
            return [.init(.info, "\(element)-public", "\(element) \(a.text) is a public address; make sure it is the host's and that no router or firewall between them drops UDP")]
        }
        return []
    }

    static func busParams(_ value: String?, virtualMachine: Bool, dump: PCIDumpContents?) -> [LintFinding] {
        guard let value else {
            if virtualMachine { return [] }
            return [.init(.warning, "busparams-missing", "no busparams: on a physical machine with a PCI NIC, always set them so KDNET uses the NIC cabled to the host (`bcdedit /set {dbgsettings} busparams b.d.f`, from Device Manager's Location); ignore this on a virtual machine")]
        }
        do {
            let bp = try BusParams(parsing: value)
            if bp.convertedFrom != nil {
                return [.init(.error, "busparams-hex", "busparams \(value) is lspci's hex form; bcdedit wants decimal: `bcdedit /set {dbgsettings} busparams \(bp)`")]
            }
            return dump.map { [$0.judge(bp)] } ?? []
        } catch {
            return [.init(.error, "busparams-invalid", error.errorDescription ?? "")]
        }
    }
}
