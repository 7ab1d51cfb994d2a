import Foundation

/// Turns `VMFixChange`s into `qm set` commands for a Proxmox VE VM.
///
/// Syntax checked against proxmox/qemu-server (2024-2025 sources):
/// - `netN` (PVE/QemuServer/Network.pm, `$net_fmt`): the model is the default key and takes
///   the MAC as its value (`virtio=BC:24:11:..`, an alias of `model=..,macaddr=..`); bridge,
///   firewall, link_down, rate, tag, trunks are model-independent. `queues` is used only for
///   virtio and `mtu` is "VirtIO only" (print_netdevice_full ignores it with a warning
///   otherwise), so both go when the model changes. Without a MAC, parse_net makes one.
/// - `cpu` (PVE/QemuServer/CPUConfig.pm, `$cpu_fmt`): `[cputype=]TYPE[,flags=+F;-G]
///   [,hidden=1][,hv-vendor-id=ID][,phys-bits=..]`, cputype the default key; hv-vendor-id
///   must match `[a-zA-Z0-9]{1,12}`. With no `cpu:` line the type is kvm64
///   (get_cpu_options). The vendor id reaches QEMU only through get_hyperv_enlightenments,
///   which returns nothing unless the ostype is Windows (Vista/2008 or later; 8 or later
///   with OVMF).
/// - `efidisk0` (PVE/QemuServer/Drive.pm): `pre-enrolled-keys` (default 0) picks a vars
///   template with Microsoft's keys, and so Secure Boot, when the disk is made; changing
///   the option later does not touch the keys already on the disk.
public enum ProxmoxFix {
    public struct Result: Sendable, Equatable {
        /// Shell commands to run on the Proxmox node, in order.
        public var commands: [String]
        /// What the commands cannot do or what to know first.
        public var notes: [String]
    }

    /// qemu-server's MAX_NETS.
    static let maxNets = 32

    public static func commands(vmid: Int, config: [String: String], changes: [VMFixChange]) throws -> Result {
        var config = config
        var commands: [String] = []
        var notes: [String] = []
        for change in changes {
            switch change {
            case .nicModel(let mac, let model):
                try LibvirtDomainEdit.checkModelName(model)
                let (key, value, dropped) = try netWithModel(mac: mac, model: model, config: config)
                config[key] = value
                commands.append("qm set \(vmid) --\(key) \(ShellWord.quoted(value))")
                if !dropped.isEmpty {
                    notes.append("\(key): dropped \(dropped.joined(separator: ", ")): Proxmox uses them for virtio NICs only")
                }
            case .addDebugNIC(let bridge, let model):
                try LibvirtDomainEdit.checkModelName(model)
                guard let n = (0..<maxNets).first(where: { config["net\($0)"] == nil }) else {
                    throw VMFixError.noFreeProxmoxNet
                }
                let value = "\(model),bridge=\(bridge)"
                config["net\(n)"] = value
                commands.append("qm set \(vmid) --net\(n) \(ShellWord.quoted(value))")
            case .hypervVendorID(let id):
                try LibvirtDomainEdit.checkVendorID(id)
                if let args = config["args"], let edited = try argsWithVendorID(id, args: args) {
                    // QEMU lets the last -cpu win, and `args:` comes after the -cpu made
                    // from `cpu:`: a vendor id put in `cpu:` would never reach QEMU.
                    config["args"] = edited
                    commands.append("qm set \(vmid) --args \(ShellWord.quoted(edited))")
                    notes.append("args: sets -cpu, which replaces the CPU made from the cpu: line, so the vendor id goes into args:")
                    continue
                }
                if config["cpu"] == nil {
                    notes.append("the VM has no cpu: line, so its CPU type is Proxmox's default kvm64; the command keeps it")
                }
                let value = cpuWithVendorID(id, cpu: config["cpu"])
                config["cpu"] = value
                commands.append("qm set \(vmid) --cpu \(ShellWord.quoted(value))")
                if !isWindows(config["ostype"], ovmf: config["bios"] == "ovmf") {
                    notes.append("Proxmox passes hv-vendor-id to QEMU only with its Hyper-V enlightenments, which it turns on for a Windows ostype (win8 or later with OVMF); set ostype first (qm set \(vmid) --ostype win11)")
                }
            case .disableSecureBoot:
                notes += change.warnings
                notes.append(secureBootNote(vmid: vmid, efidisk: config["efidisk0"]))
            }
        }
        return Result(commands: commands, notes: notes)
    }

