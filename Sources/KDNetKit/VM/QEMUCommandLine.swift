import Foundation

/// Reads a running QEMU's argv (`/proc/PID/cmdline`) into a `VirtualMachine`. Covers the
/// forms libvirt (JSON `-device`/`-netdev`/`-blockdev`), Proxmox (`-readconfig`, `type=tap`)
/// and hand-written scripts (`-net nic`, `-nic`, `-drive if=pflash`) use.
public enum QEMUCommandLine {
    /// - Parameters:
    ///   - cmdline: argv separated (and usually ended) by NUL, as /proc/PID/cmdline holds it.
    ///   - state: what the caller knows (QMP `query-status`, /proc state); nil to guess from argv.
    public static func parse(cmdline: String, state: VMState? = nil) throws -> VirtualMachine {
        var argv = cmdline.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
        while argv.last == "" { argv.removeLast() }
        return try parse(arguments: argv, state: state)
    }

    public static func parse(arguments argv: [String], state: VMState? = nil) throws -> VirtualMachine {
        guard let argv0 = argv.first, !argv0.isEmpty else { throw QEMUCommandLineError.empty }
        let binary = Firmware.basename(argv0)
        guard binary.contains("qemu") || binary == "kvm" else { throw QEMUCommandLineError.notQEMU(argv0) }
        let o = try options(Array(argv.dropFirst()))

        let machine = o.machineType ?? "pc"  // QEMU's x86 default
        let isQ35 = machine.contains("q35")
        let nameOpts = o.name.map(QEMUOptionString.init)
        let name = nameOpts?["guest"] ?? nameOpts?.positional ?? "qemu"

        // libvirt always starts QEMU with -S and resumes it over QMP, so -S only means paused
        // for a QEMU that libvirt did not start (libvirt names it `-name guest=...`).
        let guessed: VMState = o.startPaused ? (nameOpts?["guest"] != nil ? .unknown : .paused) : .running

        return VirtualMachine(
            name: name,
            source: .qemu,
            identifier: o.uuid ?? o.proxmoxID,
            state: state ?? guessed,
            machine: machine,
            osHint: nil,
            nics: nics(o, isQ35: isQ35),
            hypervisor: hypervisor(o),
            firmware: firmware(o),
            persistentDiffersFromLive: nil
        )
    }

    // MARK: argv walking

    /// Options that take no value; every other option takes exactly one.
    static let flagOptions: Set<String> = [
        "S", "s", "no-user-config", "nodefaults", "no-shutdown", "enable-kvm", "daemonize", "nographic",
        "no-hpet", "no-reboot", "snapshot", "full-screen", "no-acpi", "usb", "no-fd-bootchk", "no-quit",
        "alt-grab", "ctrl-grab", "win2k-hack", "rtc-td-hack", "no-kvm", "no-kvm-irqchip", "no-kvm-pit",
        "localtime", "std-vga", "enable-fips", "only-migratable", "preconfig", "h", "help", "version",
        "no-frame", "no-graphic", "old-param", "semihosting", "enable-sync-profile",
    ]

    struct Options {
        var machineType: String?
        var machineProps: [String: String] = [:]
        var cpu: String?
        var name: String?
        var uuid: String?
        var proxmoxID: String?
        var startPaused = false
        var devices: [QEMUOptionString] = []
        var netdevs: [QEMUOptionString] = []
        var legacyNets: [QEMUOptionString] = []
        var nicOptions: [QEMUOptionString] = []
        var pflashDrives: [QEMUOptionString] = []
        /// node-name -> (filename, or the node-name of the node it reads from).
        var blockNodes: [String: (filename: String?, fileRef: String?)] = [:]
        var bios: String?
        var readconfig: [String] = []
    }

