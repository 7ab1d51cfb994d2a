import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Applies `VMFixChange`s to a libvirt domain definition (`virsh dumpxml --inactive`) and
/// returns the definition to give `virsh define`.
///
/// The document is edited as a tree, never as text, and written back in libvirt's own
/// layout (`LibvirtXMLPrinter`), so an unchanged document comes back line for line and a
/// diff of old against new shows only the edits.
public enum LibvirtDomainEdit {
    public struct Result: Sendable, Equatable {
        /// The new definition, laid out as `virsh dumpxml` does.
        public var xml: String
        /// What the user must know: side effects of the changes and follow-up steps.
        public var warnings: [String]
    }

    public static func apply(_ changes: [VMFixChange], to xml: String) throws -> Result {
        let root = try parseDomain(xml)
        var warnings: [String] = []
        for change in changes {
            switch change {
            case .nicModel(let mac, let model):
                try setNICModel(mac: mac, model: model, in: root, warnings: &warnings)
            case .addDebugNIC(let network, let model):
                try addNIC(network: network, model: model, to: root)
            case .hypervVendorID(let value):
                try setVendorID(value, in: root)
            case .disableSecureBoot:
                disableSecureBoot(in: root, warnings: &warnings)
            }
        }
        return Result(xml: LibvirtXMLPrinter.render(root), warnings: warnings)
    }

    /// The definition laid out as `apply` writes it, with nothing changed: the "before" side
    /// of a diff, so that only the edits show even if the input was laid out differently.
    public static func normalized(_ xml: String) throws -> String {
        LibvirtXMLPrinter.render(try parseDomain(xml))
    }

    static func parseDomain(_ xml: String) throws -> XMLElement {
        let doc: XMLDocument
        switch XMLText.document(xml) {
        case .success(let d): doc = d
        case .failure(let error): throw VMFixError.notXML("\(error)")
        }
        guard let root = doc.rootElement() else { throw VMFixError.notXML("no element at all") }
        guard root.name == "domain" else { throw VMFixError.notADomain(root.name ?? "?") }
        return root
    }

    // MARK: NIC model

    /// Attributes of an interface's `<driver>` that configure the virtio backend; libvirt
    /// refuses vhost-net ("vhost-net is only supported for virtio network interfaces") and the
    /// iommu/ats/packed options ("... is only supported for virtio devices") on other models.
    static let virtioDriverAttributes: Set<String> = [
        "name", "txmode", "ioeventfd", "event_idx", "queues", "rx_queue_size", "tx_queue_size",
        "rss", "rss_hash_report", "iommu", "ats", "packed", "page_per_vq",
    ]

    /// Children libvirt writes before `<model>` inside `<interface>` (its formatter's order),
    /// so a new `<model>` lands where `virsh dumpxml` would show it.
    static let interfaceChildrenBeforeModel: Set<String> = [
        "mac", "source", "virtualport", "ip", "route", "script", "downscript", "backenddomain", "target", "guest",
    ]

    static func setNICModel(mac: String, model: String, in root: XMLElement, warnings: inout [String]) throws {
        try checkModelName(model)
        let interfaces = root.child("devices")?.children("interface") ?? []
        guard let iface = interfaces.first(where: { sameMAC($0.child("mac")?.attr("address"), mac) }) else {
            throw VMFixError.unknownMAC(mac, known: interfaces.compactMap { $0.child("mac")?.attr("address") })
        }
        if let existing = iface.child("model") {
            setAttribute(existing, "type", model)
        } else {
            let m = XMLElement(name: "model")
            setAttribute(m, "type", model)
            let kids = iface.children ?? []
            let after = kids.lastIndex { ($0 as? XMLElement).map { interfaceChildrenBeforeModel.contains($0.name ?? "") } ?? false }
            iface.insertChild(m, at: after.map { $0 + 1 } ?? 0)
        }
        guard !model.lowercased().hasPrefix("virtio"), let driver = iface.child("driver") else { return }
        let names = Set((driver.attributes ?? []).compactMap(\.name))
        let hasVirtioOptions = !names.isDisjoint(with: virtioDriverAttributes) || !(driver.children ?? []).isEmpty
        if hasVirtioOptions {
            let shown = LibvirtXMLPrinter.render(driver).split(separator: "\n")
                .map { $0.trimmingCharacters(in: .whitespaces) }.joined()
            iface.removeChild(at: driver.index)
            warnings.append("dropped \(shown) from the NIC \(mac): its options are for virtio NICs only and libvirt refuses them on \(model)")
        }
    }

    // MARK: Debug NIC

    static func addNIC(network: String, model: String, to root: XMLElement) throws {
        try checkModelName(model)
        guard let devices = root.child("devices") else { throw VMFixError.noDevices }
        // No <mac> and no <address>: libvirt assigns both when the definition is saved.
        let iface = XMLElement(name: "interface")
        setAttribute(iface, "type", "network")
        let source = XMLElement(name: "source")
        setAttribute(source, "network", network)
        let m = XMLElement(name: "model")
        setAttribute(m, "type", model)
        iface.addChild(source)
        iface.addChild(m)
        if let last = devices.children("interface").last {
            devices.insertChild(iface, at: last.index + 1)
        } else {
            devices.addChild(iface)
        }
    }

