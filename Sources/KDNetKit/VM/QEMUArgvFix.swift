import Foundation

/// Applies `VMFixChange`s to the argv of a QEMU started by hand or by a script (no libvirt,
/// no Proxmox), for the user to paste into whatever starts the VM.
public enum QEMUArgvFix {
    public struct Result: Sendable, Equatable {
        public var argv: [String]
        public var warnings: [String]
    }

    /// `-device` properties every PCI NIC has, kept when the driver changes. Anything else
    /// belongs to the old driver (virtio-net's disable-legacy, mq, vectors, packed,
    /// rx_queue_size, host_mtu, ...) and QEMU would refuse it on e1000e ("Property
    /// 'e1000e.mq' not found"), so it is dropped and reported.
    static let devicePropertiesToKeep: Set<String> = [
        "netdev", "mac", "id", "bus", "addr", "bootindex", "multifunction", "rombar", "romfile",
        "acpi-index", "failover_pair_id",
    ]

    public static func apply(_ changes: [VMFixChange], to argv: [String]) throws -> Result {
        var argv = argv
        var warnings: [String] = []
        for change in changes {
            switch change {
            case .nicModel(let mac, let model):
                try LibvirtDomainEdit.checkModelName(model)
                try setNICModel(mac: mac, model: model, in: &argv, warnings: &warnings)
            case .addDebugNIC(let network, let model):
                try LibvirtDomainEdit.checkModelName(model)
                // A hand-started QEMU has no libvirt network to join; a user-mode (slirp)
                // NIC needs no host set-up, and the guest reaches the host as 10.0.2.2.
                argv += ["-nic", "user,model=\(model)"]
                warnings.append("added a user-mode NIC (-nic user,model=\(model)) for network '\(network)': a hand-started QEMU has no libvirt networks; the debugger host is 10.0.2.2 from the guest")
            case .hypervVendorID(let value):
                try LibvirtDomainEdit.checkVendorID(value)
                try setVendorID(value, in: &argv)
            case .disableSecureBoot:
                disableSecureBoot(in: &argv, warnings: &warnings)
            }
        }
        return Result(argv: argv, warnings: warnings)
    }

    // MARK: NIC

