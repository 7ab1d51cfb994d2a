import Foundation

/// Reads a Proxmox qemu-server config (`/etc/pve/qemu-server/VMID.conf`).
public enum ProxmoxConfig {
    /// Proxmox's NIC models (qemu-server's `$nic_model_list`).
    static let nicModels: Set<String> = [
        "e1000", "e1000-82540em", "e1000-82544gc", "e1000-82545em", "e1000e", "i82551", "i82557b",
        "i82559er", "ne2k_isa", "ne2k_pci", "pcnet", "rtl8139", "virtio", "vmxnet3",
    ]

    /// - Parameters:
    ///   - vmid: the file's VMID (its name), used as the identifier and as a fallback name.
    ///   - state: what `qm status` said; the config does not record it.
    static let vmSettings: Set<String> = [
        "name", "memory", "ostype", "cores", "sockets", "cpu", "machine", "bios", "boot", "smbios1", "vmgenid",
        "scsihw", "meta", "agent", "args", "numa", "balloon", "vga", "onboot", "kvm", "hotplug",
    ]

    static func isVMSetting(_ key: String) -> Bool {
        if vmSettings.contains(key) { return true }
        // Numbered devices: net0, scsi0, sata1, ide2, virtio0, efidisk0, tpmstate0, hostpci0, usb0.
        let stem = key.prefix { $0.isLetter }
        return ["net", "scsi", "sata", "ide", "virtio", "efidisk", "tpmstate", "hostpci", "usb", "serial"].contains(String(stem))
            && key.dropFirst(stem.count).allSatisfy(\.isNumber) && key.count > stem.count
    }