    static func options(_ args: [String]) throws -> Options {
        var o = Options()
        var i = 0
        while i < args.count {
            let arg = args[i]
            i += 1
            guard arg.hasPrefix("-") else { continue }
            let opt = String(arg.drop(while: { $0 == "-" }))
            if flagOptions.contains(opt) {
                if opt == "S" { o.startPaused = true }
                continue
            }
            guard i < args.count else { throw QEMUCommandLineError.missingValue(arg) }
            let value = args[i]
            i += 1
            switch opt {
            case "machine", "M":
                let m = QEMUOptionString(value)
                if let t = m.positional ?? m["type"] { o.machineType = t }
                for p in m.parts { if let v = p.value { o.machineProps[p.key] = v } }
            case "cpu": o.cpu = value
            case "name": o.name = value
            case "uuid": o.uuid = value
            case "id": o.proxmoxID = value
            case "device": o.devices.append(try optionString(value, option: arg))
            case "netdev": o.netdevs.append(try optionString(value, option: arg))
            case "net": o.legacyNets.append(QEMUOptionString(value))
            case "nic": o.nicOptions.append(QEMUOptionString(value))
            case "drive":
                let d = QEMUOptionString(value)
                if d["if"] == "pflash" { o.pflashDrives.append(d) }
            case "blockdev": try addBlockdev(value, option: arg, to: &o)
            case "bios": o.bios = value
            case "readconfig": o.readconfig.append(value)
            default: continue
            }
        }
        return o
    }

    static func optionString(_ value: String, option: String) throws -> QEMUOptionString {
        guard value.hasPrefix("{") else { return QEMUOptionString(value) }
        guard let parsed = QEMUOptionString(json: value) else {
            throw QEMUCommandLineError.badJSON(option: option, text: value)
        }
        return parsed
    }