    // MARK: Hyper-V vendor id

    /// `<hyperv>` children libvirt writes after `<vendor_id>` (its feature enum order).
    static let hypervChildrenAfterVendorID: Set<String> = [
        "frequencies", "reenlightenment", "tlbflush", "ipi", "evmcs", "avic", "emsr_bitmap", "xmm_input",
    ]

    static func setVendorID(_ value: String, in root: XMLElement) throws {
        try checkVendorID(value)
        guard let hyperv = root.child("features")?.child("hyperv") else { throw VMFixError.noHyperV }
        if hyperv.attr("mode") == "passthrough" { throw VMFixError.hypervPassthrough }
        if let existing = hyperv.child("vendor_id") {
            setAttribute(existing, "state", "on")
            setAttribute(existing, "value", value)
            return
        }
        let v = XMLElement(name: "vendor_id")
        setAttribute(v, "state", "on")
        setAttribute(v, "value", value)
        let kids = (hyperv.children ?? []).compactMap { $0 as? XMLElement }
        if let before = kids.first(where: { hypervChildrenAfterVendorID.contains($0.name ?? "") }) {
            hyperv.insertChild(v, at: before.index)
        } else {
            hyperv.addChild(v)
        }
    }

    /// libvirt's schema allows any 0-12 characters but a comma; Proxmox allows 1-12 letters
    /// and digits. Holding every platform to the narrower rule keeps one plan valid for all.
    static func checkVendorID(_ value: String) throws {
        guard value.count <= 12 else { throw VMFixError.vendorIDTooLong(value) }
        guard !value.isEmpty, value.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }) else {
            throw VMFixError.vendorIDBadCharacters(value)
        }
    }

    // MARK: Secure Boot

    static func disableSecureBoot(in root: XMLElement, warnings: inout [String]) {
        guard let os = root.child("os") else { return }
        var changed = false

        // Firmware auto-selection (<os firmware='efi'>) picks a build by these features.
        for feature in os.child("firmware")?.children("feature") ?? []
        where ["secure-boot", "enrolled-keys"].contains(feature.attr("name")) && feature.attr("enabled") == "yes" {
            setAttribute(feature, "enabled", "no")
            changed = true
        }

        var unknownLoader: String?
        if let loader = os.child("loader") {
            let wasSecure = loader.attr("secure") == "yes"
            let autoselect = os.attr("firmware") != nil
            if wasSecure, autoselect {
                // With firmware auto-selection libvirt 9 refuses secure='no' ("cannot be
                // specified when firmware autoselection is enabled"): the features decide.
                loader.removeAttribute(forName: "secure")
                if (loader.attributes ?? []).isEmpty, (loader.text ?? "").isEmpty { loader.detach() }
                changed = true
            } else if wasSecure {
                setAttribute(loader, "secure", "no")
                changed = true
            }
            if let path = loader.text {
                if let plain = FirmwarePaths.withoutSecureBoot(path) {
                    loader.stringValue = plain
                    changed = true
                } else if wasSecure {
                    unknownLoader = path
                }
            }
        }

        if let nvram = os.child("nvram"), let template = nvram.attr("template"),
           let plain = FirmwarePaths.withoutSecureBoot(template) {
            setAttribute(nvram, "template", plain)
            // The old vars file holds the enrolled keys (PK, KEK, db); libvirt makes a vars
            // file from the template only where none exists, so the path goes and libvirt
            // fills in its default when the definition is saved. When that default is the
            // old file's own path, only `virsh start --reset-nvram` replaces it: see warning.
            nvram.setChildren(nil)
            changed = true
        }

        guard changed else { return }
        warnings += VMFixChange.disableSecureBoot.warnings
        let name = root.child("name")?.text.map(ShellWord.quoted) ?? "NAME"
        warnings.append("start the VM the first time with `virsh start \(name) --reset-nvram`: its UEFI vars file holds the enrolled Secure Boot keys and boot entries, and libvirt recreates it from the blank template only then (Windows boots again through its fallback loader)")
        if let path = unknownLoader {
            warnings.append("the firmware \(path) is not named like a known Secure Boot build (.secboot., .ms., .snakeoil.); if the VM still boots with Secure Boot on, pick the loader and vars template of a firmware without the secure-boot feature from /usr/share/qemu/firmware/*.json")
        }
    }

    // MARK: Helpers

    static func checkModelName(_ model: String) throws {
        guard !model.isEmpty, model.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }) else {
            throw VMFixError.badModelName(model)
        }
    }

    /// MACs compare without regard to case or to '-' versus ':' (`virsh` prints lower case,
    /// live XML and users may not).
    static func sameMAC(_ a: String?, _ b: String) -> Bool {
        guard let a else { return false }
        func norm(_ s: String) -> String { s.lowercased().replacingOccurrences(of: "-", with: ":") }
        return norm(a) == norm(b)
    }

    /// Changes an attribute in place so the others keep their order; appends a new one.
    static func setAttribute(_ e: XMLElement, _ name: String, _ value: String) {
        if let a = e.attribute(forName: name) {
            a.stringValue = value
        } else {
            e.addAttribute(XMLNode.attribute(withName: name, stringValue: value) as! XMLNode)
        }
    }
}
