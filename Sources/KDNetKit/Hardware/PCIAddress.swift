/// Where a PCI function sits: lspci prints it in hex (`3b:00.0`), while bcdedit's
/// `busparams` wants the same numbers in decimal (`59.0.0`).
public struct PCIAddress: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let domain: Int
    public let bus: Int
    public let device: Int
    public let function: Int

    public init(domain: Int = 0, bus: Int, device: Int, function: Int) {
        self.domain = domain
        self.bus = bus
        self.device = device
        self.function = function
    }

    /// Parses lspci's form, with or without the domain: `3b:00.0`, `0000:3b:00.0`.
    public init?(lspci text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        let devFunc = parts[parts.count - 1].split(separator: ".", omittingEmptySubsequences: false)
        guard devFunc.count == 2,
              let bus = Int(parts[parts.count - 2], radix: 16), (0...0xff).contains(bus),
              let device = Int(devFunc[0], radix: 16), (0...0x1f).contains(device),
              let function = Int(devFunc[1], radix: 16), (0...7).contains(function)
        else { return nil }
        var domain = 0
        if parts.count == 3 {
            guard let d = Int(parts[0], radix: 16), d >= 0 else { return nil }
            domain = d
        }
        self.init(domain: domain, bus: bus, device: device, function: function)
    }

    /// lspci's spelling; the domain only when it is not 0, as lspci does.
    public var description: String {
        let bdf = hex(bus, 2) + ":" + hex(device, 2) + "." + String(function, radix: 16)
        return domain == 0 ? bdf : hex(domain, 4) + ":" + bdf
    }

    /// sysfs names every function with its domain: /sys/bus/pci/devices/0000:3b:00.0.
    public var sysfsName: String {
        hex(domain, 4) + ":" + hex(bus, 2) + ":" + hex(device, 2) + "." + String(function, radix: 16)
    }

    /// bcdedit's `busparams b.d.f`, all decimal.
    public var busparams: String { "\(bus).\(device).\(function)" }

    public static func < (a: PCIAddress, b: PCIAddress) -> Bool {
        (a.domain, a.bus, a.device, a.function) < (b.domain, b.bus, b.device, b.function)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let a = PCIAddress(lspci: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad PCI address \(text)"))
        }
        self = a
    }

    private func hex(_ v: Int, _ width: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
