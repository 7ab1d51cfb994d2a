import CShims
import Foundation

/// Reads PCI functions through libpci: from this machine, from an `lspci -x` dump, or names
/// only for ids the user typed. libpci's fatal errors come back as `HardwareError`s.
public struct PCIScanner: Sendable {
    /// A pci.ids to name devices from (nil: the system's).
    public var idsFile: String?
    /// Where sysfs is mounted; tests point this at a fake tree.
    public var sysfsRoot: String

    public init(idsFile: String? = nil, sysfsRoot: String = "/sys") throws {
        if let idsFile, !FileManager.default.fileExists(atPath: idsFile) {
            throw HardwareUsageError.pciIDsMissing(idsFile)
        }
        self.idsFile = idsFile
        self.sysfsRoot = sysfsRoot
    }

    /// This machine's PCI functions, each with its Linux interface and link state.
    public func scanLocal() throws -> [PCIFunction] {
        try scan(dump: nil).map { f in
            var f = f
            if let a = f.address { SysfsPCI(root: sysfsRoot).annotate(&f, at: a) }
            return f
        }
    }

    /// At most this many functions in a dump: a large machine has a few hundred, and libpci
    /// keeps a device and its config bytes in memory for every header line it reads.
    public static let dumpDeviceLimit = 4096

    /// The functions in an `lspci -x` dump taken on any machine. The dump is read once,
    /// bounded (16 MiB, `dumpDeviceLimit` functions), whatever it is: a file, a pipe, a
    /// FIFO or a device; libpci then reads a private copy of what was read (it would read
    /// a pipe or `/dev/zero` without end, and holds every device it meets in memory).
    public func scanDump(_ path: String) throws -> [PCIFunction] {
        guard FileManager.default.fileExists(atPath: path) else { throw HardwareError.dumpMissing(path) }
        let text = try TextInput.read(path: path, expecting: "an `lspci -x` dump")
        let headers = text.split(whereSeparator: \.isNewline).lazy.filter(Self.isDumpHeader).count
        guard headers <= Self.dumpDeviceLimit else { throw HardwareError.dumpTooManyDevices(path, Self.dumpDeviceLimit) }
        let found = try withPrivateCopy(of: text) { copy in
            do { return try scan(dump: copy) } catch HardwareError.dumpUnreadable(_, let why) {
                throw HardwareError.dumpUnreadable(path, why.replacingOccurrences(of: copy, with: path))
            }
        }
        guard !found.isEmpty else { throw HardwareError.dumpEmpty(path) }
        // libpci reads "00:3f.9" from a dump as it stands; busparams must never carry it.
        if let bad = found.compactMap(\.address).first(where: { $0.device > 0x1f || $0.function > 7 }) {
            throw HardwareError.impossibleAddress(path, bad.description)
        }
        return found
    }

    /// Names for ids typed by the user (from Device Manager or pnputil).
    public func describe(_ ids: [DeviceID]) throws -> [PCIFunction] {
        var raw = ids.map { id -> kdnet_pci_device in
            var d = kdnet_pci_device()
            d.vendor_id = id.identity.vendorID
            d.device_id = id.identity.deviceID
            d.subsys_vendor_id = id.identity.subsystemVendorID ?? 0xffff
            d.subsys_id = id.identity.subsystemID ?? 0xffff
            d.device_class = id.deviceClass ?? 0
            return d
        }
        var err = [CChar](repeating: 0, count: 512)
        let rc = withOptionalCString(idsFile) { ids in
            kdnet_pci_name(ids, &raw, Int32(raw.count), &err, err.count)
        }
        if rc < 0 { throw failure(Self.text(err), dump: nil) }
        return zip(ids, raw).map { id, d in
            var f = Self.function(from: d, address: nil)
            f.deviceClass = id.deviceClass
            // libpci would name class 0 ("Non-VGA unclassified device"); an id without CC_ has none.
            if id.deviceClass == nil { f.className = nil }
            f.givenID = id.text
            if id.bus == .usb {
                // pci.ids does not name USB ids; the numbers must speak for themselves.
                f.usbAttached = true
                f.vendorName = nil
                f.deviceName = nil
            }
            return f
        }
    }