    static func setNICModel(mac: String, model: String, in argv: inout [String], warnings: inout [String]) throws {
        var known: [String] = []
        for i in argv.indices.dropLast() {
            let option = argv[i].drop { $0 == "-" }
            guard argv[i].hasPrefix("-"), ["device", "nic", "net"].contains(option) else { continue }
            let value = argv[i + 1]
            if option == "device", value.hasPrefix("{") {
                guard let data = value.data(using: .utf8),
                      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
                else { throw VMFixError.badJSONDevice(value) }
                guard let found = object["mac"] as? String else { continue }
                known.append(found)
                guard LibvirtDomainEdit.sameMAC(found, mac) else { continue }
                var kept: [String: Any] = ["driver": model]
                var dropped: [String] = []
                for (key, v) in object where key != "driver" {
                    if keeps(key, value: v as? String) {
                        kept[key] = v
                    } else {
                        // As JSON, so true reads "true" rather than NSNumber's "1".
                        let shown = (try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .withoutEscapingSlashes]))
                            .map { String(decoding: $0, as: UTF8.self) } ?? "\(v)"
                        dropped.append("\(key)=\(shown)")
                    }
                }
                let out = try JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys, .withoutEscapingSlashes])
                argv[i + 1] = String(decoding: out, as: UTF8.self)
                noteDropped(dropped.sorted(), mac: mac, model: model, warnings: &warnings)
                return
            }
            let opts = QEMUOptionString(value)
            let macKey = option == "net" ? "macaddr" : "mac"
            guard let found = opts[macKey] else { continue }
            known.append(found)
            guard LibvirtDomainEdit.sameMAC(found, mac) else { continue }
            if option == "device" {
                var parts: [QEMUOptionString.Part] = []
                var dropped: [String] = []
                for (n, part) in opts.parts.enumerated() {
                    if n == 0 && part.value == nil {
                        parts.append(QEMUOptionString.Part(key: model, value: nil))
                    } else if part.key == "driver" {
                        parts.append(QEMUOptionString.Part(key: "driver", value: model))
                    } else if keeps(part.key, value: part.value) {
                        parts.append(part)
                    } else {
                        dropped.append(part.value.map { "\(part.key)=\($0)" } ?? part.key)
                    }
                }
                argv[i + 1] = render(parts)
                noteDropped(dropped, mac: mac, model: model, warnings: &warnings)
            } else {
                // -nic TYPE,model=... and -net nic,model=...: only the model is the NIC's; the
                // rest configures the backend and stays.
                var parts = opts.parts
                if let m = parts.firstIndex(where: { $0.key == "model" }) {
                    parts[m].value = model
                } else {
                    parts.append(QEMUOptionString.Part(key: "model", value: model))
                }
                argv[i + 1] = render(parts)
            }
            return
        }
        throw VMFixError.unknownMAC(mac, known: known)
    }

    /// A virtio option ROM (efi-virtio.rom, pxe-virtio.rom) would be loaded into the new
    /// NIC; without romfile QEMU picks the one for the new model.
    static func keeps(_ key: String, value: String?) -> Bool {
        guard devicePropertiesToKeep.contains(key) else { return false }
        if key == "romfile", value?.lowercased().contains("virtio") == true { return false }
        return true
    }

    static func noteDropped(_ dropped: [String], mac: String, model: String, warnings: inout [String]) {
        guard !dropped.isEmpty else { return }
        warnings.append("dropped \(dropped.joined(separator: ", ")) from the NIC \(mac): \(model) has no such properties")
    }

    // MARK: -cpu

    static func setVendorID(_ value: String, in argv: inout [String]) throws {
        // QEMU lets the last -cpu win, so that is the one to change.
        guard let i = argv.indices.dropLast().last(where: { argv[$0] == "-cpu" || argv[$0] == "--cpu" }) else {
            throw VMFixError.noCPUOption
        }
        var parts = QEMUOptionString(argv[i + 1]).parts
        // QEMU takes both spellings; leaving the old one would give two vendor ids.
        parts.removeAll { $0.key == "hv-vendor-id" || $0.key == "hv_vendor_id" }
        parts.append(QEMUOptionString.Part(key: "hv-vendor-id", value: value))
        argv[i + 1] = render(parts)
    }

    // MARK: Secure Boot

    static func disableSecureBoot(in argv: inout [String], warnings: inout [String]) {
        var replaced: [String] = []
        var varsFiles: [String] = []
        for i in argv.indices.dropLast() {
            let option = argv[i].drop { $0 == "-" }
            guard argv[i].hasPrefix("-") else { continue }
            switch option {
            case "bios":
                if let plain = FirmwarePaths.withoutSecureBoot(argv[i + 1]) {
                    replaced.append("\(argv[i + 1]) -> \(plain)")
                    argv[i + 1] = plain
                }
            case "drive":
                var parts = QEMUOptionString(argv[i + 1]).parts
                guard QEMUOptionString(argv[i + 1])["if"] == "pflash",
                      let f = parts.firstIndex(where: { $0.key == "file" }), let path = parts[f].value else { continue }
                let readonly = QEMUOptionString.isOn(QEMUOptionString(argv[i + 1])["readonly"]) == true
                if let plain = FirmwarePaths.withoutSecureBoot(path), readonly {
                    parts[f].value = plain
                    argv[i + 1] = render(parts)
                    replaced.append("\(path) -> \(plain)")
                } else if !readonly {
                    varsFiles.append(path)
                }
            default:
                continue
            }
        }
        warnings += VMFixChange.disableSecureBoot.warnings
        if replaced.isEmpty {
            warnings.append("found no Secure Boot firmware on the command line (-bios, or a read-only -drive if=pflash named .secboot., .ms. or .snakeoil.); if Secure Boot is on, turn it off in the OVMF setup menu (Device Manager > Secure Boot Configuration)")
        }
        for vars in varsFiles {
            warnings.append("the UEFI vars file \(vars) holds the enrolled Secure Boot keys: keep it aside and start from a fresh copy of the blank vars template that goes with the firmware (on Debian /usr/share/OVMF/OVMF_VARS_4M.fd)")
        }
    }

    // MARK: Rendering

    /// QEMU's option syntax: a comma inside a value is written twice.
    static func render(_ parts: [QEMUOptionString.Part]) -> String {
        parts.map { part in
            let key = part.key.replacingOccurrences(of: ",", with: ",,")
            guard let value = part.value else { return key }
            return key + "=" + value.replacingOccurrences(of: ",", with: ",,")
        }.joined(separator: ",")
    }

    /// The argv as one line for a POSIX shell.
    public static func shellLine(_ argv: [String]) -> String {
        ShellWord.line(argv)
    }
}
