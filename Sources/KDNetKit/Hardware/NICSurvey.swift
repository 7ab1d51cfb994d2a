/// The answer of `kdnetctl nics`: each candidate NIC with its verdict for the chosen
/// Windows, and the one to give bcdedit.
public struct NICSurvey: Sendable, Codable {
    public var windows: WindowsTarget
    /// "this machine", "dump FILE" or "ids".
    public var source: String
    public var nics: [NICEntry]
    /// The PCI address of the NIC to use, nil when none qualifies (or only ids were given).
    public var recommended: String?
    public var recommendation: String
    /// `bcdedit /set {dbgsettings} busparams b.d.f` for the recommended NIC.
    public var bcdedit: String?

    /// Scans the given source and judges every candidate NIC.
    public static func survey(dump: String?, ids: [String], windows: String?, pciIDs: String?) throws -> NICSurvey {
        let target = try windows.map { try WindowsTarget(parsing: $0) } ?? .newest
        let scanner = try PCIScanner(idsFile: pciIDs)
        let knowledge = try NICKnowledge.builtIn()
        if dump != nil && !ids.isEmpty { throw HardwareUsageError.twoSources }
        if let dump {
            return NICSurvey(functions: try scanner.scanDump(dump), source: "dump \(dump)", windows: target, knowledge: knowledge)
        }
        if !ids.isEmpty {
            return NICSurvey(functions: try scanner.describe(try DeviceID.parseList(ids)), source: "ids", windows: target, knowledge: knowledge)
        }
        return NICSurvey(functions: try scanner.scanLocal(), source: "this machine", windows: target, knowledge: knowledge)
    }

    public init(functions: [PCIFunction], source: String, windows: WindowsTarget, knowledge: NICKnowledge) {
        let nics = functions.filter(\.isNICCandidate).map {
            NICEntry($0, verdict: .judge($0, on: windows, knowledge: knowledge), table: knowledge.table)
        }
        self.init(nics: nics, source: source, windows: windows)
    }

    /// A survey of entries already judged for `windows`, with the recommendation made from them.
    init(nics: [NICEntry], source: String, windows: WindowsTarget) {
        self.windows = windows
        self.source = source
        self.nics = nics
        let pick = Self.pick(nics)
        recommended = pick.entry?.pciAddress
        recommendation = pick.why
        bcdedit = pick.entry?.busparams.map { "bcdedit /set {dbgsettings} busparams \($0)" }
    }

    /// The same NICs judged again for another Windows (a saved `nics --json` read for the
    /// release chosen now), keeping what the target reported about each.
    public func rejudged(for windows: WindowsTarget, knowledge: NICKnowledge) -> NICSurvey {
        let nics = self.nics.map { $0.rejudged(for: windows, knowledge: knowledge) }
        return NICSurvey(nics: nics, source: source, windows: windows)
    }

    /// Whether any NIC can carry KDNET on the chosen release (the command exits 1 if not).
    public var anySupported: Bool { nics.contains { $0.isSupported && $0.inDomainZero } }

    /// Supported only; one on Microsoft's list over one a shipped module drives; a NIC in a
    /// dock or on Thunderbolt last, since unplugging it loses the debugger; then a link that
    /// is up over one not known over one down; then address.
    static func pick(_ nics: [NICEntry]) -> (entry: NICEntry?, why: String) {
        let supportedAnywhere = nics.filter(\.isSupported)
        let supported = supportedAnywhere.filter(\.inDomainZero)
        if supported.isEmpty, let outside = supportedAnywhere.first {
            return (nil, "\(outside.label) is supported, but it sits outside PCI domain 0, which bcdedit's busparams cannot name; use a NIC in domain 0")
        }
        guard !supported.isEmpty else {
            if nics.isEmpty { return (nil, "no network controller found") }
            if nics.contains(where: { $0.supported == nil }) {
                return (nil, "no NIC is known to work; see each one's advice")
            }
            return (nil, "none of the NICs is supported; see each one's advice")
        }
        func linkRank(_ e: NICEntry) -> Int { e.link == "up" ? 0 : (e.link == nil || e.link == "unknown" ? 1 : 2) }
        func basisRank(_ e: NICEntry) -> Int { e.basis == .shippedModule ? 1 : 0 }
        let best = supported.enumerated().min { a, b in
            (basisRank(a.element), a.element.docking ? 1 : 0, linkRank(a.element), a.offset)
                < (basisRank(b.element), b.element.docking ? 1 : 0, linkRank(b.element), b.offset)
        }!.element
        guard best.pciAddress != nil else {
            return (nil, "\(best.label) is supported; find its bus, device and function under Location in Device Manager for busparams")
        }
        var why = [best.basis == .shippedModule ? "supported through a module Windows ships" : "on Microsoft's list"]
        switch best.link {
        case "up"?: why.append("link up on \(best.interface ?? "its interface")")
        case nil, "unknown"?: why.append("link state unknown")
        default: why.append("link \(best.link!) (plug in the cable)")
        }
        why.append(best.docking ? "but in a dock or on Thunderbolt: never unplug it while debugging" : "built in (not a dock or Thunderbolt NIC)")
        if supported.count > 1 { why.append("chosen over \(supported.count - 1) other supported NIC(s)") }
        if best.basis == .shippedModule, best.reportedBy != nil { why.append("a verdict that rests on a public report") }
        return (best, "\(best.label): " + why.joined(separator: ", "))
    }
}