    /// libvirt writes a file node and a format node that reads from it by name; Proxmox nests
    /// the file node inside. Either way the pflash node's file name is what we want.
    static func addBlockdev(_ value: String, option: String, to o: inout Options) throws {
        if !value.hasPrefix("{") {
            let b = QEMUOptionString(value)
            if let node = b["node-name"] {
                o.blockNodes[node] = (b["filename"] ?? b["file.filename"], b["file"])
            }
            return
        }
        guard let data = value.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw QEMUCommandLineError.badJSON(option: option, text: value) }
        guard let node = object["node-name"] as? String else { return }
        func filename(_ obj: [String: Any]) -> String? {
            if let f = obj["filename"] as? String { return f }
            if let nested = obj["file"] as? [String: Any] { return filename(nested) }
            return nil
        }
        o.blockNodes[node] = (filename(object), object["file"] as? String)
    }

    // MARK: NICs

    static func nics(_ o: Options, isQ35: Bool) -> [VMNIC] {
        var byID: [String: String] = [:]  // device id -> driver, to tell what a bus= names
        for d in o.devices {
            if let id = d["id"], let driver = d.positional ?? d["driver"] { byID[id] = driver }
        }
        var netdevs: [String: QEMUOptionString] = [:]
        for n in o.netdevs { if let id = n["id"] { netdevs[id] = n } }
        let proxmoxQ35Config = o.readconfig.contains { $0.contains("pve-q35") }

        var result: [VMNIC] = []
        for d in o.devices {
            guard let driver = d.positional ?? d["driver"], NICModelCatalog.qemuNICDrivers.contains(driver) else { continue }
            var nic = VMNIC(mac: d["mac"], model: driver)
            if let id = d["netdev"], let backend = netdevs[id] { applyBackend(backend, to: &nic) }
            let bus = d["bus"]
            let attachment = attachment(bus: bus, isQ35: isQ35, devices: byID, proxmoxQ35Config: proxmoxQ35Config)
            if attachment == .pcieRootComplex || attachment == .conventionalPCI && isRootBus(bus, isQ35: isQ35),
               let (slot, fn) = slotFunction(d["addr"]) {
                nic.address = PCIAddress(bus: 0, device: slot, function: fn)
            }
            if NICModelCatalog.isVirtio(driver) {
                nic.virtioTransport = transport(driver: driver, props: d, attachment: attachment)
            }
            result.append(nic)
        }

        for n in o.nicOptions where n.positional != "none" {
            var nic = VMNIC(mac: n["mac"], model: n["model"] ?? NICModelCatalog.qemuDefaultNICModel(isQ35: isQ35))
            applyBackend(n, to: &nic)
            if let model = nic.model, NICModelCatalog.isVirtio(model) {
                nic.virtioTransport = transport(driver: model, props: n, attachment: isQ35 ? .pcieRootComplex : .conventionalPCI)
            }
            result.append(nic)
        }

        let legacyBackend = o.legacyNets.first { $0.positional != "nic" && $0.positional != "none" }
        for n in o.legacyNets where n.positional == "nic" {
            var nic = VMNIC(mac: n["macaddr"], model: n["model"] ?? NICModelCatalog.qemuDefaultNICModel(isQ35: isQ35))
            if let id = n["netdev"], let backend = netdevs[id] {
                applyBackend(backend, to: &nic)
            } else if let backend = legacyBackend {
                applyBackend(backend, to: &nic)
            }
            if let model = nic.model, NICModelCatalog.isVirtio(model) {
                nic.virtioTransport = transport(driver: model, props: n, attachment: isQ35 ? .pcieRootComplex : .conventionalPCI)
            }
            result.append(nic)
        }
        return result
    }

    static func applyBackend(_ b: QEMUOptionString, to nic: inout VMNIC) {
        switch b.positional ?? b["type"] ?? "" {
        case "user":
            nic.mode = .user
            nic.backend = "slirp"
        case "passt":
            nic.mode = .user
            nic.backend = "passt"
        case "tap":
            nic.mode = .tap
            nic.sourceDevice = b["ifname"]
        case "bridge":
            nic.mode = .bridge
            nic.bridgeName = b["br"]
        default:
            nic.mode = .other
        }
    }

    static func isRootBus(_ bus: String?, isQ35: Bool) -> Bool {
        guard let bus else { return true }
        return bus == (isQ35 ? "pcie.0" : "pci.0")
    }

    static func attachment(bus: String?, isQ35: Bool, devices: [String: String], proxmoxQ35Config: Bool) -> NICModelCatalog.Attachment {
        if isRootBus(bus, isQ35: isQ35) { return isQ35 ? .pcieRootComplex : .conventionalPCI }
        guard let bus else { return .unknown }
        if let driver = devices[bus] {
            switch driver {
            case "pcie-root-port", "ioh3420", "xio3130-downstream": return .pciePort
            case "pci-bridge", "i82801b11-bridge", "pcie-pci-bridge", "pxb": return .conventionalPCI
            default: return .unknown
            }
        }
        // Buses declared in Proxmox's pve-q35-4.0.cfg (passed with -readconfig): the
        // "ich9-pcie-port-N" root ports, and "pci.0".."pci.3" pci-bridges behind its DMI-to-PCI
        // bridge, where Proxmox puts NICs (net0 => bus 0 addr 18 in qemu-server's PCI.pm).
        if bus.hasPrefix("ich9-pcie-port-") { return .pciePort }
        if proxmoxQ35Config, bus.hasPrefix("pci.") { return .conventionalPCI }
        if !isQ35, bus.hasPrefix("pci.") { return .conventionalPCI }  // i440fx has no PCIe at all
        return .unknown
    }

    static func transport(driver: String, props: QEMUOptionString, attachment: NICModelCatalog.Attachment) -> VirtioTransport? {
        if let fixed = NICModelCatalog.transportFixedByModel(driver) { return fixed }
        let noModern = QEMUOptionString.isOn(props["disable-modern"]) == true
        let legacy = props["disable-legacy"].map { $0.lowercased() }
        switch (noModern, QEMUOptionString.isOn(legacy)) {
        case (true, true?): return nil  // QEMU refuses this combination
        case (true, _): return .legacyOnly
        case (false, true?): return .modern
        case (false, false?): return .transitional
        case (false, nil): return NICModelCatalog.defaultTransport(for: attachment)
        }
    }

    /// `addr=0x12`, `addr=12.0`, `addr=03.1`: slot and function in hex.
    static func slotFunction(_ addr: String?) -> (Int, Int)? {
        guard var a = addr?.lowercased() else { return nil }
        if a.hasPrefix("0x") { a.removeFirst(2) }
        let parts = a.split(separator: ".", omittingEmptySubsequences: false)
        guard let slot = Int(parts[0], radix: 16) else { return nil }
        if parts.count == 1 { return (slot, 0) }
        var fnText = parts[1]
        if fnText.hasPrefix("0x") { fnText = fnText.dropFirst(2) }
        guard parts.count == 2, let fn = Int(fnText, radix: 16) else { return nil }
        return (slot, fn)
    }

    // MARK: CPU and firmware

    /// Hyper-V features from `-cpu`, and the synthetic debugger from `-device` too.
    static func hypervisor(_ o: Options) -> HypervisorFeatures {
        var h = hypervisor(cpu: o.cpu.map(QEMUOptionString.init))
        h.syntheticDebugger = SyntheticDebugger.from(devices: o.devices, cpuFlags: h.flags)
        return h
    }

    /// Hyper-V features from a `-cpu` value; QEMU takes both `hv_relaxed` and `hv-relaxed`,
    /// and the legacy `+flag` / `-flag` forms.
    static func hypervisor(cpu: QEMUOptionString?) -> HypervisorFeatures {
        guard let cpu else { return HypervisorFeatures() }
        var flags: [String] = []
        var vendor: String?
        for (index, part) in cpu.parts.enumerated() where index > 0 || part.value != nil {
            var key = part.key
            var value = part.value
            if key.hasPrefix("+") { key.removeFirst(); value = value ?? "on" }
            if key.hasPrefix("-") { key.removeFirst(); value = "off" }
            guard HypervisorFeatures.isHypervFlag(key) else { continue }
            let raw = value.map { key + "=" + $0 } ?? key
            let normalized = HypervisorFeatures.normalizedFlag(raw)
            if normalized.hasPrefix("hv-vendor-id=") {
                vendor = value
            } else if !HypervisorFeatures.isOff(raw) {
                flags.append(normalized)
            }
        }
        return HypervisorFeatures(hypervEnlightenments: !flags.isEmpty, vendorID: vendor, flags: flags.sorted())
    }

    static func firmware(_ o: Options) -> Firmware {
        func resolve(_ node: String?, depth: Int = 0) -> String? {
            guard let node, depth < 8, let entry = o.blockNodes[node] else { return nil }
            return entry.filename ?? resolve(entry.fileRef, depth: depth + 1)
        }
        // pflash0 is the code image, pflash1 the vars; -drive if=pflash counts units in order.
        var code = resolve(o.machineProps["pflash0"])
        var vars = resolve(o.machineProps["pflash1"])
        for (i, d) in o.pflashDrives.enumerated() {
            let unit = d["unit"].flatMap { Int($0) } ?? i
            if unit == 0 { code = code ?? d["file"] } else if unit == 1 { vars = vars ?? d["file"] }
        }
        if let code {
            return Firmware(kind: .uefi, secureBoot: Firmware.secureBoot(code: code, vars: vars), loaderPath: code)
        }
        if let bios = o.bios {
            let uefi = Firmware.looksLikeUEFI(bios)
            return Firmware(kind: uefi ? .uefi : .bios, secureBoot: uefi ? Firmware.secureBoot(code: bios, vars: nil) : false, loaderPath: bios)
        }
        return Firmware(kind: .bios, secureBoot: false)  // SeaBIOS, QEMU's x86 default
    }
}