    private func scan(dump: String?) throws -> [PCIFunction] {
        var capacity = 256
        while true {
            var raw = [kdnet_pci_device](repeating: kdnet_pci_device(), count: capacity)
            var err = [CChar](repeating: 0, count: 512)
            let n = withOptionalCString(dump) { dumpPath in
                withOptionalCString(idsFile) { ids in
                    kdnet_pci_scan(dumpPath, ids, &raw, Int32(capacity), &err, err.count)
                }
            }
            if n < 0 { throw failure(Self.text(err), dump: dump) }
            if Int(n) <= capacity {
                // A header line without config bytes reads back as vendor ffff: no device there.
                return raw.prefix(Int(n)).filter { $0.vendor_id != 0xffff }.map { d in
                    Self.function(from: d, address: PCIAddress(domain: Int(d.domain), bus: Int(d.bus),
                                                               device: Int(d.dev), function: Int(d.func)))
                }.sorted { $0.address! < $1.address! }
            }
            capacity = Int(n)
        }
    }

    /// A device's first line in `lspci -x` output: `00:1f.6 Ethernet controller: ...`, with
    /// an optional domain (`0000:00:1f.6`).
    static func isDumpHeader(_ line: Substring) -> Bool {
        guard let space = line.firstIndex(of: " ") else { return false }
        let address = line[..<space]
        guard let dot = address.lastIndex(of: "."), address.contains(":") else { return false }
        return address[..<dot].allSatisfy { $0.isHexDigit || $0 == ":" }
    }

    /// `body` with the path of a file only this user can read, holding `text`, removed after.
    private func withPrivateCopy<T>(of text: String, _ body: (String) throws -> T) throws -> T {
        var template = Array((FileManager.default.temporaryDirectory.path + "/kdnetctl-pci-dump-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw HardwareError.libpci("cannot stage the dump in \(FileManager.default.temporaryDirectory.path): \(String(cString: strerror(errno)))") }
        let path = String(cChars: template)
        defer { unlink(path) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
        return try body(path)
    }

    /// libpci reports every failure the same way; its text says which file it choked
    /// on, and the user needs to hear which of their files is wrong.
    private func failure(_ why: String, dump: String?) -> HardwareError {
        if let idsFile, why.contains(idsFile) { return .pciIDsUnreadable(idsFile, why) }
        if let dump { return .dumpUnreadable(dump, why) }
        return .libpci(why)
    }

    private static func function(from d: kdnet_pci_device, address: PCIAddress?) -> PCIFunction {
        var d = d
        let hasSubsystem = d.subsys_vendor_id != 0xffff && d.subsys_vendor_id != 0
        return PCIFunction(
            address: address,
            identity: PCIIdentity(vendorID: d.vendor_id, deviceID: d.device_id,
                                  subsystemVendorID: hasSubsystem ? d.subsys_vendor_id : nil,
                                  subsystemID: hasSubsystem ? d.subsys_id : nil),
            deviceClass: d.device_class, progIf: d.prog_if,
            vendorName: nonEmpty(withUnsafeBytes(of: &d.vendor_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }),
            deviceName: nonEmpty(withUnsafeBytes(of: &d.device_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }),
            subsystemName: nonEmpty(withUnsafeBytes(of: &d.subsys_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }),
            className: nonEmpty(withUnsafeBytes(of: &d.class_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }),
            config: d.config_len > 0 ? PCIConfigSpace(bytes: withUnsafeBytes(of: &d.config) { Array($0.prefix(Int(d.config_len))) }) : nil
        )
    }

    private static func nonEmpty(_ s: String) -> String? { s.isEmpty ? nil : s }

    private static func text(_ buffer: [CChar]) -> String {
        let s = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return s.isEmpty ? "unknown error" : s
    }
}

private func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}
