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
        let table = try NICSupportTable.builtIn()
        if dump != nil && !ids.isEmpty { throw HardwareUsageError.twoSources }
        if let dump {
            return NICSurvey(functions: try scanner.scanDump(dump), source: "dump \(dump)", windows: target, table: table)
        }
        if !ids.isEmpty {
            return NICSurvey(functions: try scanner.describe(try DeviceID.parseList(ids)), source: "ids", windows: target, table: table)
        }
        return NICSurvey(functions: try scanner.scanLocal(), source: "this machine", windows: target, table: table)
    }

    public init(functions: [PCIFunction], source: String, windows: WindowsTarget, table: NICSupportTable) {
        self.windows = windows
        self.source = source
        nics = functions.filter(\.isNICCandidate).map { NICEntry($0, verdict: .judge($0, on: windows, table: table), table: table) }
        let pick = Self.pick(nics)
        recommended = pick.entry?.pciAddress
        recommendation = pick.why
        bcdedit = pick.entry?.busparams.map { "bcdedit /set {dbgsettings} busparams \($0)" }
    }

    /// Every key always present (null when unknown), so the JSON shape never changes.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(windows, forKey: .windows)
        try c.encode(source, forKey: .source)
        try c.encode(nics, forKey: .nics)
        try c.encode(recommended, forKey: .recommended)
        try c.encode(recommendation, forKey: .recommendation)
        try c.encode(bcdedit, forKey: .bcdedit)
    }

    enum CodingKeys: String, CodingKey { case windows, source, nics, recommended, recommendation, bcdedit }

    /// Whether any NIC can carry KDNET on the chosen release (the command exits 1 if not).
    public var anySupported: Bool { nics.contains(where: \.supported) }

    /// Supported first; then a link that is up over one not known over one down; a NIC in
    /// a dock or on Thunderbolt last, since unplugging it loses the debugger; then address.
    static func pick(_ nics: [NICEntry]) -> (entry: NICEntry?, why: String) {
        let supported = nics.filter(\.supported)
        guard !supported.isEmpty else {
            if nics.isEmpty { return (nil, "no network controller found") }
            return (nil, "none of the NICs is supported; see each one's advice")
        }
        func linkRank(_ e: NICEntry) -> Int { e.link == "up" ? 0 : (e.link == nil || e.link == "unknown" ? 1 : 2) }
        let best = supported.enumerated().min { a, b in
            (a.element.docking ? 1 : 0, linkRank(a.element), a.offset) < (b.element.docking ? 1 : 0, linkRank(b.element), b.offset)
        }!.element
        guard best.pciAddress != nil else {
            return (nil, "\(best.label) is supported; find its bus, device and function under Location in Device Manager for busparams")
        }
        var why = ["supported"]
        switch best.link {
        case "up"?: why.append("link up on \(best.interface ?? "its interface")")
        case nil, "unknown"?: why.append("link state unknown")
        default: why.append("link \(best.link!) (plug in the cable)")
        }
        why.append(best.docking ? "but in a dock or on Thunderbolt: never unplug it while debugging" : "built in (not a dock or Thunderbolt NIC)")
        if supported.count > 1 { why.append("chosen over \(supported.count - 1) other supported NIC(s)") }
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
    public var supported: Bool
    public var minBuild: Int?
    public var reason: String
    public var advice: String?

    init(_ f: PCIFunction, verdict: NICVerdict, table: NICSupportTable) {
        pciAddress = f.address?.description
        busparams = f.address?.busparams
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
        supported = verdict.supported
        minBuild = verdict.minBuild
        reason = verdict.reason
        advice = verdict.advice
    }

    /// How to name it in a sentence: address, ids and name.
    public var label: String {
        let where_ = pciAddress ?? givenId ?? "\(vendorId):\(deviceId)"
        let name = [vendorName, deviceName].compactMap { $0 }.joined(separator: " ")
        return name.isEmpty ? "\(where_) [\(vendorId):\(deviceId)]" : "\(where_) \(name) [\(vendorId):\(deviceId)]"
    }

    enum CodingKeys: String, CodingKey {
        case pciAddress, busparams, givenId, vendorId, deviceId, subsystem, vendorName, deviceName, subsystemName
        case deviceClass = "class", className, kind, interface, link, docking, supported, minBuild, reason, advice
    }

    /// Every key always present (null when unknown), so the JSON shape never changes.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pciAddress, forKey: .pciAddress)
        try c.encode(busparams, forKey: .busparams)
        try c.encode(givenId, forKey: .givenId)
        try c.encode(vendorId, forKey: .vendorId)
        try c.encode(deviceId, forKey: .deviceId)
        try c.encode(subsystem, forKey: .subsystem)
        try c.encode(vendorName, forKey: .vendorName)
        try c.encode(deviceName, forKey: .deviceName)
        try c.encode(subsystemName, forKey: .subsystemName)
        try c.encode(deviceClass, forKey: .deviceClass)
        try c.encode(className, forKey: .className)
        try c.encode(kind, forKey: .kind)
        try c.encode(interface, forKey: .interface)
        try c.encode(link, forKey: .link)
        try c.encode(docking, forKey: .docking)
        try c.encode(supported, forKey: .supported)
        try c.encode(minBuild, forKey: .minBuild)
        try c.encode(reason, forKey: .reason)
        try c.encode(advice, forKey: .advice)
    }
}
