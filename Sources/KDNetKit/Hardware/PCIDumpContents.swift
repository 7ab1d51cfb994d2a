import Foundation

/// The PCI functions of a target's `lspci -x` dump, to judge the busparams its debug
/// settings name (`dbgsettings lint --pci-dump`, `doctor --dbgsettings --pci-dump`).
public struct PCIDumpContents: Sendable {
    /// How the output names the dump ("the dump target.lspci").
    public var name: String
    public var functions: [PCIFunction]

    public init(name: String, functions: [PCIFunction]) {
        self.name = name; self.functions = functions
    }

    /// The dump at `path`, read as `kdnetctl nics --pci-dump` reads it.
    public static func read(_ path: String, pciIDs: String? = nil) throws -> PCIDumpContents {
        PCIDumpContents(name: "the dump \(path)", functions: try PCIScanner(idsFile: pciIDs).scanDump(path))
    }

    /// busparams name a bus, device and function in PCI domain 0, the only one they can name.
    public func function(at bp: BusParams) -> PCIFunction? {
        functions.first { f in
            guard let a = f.address else { return false }
            return a.domain == 0 && a.bus == Int(bp.bus) && a.device == Int(bp.device) && a.function == Int(bp.function)
        }
    }

    /// The network controllers busparams can name, for the fix.
    var networkControllers: [PCIFunction] {
        functions.filter { $0.isNetworkController && $0.address?.domain == 0 }
    }

    /// Whether `bp` names a network controller (PCI class 02) in the dump, and which device
    /// it names otherwise: kdnet.exe has been seen to choose a USB 3 xHCI controller.
    public func judge(_ bp: BusParams) -> LintFinding {
        guard let f = function(at: bp), let address = f.address else {
            return .init(.error, "busparams-no-device",
                         "busparams \(bp) names no device in \(name) (lspci would show it as \(Self.lspciAddress(bp))), so KDNET finds no NIC there; \(fix)")
        }
        let what = Self.described(f)
        guard let c = f.deviceClass else {
            return .init(.warning, "busparams-class-unknown", "busparams \(bp) is \(address), \(what), whose PCI class the dump does not show; check that it is the NIC cabled to the host")
        }
        if f.isNetworkController {
            return .init(.info, "busparams-network-controller", "busparams \(bp) is \(address), \(what), a network controller (PCI class 02)")
        }
        let trap = TargetTraps.trap(.wrongDevice)
        return .init(.error, "busparams-not-a-nic",
                     "busparams \(bp) is \(address), \(what) (PCI class \(Self.hex(Int(c), 4)), prog-if \(Self.hex(Int(f.progIf), 2))), not a network controller (class 02), so KDNET cannot use it; kdnet.exe has been seen to choose a USB 3 xHCI controller \(trap.citation). \(fix.prefix(1).uppercased() + fix.dropFirst())",
                     source: trap.source)
    }

    /// How to set the NIC instead, naming the dump's network controllers.
    var fix: String {
        let nics = networkControllers.compactMap { f in f.address.map { (bp: $0.busparams, text: "\($0), \(Self.described(f))") } }
        switch nics.count {
        case 0:
            return "\(name) shows no network controller busparams can name; set those of the NIC cabled to the host: `bcdedit /set {dbgsettings} busparams b.d.f` (decimal, from Device Manager's Location)"
        case 1:
            return "set the NIC's: `bcdedit /set {dbgsettings} busparams \(nics[0].bp)` (\(nics[0].text))"
        default:
            return "set those of the NIC cabled to the host, one of \(nics.map { "\($0.bp) (\($0.text))" }.joined(separator: ", ")): `bcdedit /set {dbgsettings} busparams b.d.f`"
        }
    }

    /// "a USB xHCI controller, Intel Corporation Cannon Lake PCH USB 3.1 xHCI Host Controller"
    static func described(_ f: PCIFunction) -> String {
        let kind = f.isXHCI ? "USB xHCI controller"
            : f.className ?? f.deviceClass.map { "device of class \(hex(Int($0), 4))" } ?? "device of unknown class"
        let article = kind.first.map { "AEIOU".contains($0.uppercased()) } == true && !kind.hasPrefix("USB") ? "an" : "a"
        let names = [f.vendorName, f.deviceName].compactMap { $0 }.joined(separator: " ")
        return "\(article) \(kind)" + (names.isEmpty ? "" : ", \(names)")
    }

    static func lspciAddress(_ bp: BusParams) -> String {
        PCIAddress(bus: Int(bp.bus), device: Int(bp.device), function: Int(bp.function)).description
    }

    static func hex(_ v: Int, _ width: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}

extension PCIFunction {
    /// PCI base class 02.
    public var isNetworkController: Bool { deviceClass.map { $0 >> 8 == 0x02 } ?? false }
}