/// One candidate NIC in the `nics` report.
public struct NICEntry: Sendable, Codable, Hashable {
    public var pciAddress: String?
    public var busparams: String?
    public var givenId: String?
    public var vendorId: String
    public var deviceId: String
    public var subsystem: String?
    public var vendorName: String?
    public var deviceName: String?
    public var subsystemName: String?
    /// Class code as four hex digits ("0200"), nil when only ids were given.
    public var deviceClass: String?
    public var className: String?
    public var kind: NICVerdict.Kind
    public var interface: String?
    public var link: String?
    public var docking: Bool
    /// Modern, transitional or legacy-only, for virtio-net when known.
    public var virtio: VirtioTransport?
    /// true, false, or nil when not known either way.
    public var supported: Bool?
    public var basis: NICVerdict.Basis?
    public var reportedBy: String?
    public var minBuild: Int?
    public var reason: String
    public var advice: String?

    public var isSupported: Bool { supported == true }

    /// bcdedit can name it: in PCI domain 0, or given by ids only.
    var inDomainZero: Bool { (pciAddress.flatMap(PCIAddress.init(lspci:))?.domain ?? 0) == 0 }

    init(_ f: PCIFunction, verdict: NICVerdict, table: NICSupportTable) {
        pciAddress = f.address?.description
        // bcdedit's busparams has no PCI domain: a NIC outside domain 0 cannot be named.
        busparams = f.address.flatMap { $0.domain == 0 ? $0.busparams : nil }
        givenId = f.givenID
        vendorId = PCIIdentity.hex4(f.identity.vendorID)
        deviceId = PCIIdentity.hex4(f.identity.deviceID)
        subsystem = f.identity.subsystem
        vendorName = f.vendorName ?? (f.usbAttached ? nil : table.vendorName(f.identity.vendorID))
        deviceName = f.deviceName
        subsystemName = f.subsystemName
        deviceClass = f.deviceClass.map { PCIIdentity.hex4($0) }
        className = f.className
        kind = verdict.kind
        interface = f.interface
        link = f.link
        let names = [f.deviceName, f.subsystemName].compactMap { $0?.lowercased() }
        docking = f.removable || names.contains { $0.contains("thunderbolt") || $0.contains("dock") }
        virtio = f.virtio
        supported = verdict.supported
        basis = verdict.basis
        reportedBy = verdict.reportedBy
        minBuild = verdict.minBuild
        reason = verdict.reason
        advice = verdict.advice
    }

    /// The function this entry describes, as far as the entry remembers it.
    var function: PCIFunction? {
        guard let v = UInt16(vendorId, radix: 16), let d = UInt16(deviceId, radix: 16) else { return nil }
        return PCIFunction(address: pciAddress.flatMap(PCIAddress.init(lspci:)), identity: PCIIdentity(vendorID: v, deviceID: d),
                           deviceClass: deviceClass.flatMap { UInt16($0, radix: 16) }, deviceName: deviceName, className: className,
                           usbAttached: kind == .usbAttached, declaredVirtio: virtio)
    }

    func rejudged(for windows: WindowsTarget, knowledge: NICKnowledge) -> NICEntry {
        guard kind != .usbAttached, kind != .usbController, let f = function else { return self }
        let verdict = NICVerdict.judge(f, on: windows, knowledge: knowledge)
        var e = self
        e.supported = verdict.supported
        e.basis = verdict.basis
        e.reportedBy = verdict.reportedBy
        e.minBuild = verdict.minBuild
        e.reason = verdict.reason
        e.advice = verdict.advice
        return e
    }

    /// "supported", "not supported" or "not known", as the human output says it.
    public var verdictWord: String { NICVerdict.word(for: supported) }

    /// How to name it in a sentence: address, ids and name.
    public var label: String {
        let where_ = pciAddress ?? givenId ?? "\(vendorId):\(deviceId)"
        let name = [vendorName, deviceName].compactMap { $0 }.joined(separator: " ")
        return name.isEmpty ? "\(where_) [\(vendorId):\(deviceId)]" : "\(where_) \(name) [\(vendorId):\(deviceId)]"
    }

    enum CodingKeys: String, CodingKey {
        case pciAddress, busparams, givenId, vendorId, deviceId, subsystem, vendorName, deviceName, subsystemName
        case deviceClass = "class", className, kind, interface, link, docking, virtio, supported, basis, reportedBy, minBuild, reason, advice
    }
}