    /// The `netN` line holding this MAC, rewritten for the new model.
    static func netWithModel(mac: String, model: String, config: [String: String]) throws -> (String, String, [String]) {
        var known: [String] = []
        let keys = config.keys.compactMap { k -> Int? in k.hasPrefix("net") ? Int(k.dropFirst(3)) : nil }.sorted()
        for n in keys {
            let opts = QEMUOptionString(config["net\(n)"]!)
            guard let first = opts.parts.first else { continue }
            let found = first.key == "model" ? opts["macaddr"] : first.value
            guard let found else { continue }
            known.append(found)
            guard LibvirtDomainEdit.sameMAC(found, mac) else { continue }
            var parts = ["\(model)=\(found)"]
            var dropped: [String] = []
            for part in opts.parts.dropFirst() where part.key != "model" && part.key != "macaddr" {
                let text = part.value.map { "\(part.key)=\($0)" } ?? part.key
                if part.key == "queues" || part.key == "mtu" { dropped.append(text) } else { parts.append(text) }
            }
            return ("net\(n)", parts.joined(separator: ","), dropped)
        }
        throw VMFixError.unknownMAC(mac, known: known)
    }

    /// `args:` with hv-vendor-id set in its last `-cpu`, or nil when it has none. The words
    /// are written back quoted as qemu-server's split_args (Perl's shellwords) reads them:
    /// it knows no `$'...'`, so a word with control characters is refused rather than
    /// written in a form Proxmox would pass on changed.
    static func argsWithVendorID(_ id: String, args: String) throws -> String? {
        var words = ProxmoxConfig.shellWords(args)
        guard words.dropLast().contains(where: { $0 == "-cpu" || $0 == "--cpu" }) else { return nil }
        try QEMUArgvFix.setVendorID(id, in: &words)
        guard !words.contains(where: { $0.unicodeScalars.contains(where: ShellWord.needsEscape) }) else {
            throw VMFixError.unprintableProxmoxArgs
        }
        return ShellWord.line(words)
    }

    static func cpuWithVendorID(_ id: String, cpu: String?) -> String {
        var parts = QEMUOptionString(cpu ?? "kvm64").parts.filter { $0.key != "hv-vendor-id" }
        if parts.isEmpty { parts = [QEMUOptionString.Part(key: "kvm64", value: nil)] }
        parts.append(QEMUOptionString.Part(key: "hv-vendor-id", value: id))
        return parts.map { p in p.value.map { "\(p.key)=\($0)" } ?? p.key }.joined(separator: ",")
    }

    /// qemu-server's windows_version rule behind get_hyperv_enlightenments.
    static func isWindows(_ ostype: String?, ovmf: Bool) -> Bool {
        guard let o = ostype else { return false }
        let version: Int
        switch o {
        case "w2k8", "wvista": version = 6
        default: version = o.hasPrefix("win") ? Int(o.dropFirst(3)) ?? 0 : 0
        }
        return version >= (ovmf ? 8 : 6)
    }

    static func secureBootNote(vmid: Int, efidisk: String?) -> String {
        let base = "the efidisk's enrolled keys cannot be removed with qm set: turn Secure Boot off in the OVMF setup menu (Esc at boot, Device Manager > Secure Boot Configuration)"
        guard let efidisk else { return base }
        let opts = QEMUOptionString(efidisk)
        let volume = opts.positional ?? opts["file"] ?? ""
        let storage = volume.split(separator: ":").first.map(String.init) ?? "STORAGE"
        let efitype = opts["efitype"] ?? "4m"
        return base + ", or recreate efidisk0 with pre-enrolled-keys=0 (qm set \(vmid) --delete efidisk0, then qm set \(vmid) --efidisk0 \(ShellWord.quoted("\(storage):1,efitype=\(efitype),pre-enrolled-keys=0")); the size is ignored for an efidisk and the blank vars template is copied in, so the UEFI boot entries start afresh)"
    }

    /// The main section of /etc/pve/qemu-server/VMID.conf as key -> value: lines after the
    /// first `[section]` (snapshots, [PENDING]) and `#` description lines are left out.
    public static func mainSection(_ text: String) -> [String: String] {
        var conf: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") { break }
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            conf[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return conf
    }
}