    public static func parse(_ text: String, vmid: Int? = nil, state: VMState = .unknown) throws -> VirtualMachine {
        var conf: [String: String] = [:]
        var hasPending = false
        var inMain = true
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }  // "#" lines hold the description
            if line.hasPrefix("[") {
                // Everything after the first section header is a snapshot, [PENDING] or
                // [special:cloudinit]: only the main section describes the VM as it runs.
                inMain = false
                if line == "[PENDING]" { hasPending = true }
                continue
            }
            guard inMain else { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw ProxmoxConfigError.badLine(line: index + 1, text: line)
            }
            let key = String(line[..<colon])
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw ProxmoxConfigError.badLine(line: index + 1, text: line)
            }
            conf[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard !conf.isEmpty else { throw ProxmoxConfigError.empty }
        // /etc/passwd is `key: value` text too: a VM config has keys only Proxmox writes.
        guard conf.keys.contains(where: isVMSetting) else { throw ProxmoxConfigError.notProxmox }

        let machine = machineType(conf["machine"])
        let isQ35 = machine.contains("q35")
        var nics: [VMNIC] = []
        // Keep net0, net1, ... in numeric order, as Proxmox lists them.
        let netKeys = conf.keys.compactMap { k -> Int? in k.hasPrefix("net") ? Int(k.dropFirst(3)) : nil }.sorted()
        for n in netKeys {
            nics.append(try nic(key: "net\(n)", index: n, value: conf["net\(n)"]!, isQ35: isQ35))
        }

        return VirtualMachine(
            name: conf["name"] ?? vmid.map { "VM \($0)" } ?? "unnamed",
            source: .proxmox,
            identifier: vmid.map(String.init),
            state: state,
            machine: machine,
            osHint: conf["ostype"],
            nics: nics,
            hypervisor: hypervisor(conf),
            firmware: firmware(conf),
            // Proxmox records changes it could not apply to the running VM under [PENDING].
            persistentDiffersFromLive: hasPending
        )
    }

    /// `machine:` is "q35", "pc-q35-8.1", "pc-i440fx-8.1+pve0" or, newer, "type=q35,viommu=virtio";
    /// absent means i440fx ("pc").
    static func machineType(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return "pc" }
        let opts = QEMUOptionString(value)
        return opts.positional ?? opts["type"] ?? "pc"
    }

    // MARK: NICs

    static func nic(key: String, index: Int, value: String, isQ35: Bool) throws -> VMNIC {
        let opts = QEMUOptionString(value)
        guard let first = opts.parts.first else { throw ProxmoxConfigError.badNIC(key: key, value: value) }
        let model: String
        let mac: String?
        if first.key == "model", let m = first.value {
            model = m
            mac = opts["macaddr"]
        } else {
            model = first.key
            mac = first.value
        }
        guard nicModels.contains(model) else { throw ProxmoxConfigError.badNIC(key: key, value: value) }

        var nic = VMNIC(mac: mac, model: model)
        if let bridge = opts["bridge"] {
            nic.mode = .bridge
            nic.bridgeName = bridge
        } else {
            // qemu-server: without a bridge the NIC gets QEMU user networking (NAT).
            nic.mode = .user
            nic.backend = "slirp"
        }
        // net0-net5 sit on bus pci.0 at slots 18-23 (qemu-server PCI.pm). On i440fx that is
        // the root bus, so the guest sees 0:18.0; on q35 pci.0 is a pci-bridge behind a
        // DMI-to-PCI bridge (pve-q35-4.0.cfg) whose bus number the guest firmware assigns.
        if !isQ35, index <= 5 {
            nic.address = PCIAddress(bus: 0, device: 18 + index, function: 0)
        }
        // Both of those buses are conventional PCI, so QEMU leaves a virtio NIC transitional
        // (disable-legacy=auto is on only behind a PCIe port; hw/virtio/virtio-pci.c).
        if model == "virtio" { nic.virtioTransport = .transitional }
        return nic
    }

    // MARK: Hyper-V

    /// qemu-server's add_hyperv_enlightenments (CPUConfig.pm): for windows_version >= 6
    /// (w2k8/wvista = 6, winN = N) it adds hv_spinlocks, hv_vapic, hv_time, hv_reset,
    /// hv_vpindex, hv_runtime, and from win7 hv_relaxed, hv_synic, hv_stimer, hv_ipi; none
    /// when bios=ovmf and the version is below 8. hv_vendor_id is added when `cpu:` sets
    /// hv-vendor-id, or as "proxmox" when a hostpci has x-vga=1 (GPU passthrough). The
    /// machine-version gates (QEMU 2.3/2.6/2.12/3.1) are ignored: every supported release
    /// is newer.
    static func hypervisor(_ conf: [String: String]) -> HypervisorFeatures {
        var flags = Set<String>()
        let winVersion = windowsVersion(conf["ostype"])
        let ovmf = conf["bios"] == "ovmf"
        if winVersion >= 6 && !(ovmf && winVersion < 8) {
            flags.formUnion(["hv-spinlocks=0x1fff", "hv-vapic", "hv-time", "hv-reset", "hv-vpindex", "hv-runtime"])
            if winVersion >= 7 { flags.formUnion(["hv-relaxed", "hv-synic", "hv-stimer", "hv-ipi"]) }
        }

        var vendor: String?
        if let cpu = conf["cpu"] {
            let opts = QEMUOptionString(cpu)
            vendor = opts["hv-vendor-id"]
            // flags=+hv-tlbflush;+hv-evmcs
            for f in (opts["flags"] ?? "").split(separator: ";") where f.hasPrefix("+") {
                let name = String(f.dropFirst())
                if HypervisorFeatures.isHypervFlag(name) { flags.insert(HypervisorFeatures.normalizedFlag(name)) }
            }
        }
        let gpuPassthrough = conf.contains { key, value in
            key.hasPrefix("hostpci") && QEMUOptionString.isOn(QEMUOptionString(value)["x-vga"]) == true
        }
        if vendor == nil && gpuPassthrough && winVersion >= 6 && !(ovmf && winVersion < 8) { vendor = "proxmox" }

        // `args:` goes to QEMU verbatim, after the -cpu made from the lines above, and QEMU
        // takes the last -cpu whole: one in args: is the running CPU, its flags and vendor
        // id alone (which is why `vm fix` edits args: then).
        var devices: [QEMUOptionString] = []
        if let args = conf["args"] {
            let words = shellWords(args)
            if let i = words.indices.dropLast().last(where: { words[$0] == "-cpu" || words[$0] == "--cpu" }) {
                let cpu = QEMUCommandLine.hypervisor(cpu: QEMUOptionString(words[i + 1]))
                flags = Set(cpu.flags)
                vendor = cpu.vendorID
            }
            // `args: -device vmbus-bridge -device hv-syndbg,...` is how Proxmox gets the synthetic debugger.
            devices = (try? QEMUCommandLine.options(words))?.devices ?? []
        }
        let sorted = flags.sorted()
        return HypervisorFeatures(hypervEnlightenments: !flags.isEmpty, vendorID: vendor, flags: sorted,
                                  syntheticDebugger: SyntheticDebugger.from(devices: devices, cpuFlags: sorted))
    }

    /// qemu-server's windows_version: wxp/w2k/w2k3 = 5, w2k8/wvista = 6, winN = N, else 0.
    static func windowsVersion(_ ostype: String?) -> Int {
        guard let o = ostype else { return 0 }
        switch o {
        case "wxp", "w2k", "w2k3": return 5
        case "w2k8", "wvista": return 6
        default:
            if o.hasPrefix("win"), let n = Int(o.dropFirst(3)) { return n }
            return 0
        }
    }

    /// Splits `args:` the way a shell would for the simple quoting people use there.
    static func shellWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for c in text {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c
                inWord = true
            } else if c == " " || c == "\t" {
                if inWord { words.append(current); current = ""; inWord = false }
            } else {
                current.append(c)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    // MARK: Firmware

    /// `bios: ovmf` is UEFI. Secure Boot is on only with efidisk0 `pre-enrolled-keys=1` and
    /// `efitype=4m`: the schema (qemu-server Drive.pm) defaults pre-enrolled-keys to 0 and
    /// efitype to 2m, and the keys are enrolled "if used with 'efitype=4m'"; OVMF.pm picks
    /// OVMF_VARS_4M.ms.fd only then. Without an efidisk Proxmox boots from a temporary copy
    /// of the blank vars template.
    static func firmware(_ conf: [String: String]) -> Firmware {
        guard conf["bios"] == "ovmf" else { return Firmware(kind: .bios, secureBoot: false) }
        guard let efidisk = conf["efidisk0"] else { return Firmware(kind: .uefi, secureBoot: false) }
        let opts = QEMUOptionString(efidisk)
        let keys = QEMUOptionString.isOn(opts["pre-enrolled-keys"]) ?? false
        let is4m = opts["efitype"] == "4m"
        return Firmware(kind: .uefi, secureBoot: keys && is4m)
    }
}
